/**
 * Child processes of the benchmark: every client runs in a fresh process (no JIT, cache or heap
 * carried over), every run under a time cap, and every process this file starts is stopped by its
 * own pid (its process group) when done, past its cap, or when the parent fails.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface ChildCommand {
  /** Executable and arguments. */
  argv: readonly string[];
  cwd?: string;
  env?: Record<string, string>;
}

/** The outcome of one capped run: its JSON answer, "did not finish" past the cap, or a failure. */
export type RunOutcome<T> =
  | { status: 'ok'; result: T; wallMs: number }
  | { status: 'dnf'; capMs: number }
  | { status: 'failed'; error: string };

const started = new Set<ChildProcess>();

/** Kills a child's whole process group (it was started detached as the group's leader). */
function kill(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

function start(cmd: ChildCommand): ChildProcess {
  const [file, ...args] = cmd.argv;
  const child = spawn(file!, args, {
    cwd: cmd.cwd,
    env: { ...process.env, ...cmd.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  started.add(child);
  child.once('exit', () => started.delete(child));
  return child;
}

/** Stops every child still running (on the parent's exit, an error or Ctrl-C). */
export function stopAllChildren(): void {
  for (const child of started) kill(child, 'SIGKILL');
}
process.once('exit', stopAllChildren);
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => {
    stopAllChildren();
    process.exit(130);
  });

/** Runs `cmd` to its end; its last stdout line (or last JSON object) is its result. Killed past `capMs`. */
export function runCapped<T>(cmd: ChildCommand, capMs: number): Promise<RunOutcome<T>> {
  const child = start(cmd);
  const t0 = performance.now();
  let last = '';
  let stdout = '';
  let stderr = '';
  createInterface({ input: child.stdout! }).on('line', (line) => {
    if (line.trim()) last = line;
    stdout = `${stdout}${line}\n`.slice(-200_000);
  });
  child.stderr!.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      kill(child, 'SIGKILL');
      resolve({ status: 'dnf', capMs });
    }, capMs);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (signal === 'SIGKILL' && performance.now() - t0 >= capMs) return;
      const wallMs = performance.now() - t0;
      if (code !== 0) return resolve({ status: 'failed', error: `exit ${code ?? signal}: ${stderr.trim()}` });
      // Its result: the last line, or else a pretty-printed JSON object ending the output.
      for (const text of [last, stdout.slice(stdout.lastIndexOf('\n{') + 1)]) {
        try {
          return resolve({ status: 'ok', result: JSON.parse(text) as T, wallMs });
        } catch {
          // Try the next form.
        }
      }
      resolve({ status: 'failed', error: `no JSON result; stderr: ${stderr.trim()}` });
    });
  });
}

/** A long-running child (a server): started, its first stdout line read as JSON, stopped with `stop()`. */
export interface Service<T> {
  info: T;
  stop(): Promise<void>;
}

export async function startService<T>(cmd: ChildCommand, readyCapMs: number): Promise<Service<T>> {
  const child = start(cmd);
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
    if (process.env.BENCH_VERBOSE) process.stderr.write(d);
  });
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    kill(child, 'SIGTERM');
    const forced = setTimeout(() => kill(child, 'SIGKILL'), 5000);
    await exited;
    clearTimeout(forced);
  };
  try {
    const info = await new Promise<T>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${cmd.argv.join(' ')} not ready in ${readyCapMs} ms`)),
        readyCapMs,
      );
      child.once('exit', (code) =>
        reject(new Error(`${cmd.argv.at(-1)} exited with ${code}: ${stderr.trim()}`)),
      );
      createInterface({ input: child.stdout! }).once('line', (line) => {
        clearTimeout(timer);
        try {
          resolve(JSON.parse(line) as T);
        } catch {
          reject(new Error(`not a JSON ready line: ${line}`));
        }
      });
    });
    return { info, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** `node --import tsx <file>` with the package sources, for the TypeScript children. */
export function tsNode(file: string, args: readonly string[] = []): string[] {
  return [
    process.execPath,
    // BENCH_CPU_PROF=<dir>: every contender process writes a V8 CPU profile there (`--cpu-prof`).
    ...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : []),
    '--conditions=@syncline/source',
    '--import',
    'tsx',
    new URL(file, import.meta.url).pathname,
    ...args,
  ];
}
