/**
 * The user id check in the handler holds for any authenticator, not only createJwtAuth: a user id
 * no store keeps exactly (or an unbounded one) is a 401 before anything reaches SQL.
 */
import { PROTOCOL_VERSION } from '@syncline/core';
import { describe, expect, test } from 'vitest';
import type { Authenticator } from '../api.ts';
import { suiteRules, suiteSchema } from '../stores/conformance/helpers.ts';
import { createSqliteStore } from '../stores/sqlite/index.ts';
import { createSyncServer } from './index.ts';

/** An authenticator that believes whatever user id the token names (as a buggy custom one might). */
const gullible: Authenticator = {
  async verify(token) {
    const userId = JSON.parse(token ?? '""') as string;
    return { userId, claims: { sub: userId } };
  },
};

describe('the handler checks the user id of any authenticator', () => {
  test('U+0000, a lone surrogate or more than 255 characters is a 401 on push and pull', async () => {
    const store = createSqliteStore({ path: ':memory:', schema: suiteSchema });
    await store.migrate();
    const server = createSyncServer({ schema: suiteSchema, rules: suiteRules, store, auth: gullible });
    const post = (path: string, userId: string, body: unknown) =>
      server.handler(
        new Request(`http://test.local/sync${path}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${JSON.stringify(userId)}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        }),
      );
    const push = { protocol: PROTOCOL_VERSION, clientId: 'c1', mutations: [] };
    const pull = { protocol: PROTOCOL_VERSION, clientId: 'c1', collections: {} };
    try {
      for (const userId of ['al\u0000ice', 'al\ud800ice', 'x'.repeat(256)]) {
        for (const [path, body] of [
          ['/push', push],
          ['/pull', pull],
        ] as const) {
          const res = await post(path, userId, body);
          expect(res.status).toBe(401);
          expect(((await res.json()) as { error: { code: string } }).error.code).toBe('unauthenticated');
        }
      }
      expect((await post('/pull', 'alice', pull)).status).toBe(200);
    } finally {
      await server.close();
    }
  });
});
