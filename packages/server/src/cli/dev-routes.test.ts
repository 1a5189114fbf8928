import { defineSchema, t } from '@syncline/core';
import { describe, expect, test } from 'vitest';
import { createJwtAuth } from '../auth/jwt.ts';
import { devRoutes } from './dev-routes.ts';

const secret = 'dev-routes-test-secret-long-enough-for-hs256';
const schema = defineSchema({
  notes: { columns: { ownerId: t.text(), body: t.text(), pinned: t.boolean() } },
});
const routes = devRoutes({ secret, schema, rules: { notes: { scope: 'ownerId' } } });
const tokenRoute = routes.find((r) => r.method === 'POST' && r.path === '/dev/token')!;
const pageRoute = routes.find((r) => r.method === 'GET' && r.path === '/')!;

function post(body: string, headers: Record<string, string> = {}): Request {
  return new Request('http://127.0.0.1:1/dev/token', { method: 'POST', body, headers });
}

describe('POST /dev/token', () => {
  test('signs a token for the user that the server verifies', async () => {
    const res = await tokenRoute.handler(post('{"userId":"alice"}'));
    expect(res.status).toBe(200);
    const body = (await res.json()) as { token: string; userId: string; expiresAt: string };
    expect(body.userId).toBe('alice');
    expect(Date.parse(body.expiresAt)).toBeGreaterThan(Date.now());
    expect((await createJwtAuth({ secret, acceptDevTokens: true }).verify(body.token)).userId).toBe('alice');
    // Marked as a dev token: a production verifier refuses it even with the same key.
    await expect(createJwtAuth({ secret }).verify(body.token)).rejects.toThrow(/dev-mode token/);
  });

  test('a user id of 128 characters is fine, 129 is not', async () => {
    expect((await tokenRoute.handler(post(JSON.stringify({ userId: 'u'.repeat(128) })))).status).toBe(200);
    expect((await tokenRoute.handler(post(JSON.stringify({ userId: 'u'.repeat(129) })))).status).toBe(400);
  });

  test.each(['', '[]', '"alice"', '{"userId":""}', '{"userId":7}', '{"user":"alice"}', '{oops'])(
    '%s is a 400',
    async (body) => {
      const res = await tokenRoute.handler(post(body));
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: { code: 'bad_request' } });
    },
  );

  test('a request addressed to another host name (DNS rebinding) gets no token', async () => {
    const evil = await tokenRoute.handler(post('{"userId":"alice"}', { host: 'evil.example:8787' }));
    expect(evil.status).toBe(403);
    expect(await evil.json()).toMatchObject({ error: { code: 'forbidden' } });
    for (const host of ['127.0.0.1:8787', 'localhost:8787', '[::1]:8787', 'LOCALHOST']) {
      expect((await tokenRoute.handler(post('{"userId":"alice"}', { host }))).status).toBe(200);
    }
  });

  test('a large body is refused without reading it all', async () => {
    const res = await tokenRoute.handler(post(JSON.stringify({ userId: 'a', pad: 'x'.repeat(10_000) })));
    expect(res.status).toBe(413);
  });
});

describe('GET /', () => {
  test('explains the server and shows token, push and pull commands for this origin', async () => {
    const res = await pageRoute.handler(new Request('http://127.0.0.1:4321/'));
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    const html = await res.text();
    expect(html).toContain('Syncline dev server');
    expect(html).toContain('http://127.0.0.1:4321/dev/token');
    expect(html).toContain('http://127.0.0.1:4321/sync/push');
    expect(html).toContain('http://127.0.0.1:4321/sync/pull');
    // The sample insert puts the caller's id in the scope column, so the default rule admits it.
    expect(html).toContain('&#34;ownerId&#34;:&#34;alice&#34;');
    expect(html).not.toMatch(/<script/);
  });
});
