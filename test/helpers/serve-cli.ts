/**
 * `syncline serve` from source as a real child process, in its own process group, with the test
 * secret and none of this machine's Syncline or database settings.
 */
import { type ChildProcessByStdio, spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import { TEST_SECRET } from './server.ts';
import { CLI_FROM_SOURCE } from './source.ts';

export type CliChild = ChildProcessByStdio<null, Readable, Readable>;

/** The `/metrics` bearer token of servers started by {@link serveCli} (SYNCLINE_METRICS_TOKEN). */
export const TEST_METRICS_TOKEN = 'e2e-metrics-token-0123456789';

/**
 * Started before the test's own flags (a later flag wins): no rate limits, since these tests
 * drive one user far faster than a person; `src/node/limits.test.ts` tests the limits.
 */
const TEST_FLAGS = ['--rate-limit', 'off', '--rate-limit-ip', 'off'];

/** Starts `syncline serve <args>` (rate limits off, /metrics behind TEST_METRICS_TOKEN) and resolves with its URL once it prints the "listening on" line. */
export function serveCli(
  args: string[],
  cwd: string,
): Promise<{ url: string; child: CliChild; output: () => string }> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    SYNCLINE_JWT_SECRET: TEST_SECRET,
    SYNCLINE_METRICS_TOKEN: TEST_METRICS_TOKEN,
  };
  for (const key of ['SYNCLINE_JWKS_URL', 'DATABASE_URL', 'PORT']) delete env[key];
  const child = spawn(CLI_FROM_SOURCE[0]!, [...CLI_FROM_SOURCE.slice(1), 'serve', ...TEST_FLAGS, ...args], {
    cwd,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let out = '';
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const match = /listening on (http:\/\/\S+)/.exec(out);
      if (match?.[1]) resolve({ url: match[1], child, output: () => out });
    });
    child.stderr.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.once('exit', (code) =>
      reject(new Error(`syncline serve exited (${code}) before listening:\n${out}`)),
    );
  });
}

function killGroup(child: CliChild, signal: NodeJS.Signals): void {
  try {
    if (child.pid !== undefined) process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

/** SIGTERM (graceful); the whole group is SIGKILLed after the exit, or after 10 s without one. */
export function stopCli(child: CliChild): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      killGroup(child, 'SIGKILL');
      return resolve(child.exitCode);
    }
    const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 10_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      killGroup(child, 'SIGKILL');
      resolve(code);
    });
    child.kill('SIGTERM');
  });
}
