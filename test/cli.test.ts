/**
 * The `syncline` command as a real child process: serve, health, info, dev tokens, a kept dev
 * secret across restarts, graceful SIGTERM, and clear usage errors (exit 2).
 */
import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve as resolvePath } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, test } from 'vitest';
import { CLI_FROM_SOURCE } from './helpers/source.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const tsx = join(root, 'node_modules/.bin/tsx');
const mainTs = join(root, 'packages/server/src/cli/main.ts');
const demoSchema = join(root, 'apps/demo/schema.ts');
const SECRET = 'cli-test-secret-that-is-long-enough-for-hs256';

const dir = mkdtempSync(join(tmpdir(), 'syncline-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The environment without any Syncline or database settings of the machine running the tests. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const key of ['SYNCLINE_JWT_SECRET', 'SYNCLINE_JWKS_URL', 'DATABASE_URL', 'PORT']) delete env[key];
  return { ...env, ...extra };
}

type Child = ChildProcessByStdio<null, Readable, Readable>;

interface Running {
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

function exited(child: Child): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });
}

/** Starts the CLI and resolves once it prints its "listening on <url>" line. */
async function start(
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
async function runToExit(args: string[], env = cleanEnv()): Promise<{ code: number | null; output: string }> {
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

async function token(url: string, userId: unknown): Promise<Response> {
  return fetch(`${url}/dev/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ userId }),
  });
}

async function pullLists(url: string, bearer: string): Promise<Response> {
  return fetch(`${url}/sync/pull`, {
    method: 'POST',
    headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
    body: JSON.stringify({ protocol: 1, clientId: 'cli-test', collections: { lists: { cursor: null } } }),
  });
}

describe('syncline serve --dev', () => {
  const db = `sqlite:${join(dir, 'dev', 'data', 'syncline.db')}`;
  const args = ['serve', '--schema', demoSchema, '--db', db, '--port', '0', '--dev'];
  let firstToken = '';

  test('serves health, info, dev tokens, the help page and the sync API; SIGTERM exits 0', async () => {
    const server = await start(args);
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.output()).toContain('/dev/token');

    const health = await fetch(`${server.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ ok: true });

    const info = await fetch(`${server.url}/sync/info`);
    expect(info.status).toBe(200);
    expect(await info.json()).toMatchObject({
      protocol: { min: 1, max: 3 },
      limits: { maxRowsPerPage: expect.any(Number) },
    });

    const issued = await token(server.url, 'alice');
    expect(issued.status).toBe(200);
    const body = (await issued.json()) as { token: string; userId: string };
    expect(body.userId).toBe('alice');
    firstToken = body.token;

    for (const bad of ['', 'x'.repeat(129), 42, null]) {
      const res = await token(server.url, bad);
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({
        error: { code: 'bad_request', message: expect.stringContaining('userId') },
      });
    }
    const notJson = await fetch(`${server.url}/dev/token`, { method: 'POST', body: 'alice' });
    expect(notJson.status).toBe(400);

    const push = await fetch(`${server.url}/sync/push`, {
      method: 'POST',
      headers: { authorization: `Bearer ${firstToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        protocol: 1,
        clientId: 'cli-test-writer',
        mutations: [
          {
            seq: 1,
            collection: 'lists',
            id: 'l1',
            op: 'insert',
            data: { name: 'Groceries', ownerId: 'alice' },
          },
        ],
      }),
    });
    expect(await push.json()).toMatchObject({ results: [{ seq: 1, status: 'applied' }] });
    expect((await pullLists(server.url, 'forged.token.here')).status).toBe(401);

    const page = await fetch(`${server.url}/`);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    const html = await page.text();
    expect(html).toContain('Syncline dev server');
    expect(html).toContain('/dev/token');
    expect(html).toContain('/sync/push');
    expect(html).toContain('/sync/pull');

    const { code, ms } = await server.stop('SIGTERM');
    expect(code).toBe(0);
    expect(ms).toBeLessThan(5000);
  });

  test('a second start on the same data directory keeps the secret: earlier tokens still verify', async () => {
    expect(firstToken).not.toBe('');
    expect(statSync(join(dir, 'dev', 'data', 'dev-secret')).mode & 0o777).toBe(0o600);
    const server = await start(args);
    const res = await pullLists(server.url, firstToken);
    expect(res.status).toBe(200);
    const pulled = (await res.json()) as { collections: { lists: { changes: Array<{ id: string }> } } };
    expect(pulled.collections.lists.changes.map((c) => c.id)).toEqual(['l1']);
    expect((await server.stop('SIGINT')).code).toBe(0);
  });

  test('run through tsx as `npm start` does, SIGTERM still closes gracefully with exit 0', async () => {
    const server = await start(args, { command: [tsx, '--conditions=@syncline/source', mainTs] });
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    const { code, ms } = await server.stop('SIGTERM');
    expect(code).toBe(0);
    expect(ms).toBeLessThan(5000);
  });
});

describe('the demo schema served by the CLI', () => {
  async function push(url: string, bearer: string, clientId: string, mutations: unknown[]) {
    const res = await fetch(`${url}/sync/push`, {
      method: 'POST',
      headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
      body: JSON.stringify({ protocol: 1, clientId, mutations }),
    });
    expect(res.status).toBe(200);
    return ((await res.json()) as { results: Array<{ status: string; code?: string }> }).results;
  }
  async function pull(url: string, bearer: string, collection: string) {
    const res = await fetch(`${url}/sync/pull`, {
      method: 'POST',
      headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        protocol: 1,
        clientId: `reader-${collection}`,
        collections: { [collection]: { cursor: null } },
      }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { collections: Record<string, { changes: Array<{ id: string }> }> };
    return body.collections[collection]!.changes.map((c) => c.id);
  }

  test('owners share lists through members; others can neither read nor write them', async () => {
    const db = `sqlite:${join(dir, 'demo', 'syncline.db')}`;
    const server = await start(['serve', '--schema', demoSchema, '--db', db, '--port', '0', '--dev']);
    const alice = ((await (await token(server.url, 'alice')).json()) as { token: string }).token;
    const bob = ((await (await token(server.url, 'bob')).json()) as { token: string }).token;
    const task = (seq: number, id: string) => ({
      seq,
      collection: 'tasks',
      id,
      op: 'insert',
      data: { listId: 'L', title: id },
    });

    expect(
      await push(server.url, alice, 'a1', [
        { seq: 1, collection: 'lists', id: 'L', op: 'insert', data: { name: 'Home', ownerId: 'alice' } },
        task(2, 't1'),
        { seq: 3, collection: 'lists', id: 'B', op: 'insert', data: { name: 'Not mine', ownerId: 'bob' } },
      ]),
    ).toMatchObject([
      { status: 'applied' },
      { status: 'applied' },
      { status: 'rejected', code: 'forbidden' },
    ]);

    // Bob is not a member yet: he cannot add tasks, nor make himself a member.
    expect(
      await push(server.url, bob, 'b1', [
        task(1, 't2'),
        { seq: 2, collection: 'members', id: 'm-bob', op: 'insert', data: { listId: 'L', userId: 'bob' } },
      ]),
    ).toMatchObject([
      { status: 'rejected', code: 'forbidden' },
      { status: 'rejected', code: 'forbidden' },
    ]);
    expect(await pull(server.url, bob, 'tasks')).toEqual([]);

    // The owner adds him; then he reads the list and reads and writes its tasks.
    expect(
      await push(server.url, alice, 'a1', [
        { seq: 4, collection: 'members', id: 'm-bob', op: 'insert', data: { listId: 'L', userId: 'bob' } },
      ]),
    ).toMatchObject([{ status: 'applied' }]);
    expect(await pull(server.url, bob, 'tasks')).toEqual(['t1']);
    expect(await pull(server.url, bob, 'members')).toEqual(['m-bob']);
    expect(await pull(server.url, bob, 'lists')).toEqual(['L']);
    expect(await push(server.url, bob, 'b2', [task(1, 't2')])).toMatchObject([{ status: 'applied' }]);
    expect((await pull(server.url, alice, 'tasks')).sort()).toEqual(['t1', 't2']);
    expect((await server.stop()).code).toBe(0);
  });
});

describe('syncline serve without --dev', () => {
  test('verifies tokens with SYNCLINE_JWT_SECRET and mounts no dev routes', async () => {
    const db = `sqlite:${join(dir, 'prod', 'syncline.db')}`;
    const server = await start(['serve', '--schema', demoSchema, '--db', db, '--port', '0'], {
      env: cleanEnv({ SYNCLINE_JWT_SECRET: SECRET }),
    });
    expect((await token(server.url, 'alice')).status).toBe(404);
    expect((await fetch(`${server.url}/`)).status).toBe(404);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    const { signDevToken } = await import('@syncline/server');
    expect((await pullLists(server.url, await signDevToken(SECRET, 'alice', 60))).status).toBe(200);
    expect((await server.stop()).code).toBe(0);
  });

  test('DATABASE_URL stands in for --db, and a --config module works', async () => {
    const viaEnv = await start(['serve', '--schema', demoSchema, '--port', '0', '--dev'], {
      env: cleanEnv({ DATABASE_URL: `sqlite:${join(dir, 'env', 'x.db')}` }),
    });
    expect(viaEnv.output()).toContain(join(dir, 'env', 'x.db'));
    expect((await viaEnv.stop()).code).toBe(0);

    const config = join(dir, 'syncline.config.ts');
    writeFileSync(
      config,
      `import { schema, rules } from ${JSON.stringify(demoSchema)};
export default { schema, rules, database: ${JSON.stringify(`sqlite:${join(dir, 'cfg', 'app.db')}`)}, port: 0, dev: true };
`,
    );
    const viaConfig = await start(['serve', '--config', config]);
    expect(viaConfig.output()).toContain(join(dir, 'cfg', 'app.db'));
    expect((await token(viaConfig.url, 'bob')).status).toBe(200);
    expect((await viaConfig.stop()).code).toBe(0);
  });
});

/** Pushes an insert, then a delete of `id` for alice: one tombstone on the server. */
async function insertAndDelete(url: string, bearer: string, clientId: string, id: string) {
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

describe('syncline migrate and gc on SQLite', () => {
  test('migrate creates the tables and exits; gc removes the tombstone and prints the horizon', async () => {
    const db = `sqlite:${join(dir, 'maint', 'app.db')}`;
    const migrated = await runToExit(['migrate', '--schema', demoSchema, '--db', db]);
    expect(migrated.output).toContain(
      `Migrated sqlite:${join(dir, 'maint', 'app.db')}: lists, tasks, members.`,
    );
    expect(migrated.code).toBe(0);

    const server = await start(['serve', '--schema', demoSchema, '--db', db, '--port', '0', '--no-migrate'], {
      env: cleanEnv({ SYNCLINE_JWT_SECRET: SECRET }),
    });
    expect(server.output()).toContain('migrate    skipped (--no-migrate)');
    const { signDevToken } = await import('@syncline/server');
    await insertAndDelete(server.url, await signDevToken(SECRET, 'alice', 60), 'maint-1', 'l-gone');
    expect((await server.stop()).code).toBe(0);

    const kept = await runToExit(['gc', '--schema', demoSchema, '--db', db]);
    expect(kept.output).toMatch(
      /Removed 0 tombstone\(s\) deleted before \d{4}-\d\d-\d\dT\S+ \(older than 30d\)/,
    );
    expect(kept.code).toBe(0);
    const gc = await runToExit(['gc', '--schema', demoSchema, '--db', db, '--older-than', '0s']);
    expect(gc.output).toMatch(/Removed 1 tombstone\(s\) deleted before \S+ \(older than 0ms\)/);
    expect(gc.code).toBe(0);

    const bumped = await runToExit(['bump-generation', '--schema', demoSchema, '--db', db]);
    expect(bumped.output).toMatch(
      /New database generation [0-9a-f]{16} for sqlite:\S+app\.db: every client downloads its data again/,
    );
    expect(bumped.code).toBe(0);
  });

  test('serve --gc-every runs the schedule and says so', async () => {
    const db = `sqlite:${join(dir, 'sched', 'app.db')}`;
    const server = await start(
      [
        'serve',
        '--schema',
        demoSchema,
        '--db',
        db,
        '--port',
        '0',
        '--gc-every',
        '1s',
        '--gc-older-than',
        '0s',
      ],
      { env: cleanEnv({ SYNCLINE_JWT_SECRET: SECRET }) },
    );
    expect(server.output()).toContain('gc         every 1s, tombstones older than 0ms');
    const { signDevToken } = await import('@syncline/server');
    await insertAndDelete(server.url, await signDevToken(SECRET, 'alice', 60), 'sched-1', 'l-gone');
    await server.waitFor(/gc removed 1 tombstone\(s\) older than 0ms/);
    expect((await server.stop()).code).toBe(0);
  });
});

const pgUrl = process.env.TEST_DATABASE_URL;
describe.skipIf(!pgUrl)(
  pgUrl
    ? 'syncline with PostgreSQL'
    : 'syncline with PostgreSQL — SKIPPED: set TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test',
  () => {
    const pgSchema = `sl_cli_${process.pid}_${Date.now().toString(36)}`;
    afterAll(async () => {
      const { default: pg } = await import('pg');
      const client = new pg.Client({ connectionString: pgUrl });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS ${pgSchema} CASCADE`);
      await client.end();
    });

    test('migrate, serve (password hidden, /metrics with the watermark lag), gc', async () => {
      // A password in the URL (trust auth ignores it) must never be printed.
      const withPassword = new URL(pgUrl!);
      withPassword.password = 'hunter2-secret';
      withPassword.searchParams.set('schema', pgSchema);
      const db = withPassword.href;

      const migrated = await runToExit(['migrate', '--schema', demoSchema, '--db', db]);
      expect(migrated.output).toContain(`(PostgreSQL schema ${pgSchema}): lists, tasks, members.`);
      expect(migrated.output).not.toContain('hunter2');
      expect(migrated.code).toBe(0);

      // DATABASE_URL stands in for --db; --pg-schema wins over a ?schema= that is absent here.
      const plain = new URL(pgUrl!);
      plain.password = 'hunter2-secret';
      const server = await start(
        ['serve', '--schema', demoSchema, '--pg-schema', pgSchema, '--port', '0', '--dev', '--no-migrate'],
        {
          env: cleanEnv({ DATABASE_URL: plain.href }),
        },
      );
      expect(server.output()).toContain(`PostgreSQL schema ${pgSchema}`);
      expect(server.output()).not.toContain('hunter2');
      expect(server.output()).toContain(resolvePath(dir, 'data', 'dev-secret'));
      const issued = (await (await token(server.url, 'alice')).json()) as { token: string };
      await insertAndDelete(server.url, issued.token, 'pg-cli-1', 'l-gone');

      const metrics = await (await fetch(`${server.url}/metrics`)).text();
      expect(metrics).toMatch(/^syncline_watermark_lag_xids \d+$/m);
      expect(metrics).toMatch(/^syncline_oldest_writer_age_seconds \d+(\.\d+)?$/m);
      expect(metrics).toContain('syncline_http_requests_total{route="/sync/push",status="200"} 2');
      expect(metrics).toContain('syncline_push_mutations_total{status="applied"} 2');
      expect((await server.stop()).code).toBe(0);

      const gc = await runToExit(['gc', '--schema', demoSchema, '--db', db, '--older-than', '0s']);
      expect(gc.output).toMatch(/Removed 1 tombstone\(s\) deleted before \S+ \(older than 0ms\)/);
      expect(gc.output).not.toContain('hunter2');
      expect(gc.code).toBe(0);
    });
  },
);

describe('usage errors exit 2 with a message', () => {
  const db = `sqlite:${join(dir, 'bad', 'x.db')}`;
  const cases: Array<[string, string[], RegExp, NodeJS.ProcessEnv?]> = [
    ['an unknown flag', ['serve', '--schema', demoSchema, '--db', db, '--prot', '1'], /--prot/],
    ['a missing --schema', ['serve', '--db', db], /Missing --schema/],
    ['an unknown command', ['launch'], /Unknown command "launch"/],
    [
      'a bad port',
      ['serve', '--schema', demoSchema, '--db', db, '--port', 'http'],
      /--port must be a port number/,
    ],
    ['a schema file that does not exist', ['serve', '--schema', './nope.ts', '--db', db], /does not exist/],
    [
      'a module without a schema',
      ['serve', '--schema', join(root, 'packages/server/src/cli/errors.ts'), '--db', db],
      /exports no schema/,
    ],
    [
      'a PostgreSQL schema name that is not allowed',
      ['serve', '--schema', demoSchema, '--db', 'postgres://localhost/app', '--pg-schema', 'Drop Table'],
      /PostgreSQL schema name "Drop Table" is not allowed/,
    ],
    [
      '--pg-schema with SQLite',
      ['migrate', '--schema', demoSchema, '--db', db, '--pg-schema', 'app'],
      /--pg-schema only applies to a postgres/,
    ],
    [
      'a retention without a unit',
      ['gc', '--schema', demoSchema, '--db', db, '--older-than', '30'],
      /--older-than must be a duration such as 30d/,
    ],
    ['no database at all', ['serve', '--schema', demoSchema], /Missing --db/],
    [
      'dev mode on a public interface',
      ['serve', '--schema', demoSchema, '--db', db, '--dev', '--host', '0.0.0.0'],
      /only binds 127\.0\.0\.1/,
    ],
    [
      'no token check outside dev mode',
      ['serve', '--schema', demoSchema, '--db', db, '--port', '0'],
      /SYNCLINE_JWT_SECRET/,
    ],
    [
      'a too-short secret',
      ['serve', '--schema', demoSchema, '--db', db, '--port', '0'],
      /at least 32 bytes/,
      cleanEnv({ SYNCLINE_JWT_SECRET: 'short' }),
    ],
  ];
  test.concurrent.each(cases)('%s', async (_name, args, message, env) => {
    const { code, output } = await runToExit(args, env);
    expect(output).toMatch(message);
    expect(code).toBe(2);
  });

  test('--help prints usage and exits 0', async () => {
    const { code, output } = await runToExit(['--help']);
    expect(code).toBe(0);
    expect(output).toContain('syncline serve --schema');
  });
});
