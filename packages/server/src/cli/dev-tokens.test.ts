/**
 * Issue 14: `serve --dev` with SYNCLINE_JWT_SECRET set used to mint tokens signed with the
 * production secret, which a production server accepted. Now dev mode signs with its own dev
 * secret (and marks its tokens), so a production server on the same secret refuses them, while
 * the dev server still accepts both its own tokens and production ones.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PROTOCOL_VERSION } from '@syncline/core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { signDevToken } from '../auth/jwt.ts';
import { type Serving, serve } from './serve.ts';

const SECRET = 'production-secret-that-is-long-enough-for-hs256';
const demoSchema = resolve(import.meta.dirname, '../../../../apps/demo/schema.ts');
const quiet = { log: () => {}, error: () => {} };

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'syncline-dev-tokens-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function pull(url: string, token: string): Promise<number> {
  const res = await fetch(`${url}/sync/pull`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      protocol: PROTOCOL_VERSION,
      clientId: 'c',
      collections: { lists: { cursor: null } },
    }),
  });
  await res.body?.cancel();
  return res.status;
}

test('a dev token is refused by a production server sharing SYNCLINE_JWT_SECRET', async () => {
  const env = { SYNCLINE_JWT_SECRET: SECRET };
  const servers: Serving[] = [];
  try {
    const db = (name: string) => `sqlite:${join(dir, name, 'syncline.db')}`;
    const dev = await serve({ schema: demoSchema, db: db('dev'), port: 0, dev: true }, env, quiet);
    servers.push(dev);
    const prod = await serve({ schema: demoSchema, db: db('prod'), port: 0, dev: false }, env, quiet);
    servers.push(prod);

    const res = await fetch(`${dev.url}/dev/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ userId: 'alice' }),
    });
    expect(res.status).toBe(200);
    const { token } = (await res.json()) as { token: string };
    const prodToken = await signDevToken(SECRET, 'bob', 60);

    expect(await pull(dev.url, token)).toBe(200);
    expect(await pull(dev.url, prodToken)).toBe(200);
    expect(await pull(prod.url, token)).toBe(401);
    expect(await pull(prod.url, prodToken)).toBe(200);
  } finally {
    for (const s of servers) await s.close();
  }
});
