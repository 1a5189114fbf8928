/**
 * Issue 12, done-when 3: an internal error is logged with its cause under the request id that the
 * 500 answer carries (header and `error.details.requestId`), `onError` is called once, and the log
 * holds neither the token nor row data. `/readyz` answers 503 while the store is unmigrated.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineSchema, t } from '@syncline/core';
import { afterAll, afterEach, describe, expect, test } from 'vitest';
import { recordingLogger } from '../../test/logger.ts';
import { createJwtAuth, signDevToken } from '../auth/jwt.ts';
import { type Listener, listen } from '../node/listen.ts';
import { createSqliteStore } from '../stores/sqlite/index.ts';
import { createSyncServer } from './handler.ts';

const SECRET = 'failures-test-secret-long-enough-for-hs256';
const schema = defineSchema({ notes: { columns: { ownerId: t.text(), title: t.text() } } });
const rules = { notes: { scope: 'ownerId' } };
const dir = mkdtempSync(join(tmpdir(), 'syncline-failures-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const listeners: Listener[] = [];
afterEach(async () => {
  await Promise.all(listeners.splice(0).map((l) => l.close()));
});

/** A server on a SQLite file that was never migrated (`serve --no-migrate` before `migrate`). */
async function unmigratedServer(name: string) {
  const logger = recordingLogger();
  const reported: Array<{ error: unknown; request: Request; requestId: string }> = [];
  const store = createSqliteStore({ path: join(dir, `${name}.db`), schema });
  const server = createSyncServer({
    schema,
    rules,
    store,
    auth: createJwtAuth({ secret: SECRET }),
    logger,
    onError: (error, request, { requestId }) => reported.push({ error, request, requestId }),
  });
  const listener = await listen(server, { port: 0 });
  listeners.push(listener);
  return { listener, logger, reported, store };
}

const SECRET_TITLE = 'row-data-that-must-not-be-logged';

describe('a 500 is logged with its cause and request id, and reported once', () => {
  test('a push into an unmigrated table', async () => {
    const { listener, logger, reported } = await unmigratedServer('push');
    const token = await signDevToken(SECRET, 'alice', 60);
    const res = await fetch(`${listener.url}/sync/push`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        protocol: 2,
        clientId: 'c1',
        mutations: [
          {
            seq: 1,
            collection: 'notes',
            id: 'n1',
            op: 'insert',
            data: { ownerId: 'alice', title: SECRET_TITLE },
          },
        ],
      }),
    });
    expect(res.status).toBe(500);
    const body = (await res.json()) as {
      error: { code: string; message: string; details: { requestId: string } };
    };
    const requestId = res.headers.get('x-request-id');
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(body.error.code).toBe('internal');
    expect(body.error.details).toEqual({ requestId });
    expect(body.error.message).toContain(requestId);

    const errors = logger.at('error');
    expect(errors).toHaveLength(1);
    const line = errors[0]!;
    expect(line.fields).toMatchObject({ requestId, method: 'POST', path: '/sync/push', status: 500 });
    // The cause: SQLite's own words, which name the missing table.
    expect(JSON.stringify(line.fields.error)).toMatch(
      /no such table: (main\.)?_syncline|no such table: notes/,
    );
    expect(line.message).toMatch(/no such table/);

    expect(reported).toHaveLength(1);
    expect(reported[0]!.requestId).toBe(requestId);
    expect(new URL(reported[0]!.request.url).pathname).toBe('/sync/push');

    const logged = JSON.stringify(logger.lines);
    expect(logged).not.toContain(token);
    expect(logged).not.toMatch(/authorization/i);
    expect(logged).not.toContain(SECRET_TITLE);
  });

  test('an incoming plain x-request-id is kept; a 4xx is not reported', async () => {
    const { listener, logger, reported } = await unmigratedServer('ids');
    const res = await fetch(`${listener.url}/sync/pull`, {
      method: 'POST',
      headers: { 'x-request-id': 'lb-1234', 'content-type': 'application/json' },
      body: '{}',
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('x-request-id')).toBe('lb-1234');
    expect(reported).toEqual([]);
    expect(logger.at('error')).toEqual([]);
    const forged = await fetch(`${listener.url}/sync/info`, { headers: { 'x-request-id': 'a b"<script>' } });
    expect(forged.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('/healthz is liveness, /readyz readiness', () => {
  test('unmigrated: /readyz 503 naming the missing tables and `syncline migrate`; after migrate 200', async () => {
    const { listener, store } = await unmigratedServer('ready');
    expect((await fetch(`${listener.url}/healthz`)).status).toBe(200);
    const res = await fetch(`${listener.url}/readyz`);
    expect(res.status).toBe(503);
    const body = (await res.json()) as { error: { code: string; message: string; details: unknown } };
    expect(body.error.code).toBe('unavailable');
    expect(body.error.message).toContain('table "notes"');
    expect(body.error.details).toEqual({ requestId: res.headers.get('x-request-id') });
    expect(body.error.message).toContain('syncline migrate');
    await store.migrate();
    expect((await fetch(`${listener.url}/readyz`)).status).toBe(200);
  });

  test('a column added to the schema but not migrated makes /readyz 503 naming it', async () => {
    const path = join(dir, 'column.db');
    const old = createSqliteStore({ path, schema });
    await old.migrate();
    await old.close();
    const wider = defineSchema({
      notes: { columns: { ownerId: t.text(), title: t.text(), body: t.text().optional() } },
    });
    const store = createSqliteStore({ path, schema: wider });
    const server = createSyncServer({ schema: wider, rules, store, auth: createJwtAuth({ secret: SECRET }) });
    const listener = await listen(server, { port: 0 });
    listeners.push(listener);
    const res = await fetch(`${listener.url}/readyz`);
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain(
      'column "notes.body"',
    );
  });
});

describe('a collection without rules', () => {
  test('a pull of it is answered without it, and the log says why, once', async () => {
    const logger = recordingLogger();
    const store = createSqliteStore({ path: join(dir, 'unruled.db'), schema });
    await store.migrate();
    const server = createSyncServer({ schema, store, auth: createJwtAuth({ secret: SECRET }), logger });
    const token = await signDevToken(SECRET, 'alice', 60);
    const pull = () =>
      server.handler(
        new Request('http://localhost/sync/pull', {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ protocol: 2, clientId: 'c1', collections: { notes: { cursor: null } } }),
        }),
      );
    expect(await (await pull()).json()).toEqual({ collections: {}, remaining: 0 });
    await pull();
    expect(logger.at('warn').map((l) => l.message)).toEqual([
      expect.stringContaining(
        '"notes", which has no rules and is not served outside dev mode: add rules.notes',
      ),
    ]);
    await server.close();
  });
});
