import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { SOURCE_EXEC_ARGV } from './source.ts';

const WORKER = fileURLToPath(new URL('../fixtures/client-worker.ts', import.meta.url));

/** A client process driven over IPC; `exited` resolves with the signal or code when it dies. */
export interface ClientProcess {
  call<T = unknown>(cmd: string, ...args: unknown[]): Promise<T>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(): void;
}

export async function spawnClient(
  env: Record<string, string> = {},
  execArgv: string[] = [],
): Promise<ClientProcess> {
  const child: ChildProcess = fork(WORKER, [], {
    execArgv: [...SOURCE_EXEC_ARGV, ...execArgv],
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let next = 1;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => {
      for (const p of pending.values()) p.reject(new Error(`client process exited (${signal ?? code})`));
      pending.clear();
      resolve({ code, signal });
    });
  });
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`client process failed to start (${code})`)));
  });
  child.on('message', (msg: { id?: number; ok?: boolean; result?: unknown; error?: { message: string } }) => {
    if (msg.id === undefined) return;
    const p = pending.get(msg.id);
    if (!p) return;
    pending.delete(msg.id);
    if (msg.ok) p.resolve(msg.result);
    else p.reject(Object.assign(new Error(msg.error?.message ?? 'error'), msg.error));
  });
  return {
    call<T>(cmd: string, ...args: unknown[]) {
      const id = next++;
      return new Promise<T>((resolve, reject) => {
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
        child.send({ id, cmd, args });
      });
    },
    exited,
    kill: () => child.kill('SIGKILL'),
  };
}
