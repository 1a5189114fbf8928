/**
 * The packages as a user installs them (issue: installable packages). Every workspace package is
 * packed with `npm pack`, installed with `npm install` into an app outside the workspace, and:
 * - plain `node app.mjs` (no tsx, no TypeScript loader) round-trips a write through a server on
 *   SQLite and two clients on better-sqlite3, and importing the handler loads no database driver;
 * - the app's `tsc --noEmit` passes under `moduleResolution: node16` and `bundler` against the
 *   published `.d.ts` only;
 * - `npx syncline serve --schema schema.mjs` serves without tsx installed, and a `.ts` schema
 *   says what to install;
 * - `attw --profile esm-only` finds no problem in any tarball.
 *
 * On Node 20 (in `npm test`) better-sqlite3 comes from the workspace's own install (same
 * version, already compiled), so the test does not spend minutes compiling SQLite.
 * `npm run test:pack` runs the same file on Node 24 (SYNCLINE_PACK_NODE=24): that Node comes
 * from the registry's platform package into a temporary prefix, and better-sqlite3 is installed
 * from the registry and built against its headers.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ROOT } from './helpers/source.ts';
import {
  CURRENT_NODE,
  installConsumer,
  installed,
  nodeIn,
  packWorkspaces,
  type Runtime,
  startCli,
} from './pack/consumer.ts';
import { installNode } from './pack/install-node.mjs';

const NODE_RANGE = process.env.SYNCLINE_PACK_NODE;
const work = mkdtempSync(join(tmpdir(), 'syncline-pack-'));
const app = join(work, 'app');
let runtime: Runtime = CURRENT_NODE;
let tarballs: Record<string, string> = {};
const PACKAGES = [
  '@syncline/client',
  '@syncline/core',
  '@syncline/electron',
  '@syncline/react',
  '@syncline/react-native',
  '@syncline/server',
  '@syncline/store-indexeddb',
  '@syncline/store-sqlite',
  '@syncline/web',
];

beforeAll(async () => {
  if (NODE_RANGE !== undefined) {
    const node = await installNode({ version: NODE_RANGE, prefix: join(work, 'node') });
    runtime = { node: node.node, version: node.version, nodedir: node.nodedir };
  }
  tarballs = await packWorkspaces(join(work, 'packs'));
  await installConsumer(app, tarballs, {
    runtime,
    betterSqlite3: NODE_RANGE === undefined ? 'workspace' : 'registry',
  });
}, 900_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe(`the packed packages in an app outside the workspace (Node ${NODE_RANGE ?? process.version})`, () => {
  test('every workspace package is packed', () => {
    expect(Object.keys(tarballs).sort()).toEqual(PACKAGES);
  });

  test('plain node runs a server on SQLite and clients on better-sqlite3 that round-trip a write', async () => {
    expect(installed(app, 'tsx')).toBe(false);
    const out = JSON.parse(await nodeIn(app, runtime, ['app.mjs'])) as Record<string, unknown>;
    expect(out).toEqual({
      node: runtime.version,
      driversAfterHandler: 0,
      driversAfterSqliteStore: expect.any(Number),
      written: 'Groceries',
      seen: 'Groceries',
      version: expect.any(Number),
      preload: 'electron/dist/preload.cjs',
    });
    // The control of "the handler loads no driver": the SQLite store's subpath does load one.
    expect(out.driversAfterSqliteStore).toBeGreaterThan(0);
  });

  for (const resolution of ['node16', 'bundler']) {
    test(`tsc --noEmit passes on a TypeScript consumer under moduleResolution ${resolution}`, async () => {
      const tsc = join(app, 'node_modules/typescript/bin/tsc');
      await expect(nodeIn(app, runtime, [tsc, '-p', `tsconfig.${resolution}.json`])).resolves.toBe('');
    });
  }

  test('npx syncline serve --schema schema.mjs serves its schema and rules without tsx installed', async () => {
    const cli = startCli(
      app,
      runtime,
      ['serve', '--schema', 'schema.mjs', '--db', 'sqlite:./data/app.db', '--port', '0', '--dev'],
      {},
    );
    try {
      const url = await cli.listening;
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      const post = async (path: string, body: unknown, token?: string) => {
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        if (token !== undefined) headers.authorization = `Bearer ${token}`;
        const res = await fetch(`${url}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
        return { status: res.status, body: (await res.json()) as Record<string, unknown> };
      };
      const { token } = (await post('/dev/token', { userId: 'alice' })).body as { token: string };
      const push = await post(
        '/sync/push',
        {
          protocol: 1,
          clientId: 'pack-test',
          mutations: [
            { seq: 1, collection: 'lists', id: 'l1', op: 'insert', data: { name: 'Milk', ownerId: 'alice' } },
          ],
        },
        token,
      );
      expect(push).toMatchObject({ status: 200, body: { results: [{ seq: 1, status: 'applied' }] } });
      // The rules of schema.mjs decide: alice sees her list, bob sees nothing.
      const pull = (t: string) =>
        post(
          '/sync/pull',
          { protocol: 1, clientId: 'pack-test', collections: { lists: { cursor: null } } },
          t,
        );
      const alice = await pull(token);
      expect(alice.body).toMatchObject({ collections: { lists: { changes: [{ id: 'l1', name: 'Milk' }] } } });
      const bobToken = ((await post('/dev/token', { userId: 'bob' })).body as { token: string }).token;
      expect((await pull(bobToken)).body).toMatchObject({ collections: { lists: { changes: [] } } });
    } finally {
      const stopped = await cli.stop();
      expect(stopped.code === 0 || stopped.signal === 'SIGTERM').toBe(true);
    }
  });

  test('a .ts schema without tsx: Node 20 says what to install; a Node that strips types serves it', async () => {
    const cli = startCli(
      app,
      runtime,
      ['serve', '--schema', 'schema.ts', '--db', 'sqlite:./data/ts.db', '--port', '0'],
      {
        SYNCLINE_JWT_SECRET: 'pack-test-secret-that-is-long-enough-for-hs256',
      },
    );
    try {
      // Node 22.18+/23.6+ strip types by themselves (`process.features.typescript`); Node 20 cannot.
      const typeStripping =
        (await nodeIn(app, runtime, ['-p', 'String(process.features.typescript ?? false)'])).trim() !==
        'false';
      if (typeStripping) {
        await expect(cli.listening).resolves.toMatch(/^http:/);
      } else {
        await expect(cli.listening).rejects.toThrow(/is TypeScript.*npm install -D tsx/s);
        expect((await cli.stop()).code).toBe(2);
      }
    } finally {
      await cli.stop();
    }
  });

  test('a postgres:// database without pg installed says what to install', async () => {
    expect(installed(app, 'pg')).toBe(false);
    const bin = join(app, 'node_modules/@syncline/server/bin/syncline.js');
    const failed = await nodeIn(app, runtime, [
      bin,
      'migrate',
      '--schema',
      'schema.mjs',
      '--db',
      'postgres://127.0.0.1:1/none',
    ]).then(
      () => ({ code: 0, output: '' }),
      (e: { code: number; stdout: string; stderr: string }) => ({
        code: e.code,
        output: e.stdout + e.stderr,
      }),
    );
    expect(failed.code).toBe(2);
    expect(failed.output).toContain('needs the "pg" package, which is not installed: run `npm install pg`');
  });

  test('attw --profile esm-only reports no problem for any package', async () => {
    const attw = join(ROOT, 'node_modules/.bin/attw');
    for (const [name, tarball] of Object.entries(tarballs)) {
      const result = await promisify(execFile)(attw, [
        tarball,
        '--profile',
        'esm-only',
        '--format',
        'ascii',
      ]).then(
        (r) => ({ code: 0, out: r.stdout }),
        (e: { code: number; stdout: string }) => ({ code: e.code, out: e.stdout }),
      );
      expect({ name, ...result }).toEqual({ name, code: 0, out: expect.stringContaining(name) });
    }
  });
});
