/**
 * Hostile and broken requests against the handler, with real `Request` objects: each gets its
 * documented 4xx or a per-mutation rejection, never a 5xx, and never another user's rows.
 */
import { PROTOCOL_VERSION } from '@syncline/core';
import { afterEach, describe, expect, test } from 'vitest';
import type { SyncServer, SyncServerOptions } from '../api.ts';
import { client, suiteRules, suiteSchema, testAuth } from '../stores/conformance/helpers.ts';
import { createSqliteStore } from '../stores/sqlite/index.ts';
import { createSyncServer } from './index.ts';

const servers: SyncServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

async function serve(extra: Partial<SyncServerOptions> = {}) {
  const store = createSqliteStore({ path: ':memory:', schema: suiteSchema });
  await store.migrate();
  const server = createSyncServer({
    schema: suiteSchema,
    rules: suiteRules,
    store,
    auth: testAuth,
    ...extra,
  });
  servers.push(server);
  return server;
}

const URL_BASE = 'http://test.local/sync';
const send = (
  server: SyncServer,
  path: string,
  body: BodyInit | null,
  headers: Record<string, string> = {},
  method = 'POST',
) =>
  server.handler(
    new Request(`${URL_BASE}${path}`, {
      method,
      headers: { authorization: 'Bearer user:alice', ...headers },
      body,
    }),
  );

async function expectError(res: Response, status: number, code: string) {
  expect(res.status).toBe(status);
  const body = (await res.json()) as { error: { code: string; message: string } };
  expect(body.error.code).toBe(code);
  expect(body.error.message.length).toBeGreaterThan(10);
  return body.error;
}

const push = (mutations: unknown[], extra: Record<string, unknown> = {}) =>
  JSON.stringify({ protocol: PROTOCOL_VERSION, clientId: 'c1', mutations, ...extra });

describe('request-level errors', () => {
  test('malformed JSON is 400 bad_request', async () => {
    const server = await serve();
    await expectError(await send(server, '/push', '{"protocol": 1, "clientId": '), 400, 'bad_request');
    await expectError(await send(server, '/pull', 'null'), 400, 'bad_request');
    await expectError(await send(server, '/pull', new Uint8Array([0xff, 0xfe, 0x00])), 400, 'bad_request');
  });

  test('wrong types are 400 with issues', async () => {
    const server = await serve();
    const err = await expectError(
      await send(server, '/push', JSON.stringify({ protocol: 1, clientId: 7, mutations: 'x' })),
      400,
      'bad_request',
    );
    expect((err as { details?: { issues: unknown[] } }).details?.issues.length).toBeGreaterThan(0);
    await expectError(
      await send(server, '/push', push([{ seq: 1, collection: 'tasks', id: 'x', op: 'explode' }])),
      400,
      'bad_request',
    );
    await expectError(
      await send(
        server,
        '/pull',
        JSON.stringify({ protocol: 1, clientId: 'c', collections: { tasks: { cursor: 5 } } }),
      ),
      400,
      'bad_request',
    );
  });

  test('seqs that are not consecutive within a batch are 400', async () => {
    const server = await serve();
    const m = (seq: number) => ({
      seq,
      collection: 'counters',
      id: `n${seq}`,
      op: 'insert',
      data: { ownerId: 'alice' },
    });
    await expectError(await send(server, '/push', push([m(1), m(3)])), 400, 'bad_request');
  });

  test('protocol 99 is 426 protocol_unsupported', async () => {
    const server = await serve();
    await expectError(await send(server, '/push', push([], { protocol: 99 })), 426, 'protocol_unsupported');
    await expectError(
      await send(server, '/pull', JSON.stringify({ protocol: 99, whatever: true })),
      426,
      'protocol_unsupported',
    );
  });

  test('an oversized body is 413 before it is parsed', async () => {
    const server = await serve({ limits: { maxBodyBytes: 1000 } });
    const big = `{"protocol":1,"clientId":"c1","mutations":[],"pad":"${'x'.repeat(5000)}"`; // not even valid JSON
    await expectError(await send(server, '/push', big), 413, 'payload_too_large');
    // Without a content-length header too (a stream).
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < 10; i++) c.enqueue(new TextEncoder().encode('x'.repeat(500)));
        c.close();
      },
    });
    const req = new Request(`${URL_BASE}/push`, {
      method: 'POST',
      headers: { authorization: 'Bearer user:alice' },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    await expectError(await server.handler(req), 413, 'payload_too_large');
  });

  test('too many mutations is 413; one oversized mutation is an invalid rejection', async () => {
    const server = await serve({ limits: { maxMutationsPerPush: 2, maxMutationBytes: 300 } });
    const m = (seq: number, title = 'x') => ({
      seq,
      collection: 'notes',
      id: `n${seq}`,
      op: 'insert',
      data: { ownerId: 'alice', body: title },
    });
    await expectError(await send(server, '/push', push([m(1), m(2), m(3)])), 413, 'payload_too_large');
    const res = await send(server, '/push', push([m(1, 'y'.repeat(1000)), m(2)]));
    expect(res.status).toBe(200);
    const { results } = (await res.json()) as { results: Array<{ status: string; code?: string }> };
    expect(results.map((r) => r.code ?? r.status)).toEqual(['invalid', 'applied']);
  });

  test('a mutation whose numbers grow when serialised is measured as serialised, however small its body', async () => {
    const server = await serve({ limits: { maxMutationBytes: 300 } });
    // 1e20 is 4 characters on the wire and 21 as JSON.stringify writes it: the mutation is over 300 bytes.
    const numbers = Array(20).fill('1e20').join(',');
    const text = `{"protocol":${PROTOCOL_VERSION},"clientId":"c1","mutations":[{"seq":1,"collection":"notes","id":"n1","op":"insert","data":{"ownerId":"alice","body":"x","n":[${numbers}]}}]}`;
    expect(text.length).toBeLessThan(300);
    const res = await send(server, '/push', text);
    const { results } = (await res.json()) as {
      results: Array<{ code?: string; issues?: Array<{ path: string; message: string }> }>;
    };
    expect(results[0]!.code).toBe('invalid');
    expect(results[0]!.issues).toEqual([{ path: '', message: expect.stringContaining('bytes') }]);
  });

  test('a value nested 10,000 levels deep is an invalid rejection naming its field', async () => {
    const server = await serve();
    // JSON.stringify cannot serialise it (RangeError): the size check must not turn that into a failure.
    const deep = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
    const text = `{"protocol":${PROTOCOL_VERSION},"clientId":"c1","mutations":[{"seq":1,"collection":"notes","id":"n1","op":"insert","data":{"ownerId":"alice","body":${deep}}},{"seq":2,"collection":"notes","id":"n2","op":"insert","data":{"ownerId":"alice","body":"ok"}}]}`;
    const res = await send(server, '/push', text);
    expect(res.status).toBe(200);
    const { results } = (await res.json()) as {
      results: Array<{ status: string; code?: string; issues?: Array<{ path: string }> }>;
    };
    expect(results.map((r) => r.code ?? r.status)).toEqual(['invalid', 'applied']);
    expect(results[0]!.issues?.map((i) => i.path)).toEqual(['body']);
  });

  test('a missing or forged token is 401', async () => {
    const server = await serve();
    await expectError(await send(server, '/push', push([]), { authorization: '' }), 401, 'unauthenticated');
    await expectError(
      await send(server, '/pull', '{}', { authorization: 'Bearer forged' }),
      401,
      'unauthenticated',
    );
    await expectError(
      await send(server, '/push', push([]), { authorization: 'Basic dXNlcjpwYXNz' }),
      401,
      'unauthenticated',
    );
    const throwing = await serve({
      auth: {
        verify: async () => {
          throw new TypeError('library blew up on a malformed token');
        },
      },
    });
    await expectError(await send(throwing, '/push', push([])), 401, 'unauthenticated');
  });

  test('unknown routes are 404; GET /info answers the limits', async () => {
    const server = await serve({ limits: { maxRowsPerPage: 50 } });
    await expectError(await send(server, '/nope', null, {}, 'GET'), 404, 'not_found');
    await expectError(await send(server, '/push', null, {}, 'GET'), 404, 'not_found');
    await expectError(await server.handler(new Request('http://test.local/other/info')), 404, 'not_found');
    const info = await server.handler(new Request(`${URL_BASE}/info`));
    expect(info.status).toBe(200);
    expect(await info.json()).toMatchObject({
      protocol: { min: 1, max: PROTOCOL_VERSION },
      limits: { maxRowsPerPage: 50 },
      schemaHash: suiteSchema.hash,
    });
  });

  test('an unknown collection in a pull is left out of the answer; the others are still served', async () => {
    const server = await serve();
    const res = await send(
      server,
      '/pull',
      JSON.stringify({
        protocol: 1,
        clientId: 'c',
        collections: { secrets: { cursor: null }, lists: { cursor: null } },
      }),
      { authorization: 'Bearer user:alice' },
    );
    expect(res.status).toBe(200);
    const body = (await res.json()) as { collections: Record<string, unknown> };
    // A client ahead of the server (decision 0003) keeps pulling what the server does serve.
    expect(Object.keys(body.collections)).toEqual(['lists']);
  });

  test('outside dev mode a collection without rules is not served; in dev mode it is public', async () => {
    const strict = await serve({ rules: { lists: suiteRules.lists! } });
    const a = client(strict, 'alice');
    const [r] = await a.push([
      { collection: 'notes', id: 'n', op: 'insert', data: { ownerId: 'alice', body: 'x' } },
    ]);
    expect(r).toMatchObject({ status: 'rejected', code: 'invalid' });
    const pulled = await a.post('/pull', {
      protocol: 1,
      clientId: 'c',
      collections: { notes: { cursor: null } },
    });
    expect(pulled.status).toBe(200);
    expect(pulled.body.collections).toEqual({});

    const dev = await serve({ rules: {}, dev: true });
    const [ok] = await client(dev, 'alice').push([
      { collection: 'notes', id: 'n', op: 'insert', data: { ownerId: 'alice', body: 'x' } },
    ]);
    expect(ok).toMatchObject({ status: 'applied' });
    expect((await client(dev, 'bob').pull({ notes: null })).collections.notes!.changes).toHaveLength(1);
  });
});

describe('per-mutation rejections', () => {
  test('unknown collection or column: invalid, or 409 schema_ahead for a client with another schema hash', async () => {
    const server = await serve();
    const unknownCol = {
      seq: 1,
      collection: 'notes',
      id: 'n',
      op: 'insert',
      data: { ownerId: 'alice', body: 'x', color: 'red' },
    };
    const unknownColl = { seq: 2, collection: 'widgets', id: 'w', op: 'insert', data: {} };
    const ok = { seq: 1, collection: 'notes', id: 'ok', op: 'insert', data: { ownerId: 'alice', body: 'x' } };
    const ahead = await send(server, '/push', push([ok, { ...unknownColl }], { schemaHash: 'newer' }));
    await expectError(ahead, 409, 'schema_ahead');
    // Nothing of the batch was applied, not even the valid first mutation.
    expect((await client(server, 'alice').pull({ notes: null })).collections.notes!.changes).toEqual([]);

    const res = await send(
      server,
      '/push',
      push([unknownCol, unknownColl], { schemaHash: suiteSchema.hash }),
    );
    expect(res.status).toBe(200);
    const { results } = (await res.json()) as {
      results: Array<{ code: string; issues: Array<{ path: string }> }>;
    };
    expect(results.map((r) => r.code)).toEqual(['invalid', 'invalid']);
    expect(results[0]!.issues.map((i) => i.path)).toEqual(['color']);
  });

  test("another user's row: forbidden, and its current state is never revealed", async () => {
    const server = await serve();
    const bob = client(server, 'bob');
    const [made] = await bob.push([
      { collection: 'notes', id: 'secret', op: 'insert', data: { ownerId: 'bob', body: 'diary' } },
    ]);
    const version = (made as { record: { version: number } }).record.version;
    const alice = client(server, 'alice');
    const results = await alice.push([
      { collection: 'notes', id: 'secret', op: 'update', patch: { body: 'hacked' }, baseVersion: 0 },
      { collection: 'notes', id: 'secret', op: 'update', patch: { body: 'hacked' }, baseVersion: version },
      { collection: 'notes', id: 'secret', op: 'delete', baseVersion: version },
      { collection: 'notes', id: 'secret', op: 'insert', data: { ownerId: 'alice', body: 'mine now' } },
      { collection: 'notes', id: 'planted', op: 'insert', data: { ownerId: 'bob', body: 'for bob' } },
    ]);
    for (const r of results) {
      expect(r).toMatchObject({ status: 'rejected', code: 'forbidden' });
      expect(r).not.toHaveProperty('current');
      expect(JSON.stringify(r)).not.toContain('diary');
    }
    const after = await bob.pull({ notes: null });
    expect(after.collections.notes!.changes).toEqual([
      expect.objectContaining({ id: 'secret', body: 'diary' }),
    ]);
  });

  test("another user's clientId is 403 client_owned", async () => {
    const server = await serve();
    await client(server, 'bob', 'bobs-device').push([
      { collection: 'notes', id: 'b', op: 'insert', data: { ownerId: 'bob', body: 'x' } },
    ]);
    const alice = client(server, 'alice', 'bobs-device');
    const res = await alice.pushRaw(
      alice.batch([{ collection: 'notes', id: 'a', op: 'insert', data: { ownerId: 'alice', body: 'y' } }]),
    );
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ error: { code: 'forbidden', details: { reason: 'client_owned' } } });
  });

  test("pulls never return another user's rows, whatever the cursor says", async () => {
    const server = await serve();
    const bob = client(server, 'bob');
    await bob.push([
      { collection: 'lists', id: 'LB', op: 'insert', data: { ownerId: 'bob', name: 'private' } },
      { collection: 'tasks', id: 'tb', op: 'insert', data: { listId: 'LB', title: 'bob only' } },
      { collection: 'notes', id: 'nb', op: 'insert', data: { ownerId: 'bob', body: 'bob only' } },
    ]);
    const bobCursor = (await bob.pull({ tasks: null })).collections.tasks!.cursor;
    const alice = client(server, 'alice');
    for (const cursor of [null, bobCursor, 'public.x:0', 'garbage']) {
      const res = await alice.pull({ tasks: cursor, notes: cursor, lists: cursor });
      expect(JSON.stringify(res)).not.toContain('bob only');
      expect(JSON.stringify(res)).not.toContain('private');
    }
  });
});
