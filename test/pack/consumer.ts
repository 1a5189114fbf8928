/**
 * A consumer app outside the workspace, as a user meets Syncline: the packages packed with
 * `npm pack` (their `prepack` builds them), installed with `npm install` into a temporary
 * directory, then run with plain `node` and type-checked with the app's own `tsc`.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { ROOT } from '../helpers/source.ts';

const run = promisify(execFile);

/** The Node the app runs on, and how its npm builds native modules (`nodedir` for another Node's headers). */
export interface Runtime {
  node: string;
  version: string;
  nodedir?: string;
}

export const CURRENT_NODE: Runtime = { node: process.execPath, version: process.version };

/** npm's own CLI script, run by the runtime's node (npm 11 supports Node 20 and 24). */
function npmCli(): string {
  const fromParent = process.env.npm_execpath;
  if (fromParent && /npm-cli\.js$/.test(fromParent)) return fromParent;
  const bundled = join(dirname(realpathSync(process.execPath)), '../lib/node_modules/npm/bin/npm-cli.js');
  if (existsSync(bundled)) return bundled;
  throw new Error('cannot find npm-cli.js next to this node; run the test through npm');
}

/** The environment of a child of `runtime`: its node first on PATH, no settings of a parent `npm run` or of Syncline. */
export function runtimeEnv(runtime: Runtime, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  // Nothing of a parent `npm run` or of this machine's Syncline settings reaches the app.
  for (const [k, v] of Object.entries(process.env))
    if (!/^(npm_|SYNCLINE_|DATABASE_URL$|PORT$)/i.test(k)) env[k] = v;
  env.PATH = `${dirname(runtime.node)}:${process.env.PATH ?? ''}`;
  if (runtime.nodedir !== undefined) env.npm_config_nodedir = runtime.nodedir;
  return { ...env, ...extra };
}

/** `npm pack` of every workspace package into `dest`; returns package name → tarball path. */
export async function packWorkspaces(dest: string): Promise<Record<string, string>> {
  mkdirSync(dest, { recursive: true });
  const { stdout } = await run(
    process.execPath,
    [npmCli(), 'pack', '--workspaces', '--pack-destination', dest, '--json', '--loglevel=error'],
    { cwd: ROOT, maxBuffer: 64 * 1024 * 1024, env: runtimeEnv(CURRENT_NODE) },
  );
  const packed = JSON.parse(stdout.slice(stdout.indexOf('['))) as Array<{ name: string; filename: string }>;
  return Object.fromEntries(packed.map((p) => [p.name, join(dest, p.filename)]));
}

export interface ConsumerOptions {
  runtime: Runtime;
  /**
   * Where better-sqlite3 comes from: the registry (built from source against the runtime's
   * headers), or this workspace's own install (same version, already built for this Node).
   */
  betterSqlite3: 'registry' | 'workspace';
}

/** Creates the app in `dir` (the fixture files of test/pack/app) and installs it with npm. */
export async function installConsumer(
  dir: string,
  tarballs: Record<string, string>,
  options: ConsumerOptions,
): Promise<void> {
  cpSync(join(ROOT, 'test/pack/app'), dir, { recursive: true });
  const dependencies: Record<string, string> = {};
  for (const [name, tarball] of Object.entries(tarballs)) dependencies[name] = `file:${tarball}`;
  dependencies['better-sqlite3'] =
    options.betterSqlite3 === 'workspace' ? `file:${join(ROOT, 'node_modules/better-sqlite3')}` : '^12.4.0';
  // The app's TypeScript and type packages: the versions this workspace is tested with.
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { version?: string }>;
  };
  const pinned = (name: string) => lock.packages[`node_modules/${name}`]?.version ?? 'latest';
  writeFileSync(
    join(dir, 'package.json'),
    `${JSON.stringify(
      {
        name: 'syncline-consumer-app',
        private: true,
        type: 'module',
        dependencies,
        devDependencies: {
          typescript: pinned('typescript'),
          '@types/node': pinned('@types/node'),
          '@types/better-sqlite3': pinned('@types/better-sqlite3'),
          // @syncline/react's peer, and its types for the consumer's tsc.
          react: pinned('react'),
          '@types/react': pinned('@types/react'),
        },
        allowScripts: { 'better-sqlite3': true },
      },
      null,
      2,
    )}\n`,
  );
  // A linked workspace better-sqlite3 is already built: running its install script would rebuild
  // the workspace's own copy in place. Nothing else in the app has install scripts.
  const scripts = options.betterSqlite3 === 'workspace' ? ['--ignore-scripts'] : [];
  await run(
    options.runtime.node,
    [npmCli(), 'install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', ...scripts],
    { cwd: dir, env: runtimeEnv(options.runtime), maxBuffer: 64 * 1024 * 1024 },
  );
}

/** Runs `node <args>` in the app and resolves with its output; rejects with the output on failure. */
export async function nodeIn(
  dir: string,
  runtime: Runtime,
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<string> {
  const { stdout } = await run(runtime.node, args, { cwd: dir, env: runtimeEnv(runtime, env) });
  return stdout;
}

/** Whether the app's node_modules holds `name` (e.g. to prove tsx is absent). */
export function installed(dir: string, name: string): boolean {
  return existsSync(join(dir, 'node_modules', name, 'package.json'));
}

/** Starts `npx syncline …` in its own process group; `stop()` ends it gracefully, then the whole group. */
export function startCli(
  dir: string,
  runtime: Runtime,
  args: string[],
  env: NodeJS.ProcessEnv,
): {
  child: ChildProcess;
  output: () => string;
  listening: Promise<string>;
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
} {
  const child = spawn(runtime.node, [npmCli(), 'exec', '--no', '--', 'syncline', ...args], {
    cwd: dir,
    env: runtimeEnv(runtime, env),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let out = '';
  const listening = new Promise<string>((resolve, reject) => {
    const grew = (d: Buffer) => {
      out += d.toString();
      const match = /listening on (http:\/\/\S+)/.exec(out);
      if (match?.[1]) resolve(match[1]);
    };
    child.stdout?.on('data', grew);
    child.stderr?.on('data', grew);
    child.once('exit', (code) => reject(new Error(`syncline exited (${code}) before listening:\n${out}`)));
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    output: () => out,
    listening,
    async stop() {
      // npm exec hands SIGTERM to the command, then ends itself with the same signal; whatever
      // is left of the group after that is killed, so nothing outlives the test.
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const result = await exited;
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // the group is already gone
      }
      return result;
    },
  };
}
