import { runLocalStoreSuite } from './conformance/local-store-suite.ts';
import { createMemoryDisk, createMemoryStore, type MemoryDisk } from './memory-store.ts';

// One disk per location, so "reopen" sees the committed data of the earlier instance.
const disks = new Map<string, MemoryDisk>();
let n = 0;

runLocalStoreSuite(
  'memory store',
  {
    create: (location: string) => {
      let disk = disks.get(location);
      if (!disk) {
        disk = createMemoryDisk();
        disks.set(location, disk);
      }
      return createMemoryStore(disk);
    },
    newLocation: () => `mem-${++n}`,
    cleanup: (location: string) => {
      disks.delete(location);
    },
  },
  { persistent: true },
);
