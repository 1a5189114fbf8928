/**
 * `worker_threads` workers that run this repository's TypeScript on the package sources (the
 * `@syncline/source` condition of SOURCE_EXEC_ARGV), driven by numbered calls. A Worker refuses a
 * `.ts` entry before any `--import` loader applies, so the entry is a one-line eval that loads
 * the file through tsx's `tsImport`.
 */
import { pathToFileURL } from 'node:url';
import { type Transferable, Worker } from 'node:worker_threads';
import { ROOT, SOURCE_EXEC_ARGV } from './source.ts';

const TSX_API = pathToFileURL(`${ROOT}node_modules/tsx/dist/esm/api/index.mjs`).href;

export interface Thread {
  call<T = unknown>(cmd: string, args?: unknown[], transfer?: Transferable[]): Promise<T>;
  /** Ends the thread at once (like a crashed renderer), its ports with it. */
  terminate(): Promise<number>;
  readonly worker: Worker;
}

/** Starts `file` (a module that calls {@link serveThread}) in a worker on the package sources. */
export function startThread(file: string, workerData: unknown = null): Thread {
  const href = pathToFileURL(file).href;
  const worker = new Worker(
    `import(${JSON.stringify(TSX_API)}).then((tsx) => tsx.tsImport(${JSON.stringify(href)}, ${JSON.stringify(href)}))`,
    {
      eval: true,
      workerData,
      execArgv: SOURCE_EXEC_ARGV.filter((a) => a.startsWith('--conditions')),
    },
  );
  let next = 1;
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  worker.on('message', (m: { id: number; ok: boolean; value?: unknown; error?: string }) => {
    const p = pending.get(m.id);
    if (!p) return;
    pending.delete(m.id);
    if (m.ok) p.resolve(m.value);
    else p.reject(new Error(m.error));
  });
  const fail = (e: Error) => {
    for (const p of pending.values()) p.reject(e);
    pending.clear();
  };
  worker.on('error', fail);
  worker.on('exit', (code) => fail(new Error(`thread exited (${code})`)));
  return {
    worker,
    call<T>(cmd: string, args: unknown[] = [], transfer: Transferable[] = []) {
      const id = next++;
      return new Promise<T>((resolve, reject) => {
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
        worker.postMessage({ id, cmd, args }, transfer);
      });
    },
    terminate: () => worker.terminate(),
  };
}
