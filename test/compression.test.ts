/**
 * Compressed answers over a real listener on SQLite: a large pull page goes out br- or
 * gzip-encoded when the request accepts it and decodes to the very answer sent without it; small
 * answers, `identity`, HEAD and `compression: false` go out as they are; a client on Node's fetch
 * (which asks for gzip) syncs everything through it.
 */
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { createClient, fetchTransport } from '@syncline/client';
import { manualNetwork } from '@syncline/client/testing';
import { createJwtAuth, createSyncServer, listen } from '@syncline/server';
import { createSqliteStore } from '@syncline/server/sqlite';
import { createSqliteLocalStore } from '@syncline/store-sqlite';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { e2eRules, e2eSchema } from './helpers/schema.ts';
import { startServer, TEST_SECRET, tempDir } from './helpers/server.ts';

const ROWS = 1500;
const dir = tempDir('syncline-compress-');
let server: Awaited<ReturnType<typeof startServer>>;
let token: string;

/** A raw HTTP exchange, so the test sees the bytes on the wire (fetch would decode them). */
function post(url: string, path: string, body: unknown, headers: Record<string, string>, method = 'POST') {
  return new Promise<{
    status: number;
    headers: Record<string, string | string[] | undefined>;
    bytes: Buffer;
  }>((resolve, reject) => {
    const payload = JSON.stringify(body);
    const req = httpRequest(
      `${url}${path}`,
      {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
          ...headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode!, headers: res.headers, bytes: Buffer.concat(chunks) }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(method === 'HEAD' ? undefined : payload);
  });
}

const pullBody = (clientId: string) => ({ protocol: 1, clientId, collections: { notes: { cursor: null } } });

beforeAll(async () => {
  server = await startServer({ dbPath: join(dir.path, 'server.db'), schema: e2eSchema, rules: e2eRules });
  token = await server.token('alice');
  const writer = createClient({
    schema: e2eSchema,
    transport: fetchTransport(server.url),
    store: createSqliteLocalStore({ path: join(dir.path, 'writer.db') }),
    auth: { getToken: () => token },
    network: manualNetwork(true),
  });
  await writer.ready();
  await writer.db.notes.insertMany(
    Array.from({ length: ROWS }, (_, i) => ({
      ownerId: 'alice',
      title: `note ${i}`,
      body: 'x'.repeat(40),
      n: i,
    })),
  );
  await writer.sync();
  expect(writer.status.pending).toBe(0);
  await writer.close();
});
afterAll(async () => {
  await server?.close();
  dir.cleanup();
});

describe('compressed answers', () => {
  test('a large pull page: gzip and br decode to the identical answer, several times smaller', async () => {
    const plain = await post(server.url, '/pull', pullBody('c1'), { 'accept-encoding': 'identity' });
    expect(plain.status).toBe(200);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(Number(plain.headers['content-length'])).toBe(plain.bytes.length);
    const answer = JSON.parse(plain.bytes.toString('utf8')) as {
      collections: { notes: { changes: unknown[] } };
    };
    expect(answer.collections.notes.changes.length).toBeGreaterThan(100);

    const gz = await post(server.url, '/pull', pullBody('c1'), { 'accept-encoding': 'gzip, deflate' });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gz.headers.vary).toContain('accept-encoding');
    expect(Number(gz.headers['content-length'])).toBe(gz.bytes.length);
    expect(JSON.parse(gunzipSync(gz.bytes).toString('utf8'))).toEqual(answer);

    const br = await post(server.url, '/pull', pullBody('c1'), { 'accept-encoding': 'gzip;q=0.5, br' });
    expect(br.headers['content-encoding']).toBe('br');
    expect(JSON.parse(brotliDecompressSync(br.bytes).toString('utf8'))).toEqual(answer);

    const rows = answer.collections.notes.changes.length;
    console.log(
      `compression: ${rows} rows per page; bytes per row identity ${(plain.bytes.length / rows).toFixed(1)}, ` +
        `gzip ${(gz.bytes.length / rows).toFixed(1)}, br ${(br.bytes.length / rows).toFixed(1)}`,
    );
    expect(gz.bytes.length * 3).toBeLessThan(plain.bytes.length);
    expect(br.bytes.length).toBeLessThan(gz.bytes.length);
  });

  test('what the request refuses or a small answer is sent as it is', async () => {
    // q=0 refuses br and gzip; `*;q=0` with nothing else allowed leaves identity.
    for (const accept of ['br;q=0, gzip;q=0', '*;q=0', 'deflate', '']) {
      const res = await post(server.url, '/pull', pullBody('c2'), { 'accept-encoding': accept });
      expect({ accept, encoding: res.headers['content-encoding'] }).toEqual({ accept, encoding: undefined });
      expect(JSON.parse(res.bytes.toString('utf8'))).toHaveProperty('collections');
    }
    // `*` allows the best one.
    expect(
      (await post(server.url, '/pull', pullBody('c2'), { 'accept-encoding': '*' })).headers[
        'content-encoding'
      ],
    ).toBe('br');
    // A pull of a collection with nothing in it is a few hundred bytes: not worth a header.
    const small = await post(
      server.url,
      '/pull',
      { protocol: 1, clientId: 'c3', collections: { cards: { cursor: null } } },
      { 'accept-encoding': 'gzip' },
    );
    expect(small.status).toBe(200);
    expect(small.bytes.length).toBeLessThan(1024);
    expect(small.headers['content-encoding']).toBeUndefined();
  });

  test('a client on Node fetch (it asks for gzip) syncs every row through compressed pages', async () => {
    const seen: string[] = [];
    const inner = fetchTransport(server.url);
    const reader = createClient({
      schema: e2eSchema,
      transport: {
        async request(path, init) {
          const res = await inner.request(path, init);
          if (path === '/pull') seen.push(res.headers['content-encoding'] ?? 'identity');
          return res;
        },
      },
      store: createSqliteLocalStore({ path: join(dir.path, 'reader.db') }),
      auth: { getToken: () => token },
      network: manualNetwork(true),
    });
    await reader.ready();
    await reader.sync();
    expect((await reader.db.notes.find({})).length).toBe(ROWS);
    expect(seen).toContain('gzip');
    await reader.close();
  });

  test('compression: false sends every answer as it is; a bad threshold is refused at listen()', async () => {
    const store = createSqliteStore({ path: join(dir.path, 'server.db'), schema: e2eSchema });
    const sync = createSyncServer({
      schema: e2eSchema,
      rules: e2eRules,
      store,
      auth: createJwtAuth({ secret: TEST_SECRET }),
    });
    await expect(listen(sync, { port: 0, compression: { thresholdBytes: -1 } })).rejects.toThrow(
      /compression\.thresholdBytes must be a whole number of bytes, 0 or more \(got -1\)/,
    );
    const listener = await listen(sync, { port: 0, compression: false });
    try {
      const res = await post(`${listener.url}/sync`, '/pull', pullBody('c4'), {
        'accept-encoding': 'gzip, br',
      });
      expect(res.status).toBe(200);
      expect(res.headers['content-encoding']).toBeUndefined();
      expect(res.bytes.length).toBeGreaterThan(10_000);
    } finally {
      await listener.close();
    }
  });
});
