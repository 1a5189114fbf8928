/**
 * WAL checkpoints off the writing thread (decision 0027). better-sqlite3 runs SQLite on the main
 * thread, and with the default `wal_autocheckpoint` the COMMIT that crosses 1000 WAL pages copies
 * them into the database file and fsyncs it: a write that usually takes 0.03 ms then takes
 * several. Here the connection's automatic checkpoints wait for 10,000 pages (a backstop, below)
 * and a worker thread, on its own
 * connection to the same file, runs `PRAGMA wal_checkpoint(PASSIVE)`, which never blocks the
 * writer (SQLite's WAL lets one checkpointer run beside one writer and any readers).
 *
 * Durability is unchanged: a commit is durable once its frames are in the WAL (synchronous=NORMAL
 * syncs the WAL before each checkpoint, as before); a checkpoint only moves committed pages into
 * the main file. A commit asks for a checkpoint at most every `intervalMs`, and only one runs at a
 * time; with no commits the worker is idle (no timers). The worker starts at the 50th commit;
 * should it fail, the connection goes back to SQLite's own automatic checkpoints.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';

/** The worker's code (CommonJS, run with `eval`): open the file, checkpoint when asked. */
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.lib);
const db = new Database(workerData.path, { fileMustExist: true });
const busy = new Int32Array(workerData.busy);
parentPort.on('message', () => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch {
    // A busy or failed checkpoint is retried on the next request.
  }
  Atomics.store(busy, 0, 0);
});
`;

export interface Checkpointer {
  /** A transaction committed: checkpoint soon (at most one in flight, at most every intervalMs). */
  committed(): void;
  /** Stops the worker (its connection closes with it) before the main connection closes. */
  close(): Promise<void>;
}

/**
 * Commits before the worker starts: a connection that writes a little and closes (a test, a
 * short script) never pays for a thread, and these first commits stay far below the 1,000 WAL
 * pages at which SQLite's own checkpoint, on until then, would run.
 */
const START_AFTER_COMMITS = 50;

/**
 * SQLite's own checkpoint stays on as a backstop at this many WAL pages (40 MiB of 4 KiB pages).
 * A PASSIVE checkpoint beside a writer that never pauses copies the frames but never catches the
 * last one, so the WAL never restarts and grows by every commit (368 MB in a 1.5 s burst). The
 * backstop runs inside a COMMIT, finds nearly every frame already copied by the worker, and lets
 * the next write restart the WAL from its start.
 */
const BACKSTOP_PAGES = 10_000;

/** The background checkpointer for the file `path` of `db`. */
export function backgroundCheckpoints(db: Database.Database, path: string, intervalMs = 20): Checkpointer {
  let worker: Worker | null = null;
  let commits = 0;
  // 1 while a checkpoint is asked for or running; the worker clears it when done. Shared memory,
  // not a message: a burst of awaited writes on a synchronous driver runs on microtasks only,
  // the event loop never turns, and a 'done' message would wait until the burst ends (one
  // checkpoint per burst, the WAL growing by every commit: 368 MB in a 1.5 s test).
  const busy = new Int32Array(new SharedArrayBuffer(4));
  let last = Number.NEGATIVE_INFINITY;
  let off = false;
  const fallBack = () => {
    if (off) return;
    off = true;
    if (db.open) db.pragma('wal_autocheckpoint = 1000');
  };
  const start = (): Worker | null => {
    try {
      const w = new Worker(WORKER, {
        eval: true,
        // Not the parent's flags: with `--input-type=module` among them, the code would run as ESM.
        execArgv: [],
        workerData: {
          path,
          lib: createRequire(import.meta.url).resolve('better-sqlite3'),
          busy: busy.buffer,
        },
      });
      w.unref();
      w.on('error', fallBack);
      w.once('exit', fallBack);
      db.pragma(`wal_autocheckpoint = ${BACKSTOP_PAGES}`);
      return w;
    } catch {
      off = true;
      return null;
    }
  };
  return {
    committed() {
      if (off || Atomics.load(busy, 0) === 1) return;
      if (worker === null) {
        if (++commits < START_AFTER_COMMITS) return;
        worker = start();
        if (worker === null) return;
      }
      const now = performance.now();
      if (now - last < intervalMs) return;
      last = now;
      Atomics.store(busy, 0, 1);
      worker.postMessage('check');
    },
    async close() {
      off = true;
      // A checkpoint in progress finishes (native code is not interrupted); better-sqlite3 closes
      // the worker's connection as its thread ends, so the main connection closes last and
      // checkpoints and removes the WAL.
      await worker?.terminate();
    },
  };
}
