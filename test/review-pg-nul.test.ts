/**
 * REVIEW: a NUL character in client-controlled strings reaches PostgreSQL outside any savepoint and
 * answers 500 (DESIGN §4 "Nothing malformed ever produces a 5xx"; promise 9 when the client retries
 * the same sent batch forever).
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, test } from 'vitest';
import { createSyncServer } from '../packages/server/src/handler/handler.ts';
import { client, suiteRules, suiteSchema, suiteScopeColumns, testAuth } from '../packages/server/src/stores/conformance/helpers.ts';
import { createPostgresStore } from '../packages/server/src/stores/postgres/store.ts';

const url = process.env.TEST_DATABASE_URL;
const schemas: string[] = [];

async function serve() {
  const pgSchema = `sl_review_${randomBytes(6).toString('hex')}`;
  schemas.push(pgSchema);
  const store = createPostgresStore({ connectionString: url!, schema: suiteSchema, pgSchema, scopeColumns: suiteScopeColumns });
  await store.migrate();
  return createSyncServer({ schema: suiteSchema, rules: suiteRules, store, auth: testAuth });
}

describe.skipIf(!url)('review: NUL bytes on PostgreSQL', () => {
  afterAll(async () => {
    const c = new pg.Client({ connectionString: url! });
    await c.connect();
    for (const s of schemas) await c.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
    await c.end();
  });

  test('a push of 2 mutations, one id containing NUL, is answered per mutation (not 500)', async () => {
    const server = await serve();
    const a = client(server, 'alice');
    const res = await a.pushRaw(
      a.batch([
        { collection: 'notes', id: 'ok', op: 'insert', data: { ownerId: 'alice', body: 'x' } },
        { collection: 'notes', id: 'bad\u0000id', op: 'insert', data: { ownerId: 'alice', body: 'y' } },
      ]),
    );
    await server.close();
    expect(res.status).toBe(200);
  });

  test('a push whose clientId contains NUL is not a 500', async () => {
    const server = await serve();
    const a = client(server, 'alice', 'c\u0000x');
    const res = await a.pushRaw(
      a.batch([{ collection: 'notes', id: 'ok', op: 'insert', data: { ownerId: 'alice', body: 'x' } }]),
    );
    await server.close();
    expect(res.status).toBeLessThan(500);
  });

  test('a pull cursor whose position id decodes to NUL is not a 500', async () => {
    const server = await serve();
    const a = client(server, 'alice');
    const first = await a.pull({ notes: null });
    const cursor = first.collections.notes!.cursor; // <hash>.<gen>:<txid>:
    const forged = `${cursor.replace(/:[A-Za-z0-9_-]*$/, ':')}AA`; // base64url of "\0"
    const res = await a.post('/pull', { protocol: 1, clientId: 'c-alice', collections: { notes: { cursor: forged } } });
    await server.close();
    expect(res.status).toBeLessThan(500);
  });
});
