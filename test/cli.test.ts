/**
 * The `syncline` command as a real child process: serve, health, info, dev tokens, a kept dev
 * secret across restarts, graceful SIGTERM, the demo schema's sharing, and serving without
 * --dev. Its other commands and its usage errors: test/cli-commands.test.ts.
 */
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROTOCOL_VERSION } from '@syncline/core';
import { describe, expect, test } from 'vitest';
import {
  cleanEnv,
  demoSchema,
  dir,
  mainTs,
  pullLists,
  SECRET,
  start,
  token,
  tsx,
} from './helpers/cli-child.ts';

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
      protocol: { min: 1, max: PROTOCOL_VERSION },
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

  test('--no-migrate before migrate: /readyz 503, a push 500 logged on stderr as a JSON line with its cause and request id', async () => {
    const db = `sqlite:${join(dir, 'unmigrated', 'app.db')}`;
    const server = await start(['serve', '--schema', demoSchema, '--db', db, '--port', '0', '--no-migrate'], {
      env: cleanEnv({ SYNCLINE_JWT_SECRET: SECRET }),
    });
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(((await ready.json()) as { error: { message: string } }).error.message).toContain(
      'syncline migrate',
    );
    const { signDevToken } = await import('@syncline/server');
    const bearer = await signDevToken(SECRET, 'alice', 60);
    const res = await fetch(`${server.url}/sync/push`, {
      method: 'POST',
      headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        protocol: 2,
        clientId: 'cli-unmigrated',
        mutations: [
          {
            seq: 1,
            collection: 'lists',
            id: 'l1',
            op: 'insert',
            data: { name: 'Secret name', ownerId: 'alice' },
          },
        ],
      }),
    });
    expect(res.status).toBe(500);
    const requestId = res.headers.get('x-request-id')!;
    const [line] = await server.waitFor(new RegExp(`^\\{.*"requestId":"${requestId}".*\\}$`, 'm'));
    const logged = JSON.parse(line) as {
      level: number;
      requestId: string;
      msg: string;
      error: { message: string };
    };
    expect(logged.level).toBe(50); // pino's "error"
    expect(logged.error.message).toMatch(/no such table/);
    expect(server.output()).not.toContain(bearer);
    expect(server.output()).not.toContain('Secret name');
    expect((await server.stop()).code).toBe(0);
  });
});

/** Pushes an insert, then a delete of `id` for alice: one tombstone on the server. */
