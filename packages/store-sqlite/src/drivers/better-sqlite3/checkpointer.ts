/**
 * WAL checkpoints off the writing thread (decision 0027). better-sqlite3 runs SQLite on the main
 * thread, and with the default `wal_autocheckpoint` the COMMIT that crosses 1000 WAL pages copies
 * them into the database file and fsyncs it: a write that usually takes 0.03 ms then takes
 * several. Here the connection's automatic checkpoints are off and a worker thread, on its own
 * connection to the same file, runs `PRAGMA wal_checkpoint(PASSIVE)`, which never blocks the
 * writer (SQLite's WAL lets one checkpointer run beside one writer and any readers).
 *
 * Durability is unchanged: a commit is durable once its frames are in the WAL (synchronous=NORMAL
 * syncs the WAL before each checkpoint, as before); a checkpoint only moves committed pages into
 * the main file. A commit asks for a checkpoint at most every `intervalMs`, and only one runs at a
 * time; with no commits the worker is idle (no timers). Should the worker fail, the connection
 * goes back to SQLite's own automatic checkpoints.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';

/** The worker's code (CommonJS, run with `eval`): open the file, checkpoint when asked. */
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.lib);
const db = new Database(workerData.path, { fileMustExist: true });
parentPort.on('message', (m) => {
  if (m === 'close') {
    db.close();
    parentPort.close();
    return;
  }
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch {
    // A busy or failed checkpoint is retried on the next request.
  }
  parentPort.postMessage('done');
});
`;

export interface Checkpointer {
  /** A transaction committed: checkpoint soon (at most one in flight, at most every intervalMs). */
  committed(): void;
  /** Stops the worker and closes its connection (before the main connection closes). */
  close(): Promise<void>;
}

/** Starts the background checkpointer for the file of `db`, or null where none can run. */
export function startCheckpointer(db: Database.Database, path: string, intervalMs = 20): Checkpointer | null {
  let worker: Worker;
  try {
    worker = new Worker(WORKER, {
      eval: true,
      // Not the parent's flags: with `--input-type=module` among them, the code would run as ESM.
      execArgv: [],
      workerData: { path, lib: createRequire(import.meta.url).resolve('better-sqlite3') },
    });
  } catch {
    return null;
  }
  worker.unref();
  db.pragma('wal_autocheckpoint = 0');
  let busy = false;
  let last = Number.NEGATIVE_INFINITY;
  let failed = false;
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  const fallBack = () => {
    if (failed) return;
    failed = true;
    if (db.open) db.pragma('wal_autocheckpoint = 1000');
  };
  worker.on('message', () => {
    busy = false;
  });
  worker.on('error', fallBack);
  void exited.then(fallBack);
  return {
    committed() {
      if (busy || failed) return;
      const now = performance.now();
      if (now - last < intervalMs) return;
      last = now;
      busy = true;
      worker.postMessage('check');
    },
    async close() {
      if (failed) return;
      failed = true;
      // Referenced again: the caller waits for the worker's exit, so the process must too.
      worker.ref();
      worker.postMessage('close');
      await exited;
    },
  };
}
