/**
 * The `syncline` command as a real child process, for test/cli.test.ts and
 * test/cli-commands.test.ts: start it and wait for its "listening on" line, run it to exit, and
 * the few requests the tests make. Importing this registers the file's hooks: CLI children left
 * running are killed after each test, and the working directory is removed after the file.
 */
import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, expect } from 'vitest';
import { CLI_FROM_SOURCE } from './source.ts';

export const root = fileURLToPath(new URL('../..', import.meta.url));
export const tsx = join(root, 'node_modules/.bin/tsx');
export const mainTs = join(root, 'packages/server/src/cli/main.ts');
export const demoSchema = join(root, 'apps/demo/schema.ts');
export const SECRET = 'cli-test-secret-that-is-long-enough-for-hs256';

/** The temporary working directory of this file's CLI children (removed after the file). */
export const dir = mkdtempSync(join(tmpdir(), 'syncline-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The environment without any Syncline or database settings of the machine running the tests. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const key of ['SYNCLINE_JWT_SECRET', 'SYNCLINE_JWKS_URL', 'DATABASE_URL', 'PORT']) delete env[key];
  return { ...env, ...extra };
}

export type Child = ChildProcessByStdio<null, Readable, Readable>;

export interface Running {
  url: string;
  child: Child;
  output: () => string;
  /** Resolves with the match once the output (so far or later) matches `pattern`. */
  waitFor(pattern: RegExp): Promise<RegExpExecArray>;
  /** Sends the signal and resolves with the exit code and how long the exit took. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; ms: number }>;
}

const running: Running[] = [];
afterEach(() => {
  for (const r of running.splice(0))
    if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill('SIGKILL');
});

export function exited(child: Child): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });
}

/** Starts the CLI and resolves once it prints its "listening on <url>" line. */
export async function start(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; command?: string[] } = {},
): Promise<Running> {
  const command = options.command ?? CLI_FROM_SOURCE;
  const child = spawn(command[0]!, [...command.slice(1), ...args], {
    cwd: dir,
    env: options.env ?? cleanEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const waiters: Array<() => void> = [];
  const grew = () => {
    for (const w of waiters.splice(0)) w();
  };
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      grew();
      const match = /listening on (http:\/\/\S+)/.exec(out);
      if (match?.[1]) resolve(match[1]);
    });
    child.stderr.on('data', (d: Buffer) => {
      out += d.toString();
      grew();
    });
    child.on('exit', grew);
    child.once('exit', (code) => reject(new Error(`the CLI exited (${code}) before listening:\n${out}`)));
  });
  const r: Running = {
    url,
    child,
    output: () => out,
    async waitFor(pattern) {
      for (;;) {
        const match = pattern.exec(out);
        if (match) return match;
        if (child.exitCode !== null || child.signalCode !== null)
          throw new Error(`the CLI exited without printing ${pattern}:\n${out}`);
        await new Promise<void>((resolve) => waiters.push(resolve));
      }
    },
    async stop(signal = 'SIGTERM') {
      const began = Date.now();
      child.kill(signal);
      const code = await exited(child);
      return { code, ms: Date.now() - began };
    },
  };
  running.push(r);
  return r;
}

/** Runs the CLI to completion. */
export async function runToExit(
  args: string[],
  env = cleanEnv(),
): Promise<{ code: number | null; output: string }> {
  const child = spawn(CLI_FROM_SOURCE[0]!, [...CLI_FROM_SOURCE.slice(1), ...args], {
    cwd: dir,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => {
    output += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    output += d.toString();
  });
  const code = await exited(child);
  return { code, output };
}

export async function token(url: string, userId: unknown): Promise<Response> {
  return fetch(`${url}/dev/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ userId }),
  });
}

export async function pullLists(url: string, bearer: string): Promise<Response> {
  return fetch(`${url}/sync/pull`, {
    method: 'POST',
    headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
    body: JSON.stringify({ protocol: 1, clientId: 'cli-test', collections: { lists: { cursor: null } } }),
  });
}

export async function insertAndDelete(url: string, bearer: string, clientId: string, id: string) {
  const push = async (mutation: Record<string, unknown>) => {
    const res = await fetch(`${url}/sync/push`, {
      method: 'POST',
      headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
      body: JSON.stringify({ protocol: 1, clientId, mutations: [mutation] }),
    });
    const body = (await res.json()) as { results: Array<{ status: string; record: { version: number } }> };
    expect(body.results).toMatchObject([{ status: 'applied' }]);
    return body.results[0]!.record;
  };
  const row = await push({
    seq: 1,
    collection: 'lists',
    id,
    op: 'insert',
    data: { name: 'Gone soon', ownerId: 'alice' },
  });
  await push({ seq: 2, collection: 'lists', id, op: 'delete', baseVersion: row.version });
}
