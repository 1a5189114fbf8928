/**
 * Issue 12, done-when 2: each message a newcomer hit now says what happened, the likely cause and
 * what to do. One test per message, asserting its key facts (the path, the host and port, the
 * flag, the suggestion). The PostgreSQL role and database messages are in
 * postgres-messages.test.ts (they need a server).
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createClient, createMemoryStore, type SynclineClient } from '@syncline/client';
import { manualNetwork } from '@syncline/client/testing';
import type { SynclineError } from '@syncline/core';
import { createJwtAuth, listen, signDevToken } from '@syncline/server';
import { createPostgresStore } from '@syncline/server/postgres';
import { createSqliteStore } from '@syncline/server/sqlite';
import { createSqliteLocalStore } from '@syncline/store-sqlite';
import { SignJWT } from 'jose';
import { afterAll, afterEach, describe, expect, test } from 'vitest';
import { e2eRules, e2eSchema } from './helpers/schema.ts';
import { startServer, TEST_SECRET, tempDir } from './helpers/server.ts';

const dir = tempDir('syncline-messages-');
afterAll(() => dir.cleanup());
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** What `fn` threw (it must throw). */
async function thrown(fn: () => unknown): Promise<SynclineError> {
  try {
    await fn();
  } catch (error) {
    return error as SynclineError;
  }
  throw new Error('expected a throw');
}

async function server() {
  const s = await startServer({
    dbPath: join(dir.path, `s-${cleanups.length}.db`),
    schema: e2eSchema,
    rules: e2eRules,
  });
  cleanups.push(() => s.close());
  return s;
}

function client(url: string, getToken: () => string | null): SynclineClient<typeof e2eSchema> {
  const c = createClient({
    schema: e2eSchema,
    url,
    store: createMemoryStore(),
    auth: { getToken },
    network: manualNetwork(true),
  });
  cleanups.push(() => c.close());
  return c;
}

describe('server configuration', () => {
  test('an unset secret says it is unset, names SYNCLINE_JWT_SECRET and how to make one', () => {
    const error = (() => {
      try {
        createJwtAuth({ secret: process.env.SYNCLINE_SECRET_THAT_IS_NOT_SET! });
      } catch (e) {
        return e as SynclineError;
      }
      throw new Error('expected a throw');
    })();
    expect(error.code).toBe('invalid');
    expect(error.message).toContain('undefined');
    expect(error.message).toContain('SYNCLINE_JWT_SECRET');
    expect(error.message).toContain('openssl rand');
    expect(error.message).not.toContain('too short');
  });

  test('listen() on a taken port names host and port and says how to choose another', async () => {
    const s = await server();
    const port = Number(new URL(s.url).port);
    const error = await thrown(() => listen(s.server, { port }));
    expect(error.message).toContain(`127.0.0.1:${port}`);
    expect(error.message).toContain('EADDRINUSE');
    expect(error.message).toMatch(/`port` option of listen\(\)/);
    expect(error.message).toContain('0 picks a free one');
  });

  test('createSqliteStore creates the missing directory; an unopenable path is named', async () => {
    const path = join(dir.path, 'not', 'yet', 'there.db');
    const store = createSqliteStore({ path, schema: e2eSchema });
    await store.migrate();
    await store.close();
    expect(existsSync(path)).toBe(true);
    const file = join(dir.path, 'a-file');
    writeFileSync(file, 'x');
    const error = await thrown(() => createSqliteStore({ path: join(file, 'db.sqlite'), schema: e2eSchema }));
    expect(error.code).toBe('storage');
    expect(error.message).toContain(join(file, 'db.sqlite'));
  });

  test('a wrong PostgreSQL port names the host and port and what to check', async () => {
    // Port 1 on loopback: refused at once, no PostgreSQL needed.
    const store = createPostgresStore({
      connectionString: 'postgres://app@127.0.0.1:1/app',
      schema: e2eSchema,
    });
    const error = await thrown(() => store.migrate());
    await store.close();
    expect(error.code).toBe('unavailable');
    expect(error.message).toContain('127.0.0.1:1');
    expect(error.message).toContain('ECONNREFUSED');
    expect(error.message).toMatch(/Check the host and port in the database URL \(--db or DATABASE_URL\)/);
  });
});

describe('the client', () => {
  test('a URL without /sync says the API is under /sync and shows the URL to use', async () => {
    const s = await server();
    const origin = new URL(s.url).origin;
    const c = client(origin, () => null);
    const error = await thrown(() => c.sync());
    expect(error.code).toBe('not_found');
    expect(error.message).toContain('No sync endpoint POST /pull');
    expect(error.message).toContain('mounted at /sync');
    expect(error.message).toContain(`must end in /sync: "${origin}/sync"`);
  });

  test('missing, malformed, expired and wrongly signed tokens each say what is wrong', async () => {
    const s = await server();
    const now = Math.floor(Date.now() / 1000);
    const expired = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('alice')
      .setIssuedAt(now - 7200)
      .setExpirationTime(now - 3600)
      .sign(new TextEncoder().encode(TEST_SECRET));
    const forged = await signDevToken('another-secret-that-is-long-enough-for-hs256', 'alice', 60);
    const cases: Array<[string, string | null, RegExp]> = [
      ['missing', null, /sent none: pass `auth: \{ getToken \}` to createClient/],
      ['malformed', 'not-a-jwt', /malformed \(not a signed JWT\)/],
      ['expired', expired, /The token has expired/],
      ['wrongly signed', forged, /signature is not valid: it was signed with another secret/],
    ];
    const messages = new Set<string>();
    for (const [, token, pattern] of cases) {
      const error = await thrown(() => client(s.url, () => token).sync());
      expect(error.code).toBe('unauthenticated');
      expect(error.message).toMatch(pattern);
      messages.add(error.message);
    }
    expect(messages.size).toBe(4);
  });

  test('an unknown collection names itself and the known ones', () => {
    const c = client('http://127.0.0.1:1/sync', () => null);
    const db = c.db as unknown as Record<string, { insert(x: unknown): unknown }>;
    const error = (() => {
      try {
        db.task!.insert({ title: 'x' });
      } catch (e) {
        return e as SynclineError;
      }
      throw new Error('expected a throw');
    })();
    expect(error.code).toBe('invalid');
    expect(error.message).toContain('"task" is not a collection');
    expect(error.message).toContain('"notes", "cards", "counters"');
  });

  test('an invalid insert names the collection in quotes, not "This new notes record"', async () => {
    const c = client('http://127.0.0.1:1/sync', () => null);
    const error = await thrown(() => c.db.notes.insert({ ownerId: 'alice', title: 3 as unknown as string }));
    expect(error.message).toMatch(/^The new record for "notes" is not valid: title/);
  });

  test('a local database that cannot be opened names its path', async () => {
    const file = join(dir.path, 'plain-file');
    writeFileSync(file, 'x');
    const path = join(file, 'alice.db');
    const c = createClient({
      schema: e2eSchema,
      url: 'http://127.0.0.1:1/sync',
      store: createSqliteLocalStore({ path }),
      network: manualNetwork(false),
    });
    const error = await thrown(() => c.ready());
    expect(error.code).toBe('storage');
    expect(error.message).toContain(path);
  });
});
