/**
 * Shared by the React Native background tests (test/react-native-background*.test.ts): a real
 * sync server for the file, loopback servers that fail or never answer, a client on a manual
 * clock and network, and fakes of the OS modules, named as fakes. Importing this registers the
 * file's hooks (the server for the file; clients and loopback servers closed after each test).
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import {
  createClient,
  createMemoryStore,
  fetchTransport,
  type SynclineClient,
  type Transport,
} from '@syncline/client';
import { createMemoryDisk, type MemoryDisk, manualClock, manualNetwork } from '@syncline/client/testing';
import {
  type BackgroundFetchLike,
  configureBackgroundFetch,
  createBackgroundSync,
} from '@syncline/react-native';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { e2eRules, e2eSchema } from './schema.ts';
import { startServer, tempDir } from './server.ts';

export const BUDGET = 25_000;
export const GRACE = 2_000;
/** iOS's background fetch window: every run must report completion before it ends. */
export const IOS_WINDOW = 30_000;

export const dir = tempDir('syncline-rn-');
export let srv: Awaited<ReturnType<typeof startServer>>;
export let alice: string;
beforeAll(async () => {
  srv = await startServer({ dbPath: join(dir.path, 'server.db'), schema: e2eSchema, rules: e2eRules });
  alice = await srv.token('alice');
});
afterAll(async () => {
  await srv?.close();
  dir.cleanup();
});

/** Loopback HTTP servers of one test: one that never answers, or one that fails every request. */
export const servers: Server[] = [];
export const clients: Array<SynclineClient<typeof e2eSchema>> = [];
afterEach(async () => {
  for (const c of clients.splice(0)) await c.close().catch(() => undefined);
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
  }
});

export async function loopback(
  handle: (req: IncomingMessage, res: import('node:http').ServerResponse) => void,
) {
  const received: string[] = [];
  let onRequest: () => void = () => {};
  const server = createServer((req, res) => {
    received.push(`${req.method} ${req.url}`);
    onRequest();
    handle(req, res);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/sync`,
    received,
    /** Resolves once the server has received `n` requests in total. */
    requests: (n: number) =>
      new Promise<void>((resolve) => {
        const check = () => {
          if (received.length >= n) resolve();
        };
        onRequest = check;
        check();
      }),
  };
}

/** Wraps a transport to count the requests in flight at once (two syncs would make it 2). */
export function counting(inner: Transport) {
  const stats = { inFlight: 0, max: 0, total: 0 };
  const transport: Transport = {
    async request(path, init) {
      stats.total++;
      stats.inFlight++;
      stats.max = Math.max(stats.max, stats.inFlight);
      try {
        return await inner.request(path, init);
      } finally {
        stats.inFlight--;
      }
    },
  };
  return { transport, stats };
}

export function setup(opts: {
  url?: string;
  transport?: Transport;
  disk?: MemoryDisk;
  online?: boolean;
  getToken?: (o: { forceRefresh: boolean }) => Promise<string | null> | string | null;
}) {
  const clock = manualClock(Date.parse('2026-12-01T03:00:00Z'));
  const network = manualNetwork(opts.online ?? true);
  const disk = opts.disk ?? createMemoryDisk();
  const { transport, stats } = counting(opts.transport ?? fetchTransport(opts.url ?? srv.url));
  const client = createClient({
    schema: e2eSchema,
    store: createMemoryStore(disk),
    transport,
    clock,
    network,
    realtime: false,
    auth: { getToken: opts.getToken ?? (() => alice) },
  });
  clients.push(client);
  const background = createBackgroundSync({ client, clock, budgetMs: BUDGET, graceMs: GRACE });
  return { clock, network, disk, client, background, stats };
}

/** A fake of `react-native-background-fetch`'s default export: the test fires the OS's events. */
export function fakeBackgroundFetch() {
  let onEvent: (taskId: string) => void | Promise<void> = () => {};
  let onTimeout: ((taskId: string) => void) | undefined;
  const finished: string[] = [];
  const fake: BackgroundFetchLike = {
    async configure(_config, event, timeout) {
      onEvent = event;
      onTimeout = timeout;
      return 2; // STATUS_AVAILABLE
    },
    finish: (taskId) => {
      finished.push(taskId);
    },
  };
  return {
    fake,
    finished,
    /** The OS wakes the app: resolves when the handler has returned. */
    fire: (taskId: string) => Promise.resolve(onEvent(taskId)),
    /** The OS says the task's time is up. */
    timeout: (taskId: string) => onTimeout?.(taskId),
  };
}

/** A fake of `expo-background-task`'s `BackgroundTaskResult` enum (its documented values). */
export const fakeExpoResult = { Success: 1, Failed: 2 } as const;

export async function fetchTask(s: ReturnType<typeof setup>) {
  const os = fakeBackgroundFetch();
  expect(await configureBackgroundFetch(os.fake, s.background)).toBe(2);
  return os;
}
