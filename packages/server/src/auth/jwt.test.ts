import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SynclineError } from '@syncline/core';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { createJwtAuth, DEV_TOKEN_ISSUER, signDevToken } from './jwt.ts';

const SECRET = 'a-test-secret-that-is-long-enough-for-hs256!';
const key = new TextEncoder().encode(SECRET);
const now = () => Math.floor(Date.now() / 1000);

async function rejection(promise: Promise<unknown>): Promise<SynclineError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SynclineError);
  return error as SynclineError;
}

async function expectUnauthenticated(promise: Promise<unknown>, message: RegExp): Promise<void> {
  const error = await rejection(promise);
  expect(error.code).toBe('unauthenticated');
  expect(error.status).toBe(401);
  expect(error.message).toMatch(message);
}

describe('createJwtAuth with an HS256 secret', () => {
  const auth = createJwtAuth({ secret: SECRET });

  test('a valid token gives its sub as the user id and keeps the claims', async () => {
    const token = await new SignJWT({ role: 'admin' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('alice')
      .setExpirationTime(now() + 60)
      .sign(key);
    const ctx = await auth.verify(token);
    expect(ctx.userId).toBe('alice');
    expect(ctx.claims.role).toBe('admin');
    expect(ctx.claims.sub).toBe('alice');
  });

  test('signDevToken tokens verify', async () => {
    const ctx = await auth.verify(await signDevToken(SECRET, 'bob', 60));
    expect(ctx.userId).toBe('bob');
    expect(ctx.claims.exp).toBeGreaterThan(now());
    expect(ctx.claims.exp).toBeLessThanOrEqual(now() + 61);
  });

  test('a missing or empty token is unauthenticated', async () => {
    await expectUnauthenticated(auth.verify(null), /Authorization: Bearer/);
    await expectUnauthenticated(auth.verify(''), /Authorization: Bearer/);
  });

  test('a token signed with another secret is forged', async () => {
    const token = await signDevToken('another-secret-that-is-also-long-enough!!', 'alice', 60);
    await expectUnauthenticated(auth.verify(token), /signature/);
  });

  test('a token whose payload was edited after signing is forged', async () => {
    const token = await signDevToken(SECRET, 'alice', 60);
    const [header, , signature] = token.split('.');
    const payload = Buffer.from(JSON.stringify({ sub: 'mallory', exp: now() + 60 })).toString('base64url');
    await expectUnauthenticated(auth.verify(`${header}.${payload}.${signature}`), /signature/);
  });

  test('an expired token is unauthenticated', async () => {
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('alice')
      .setExpirationTime(now() - 10)
      .sign(key);
    await expectUnauthenticated(auth.verify(token), /expired/);
  });

  test('a token without sub is unauthenticated', async () => {
    const token = await new SignJWT({ name: 'alice' })
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime(now() + 60)
      .sign(key);
    await expectUnauthenticated(auth.verify(token), /"sub"/);
  });

  test('an unsigned token (alg none) is refused', async () => {
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const token = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: 'alice', exp: now() + 60 })}.`;
    await expectUnauthenticated(auth.verify(token), /./);
  });

  test('a token with another algorithm (HS512) is refused', async () => {
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS512' })
      .setSubject('alice')
      .setExpirationTime(now() + 60)
      .sign(new TextEncoder().encode(`${SECRET}${SECRET}`));
    await expectUnauthenticated(auth.verify(token), /algorithm/);
  });

  test('garbage is unauthenticated, not an internal error', async () => {
    await expectUnauthenticated(auth.verify('not-a-jwt'), /malformed/);
    await expectUnauthenticated(auth.verify('a.b.c'), /./);
  });

  test('issuer and audience are checked when configured', async () => {
    const strict = createJwtAuth({ secret: SECRET, issuer: 'https://id.example', audience: 'syncline' });
    const good = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('alice')
      .setIssuer('https://id.example')
      .setAudience('syncline')
      .setExpirationTime(now() + 60)
      .sign(key);
    expect((await strict.verify(good)).userId).toBe('alice');
    await expectUnauthenticated(strict.verify(await signDevToken(SECRET, 'alice', 60)), /rejected/);
  });

  test('with a kid configured, a token must name it (an unknown or missing kid is refused)', async () => {
    const keyed = createJwtAuth({ secret: SECRET, kid: 'k1' });
    const sign = (header: { alg: 'HS256'; kid?: string }) =>
      new SignJWT({})
        .setProtectedHeader(header)
        .setSubject('alice')
        .setExpirationTime(now() + 60)
        .sign(key);
    expect((await keyed.verify(await sign({ alg: 'HS256', kid: 'k1' }))).userId).toBe('alice');
    await expectUnauthenticated(
      keyed.verify(await sign({ alg: 'HS256', kid: 'k2' })),
      /key this server does not know/,
    );
    await expectUnauthenticated(keyed.verify(await sign({ alg: 'HS256' })), /key this server does not know/);
    // Several secrets by kid (rotation): each kid picks its own secret.
    const other = 'a-second-secret-that-is-long-enough-for-hs256!!';
    const rotating = createJwtAuth({
      secrets: [
        { kid: 'old', secret: other },
        { kid: 'new', secret: SECRET },
      ],
    });
    expect((await rotating.verify(await sign({ alg: 'HS256', kid: 'new' }))).userId).toBe('alice');
    await expectUnauthenticated(rotating.verify(await sign({ alg: 'HS256', kid: 'old' })), /signature/);
    expect((await rotating.verify(await signDevToken(other, 'bob', 60, { kid: 'old' }))).userId).toBe('bob');
  });

  test('the injected clock decides exp, nbf and iat, within the tolerance', async () => {
    const at = 1_900_000_000;
    const clocked = createJwtAuth({ secret: SECRET, clockToleranceSeconds: 10, now: () => at * 1000 });
    const sign = (claims: Record<string, number>) =>
      new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setSubject('alice').sign(key);
    expect((await clocked.verify(await sign({ exp: at - 5, nbf: at + 5, iat: at + 5 }))).userId).toBe(
      'alice',
    );
    await expectUnauthenticated(clocked.verify(await sign({ exp: at - 11 })), /expired/);
    await expectUnauthenticated(clocked.verify(await sign({ exp: at + 60, nbf: at + 11 })), /nbf/);
    await expectUnauthenticated(clocked.verify(await sign({ exp: at + 60, iat: at + 11 })), /future/);
    expect(() => createJwtAuth({ secret: SECRET, clockToleranceSeconds: -1 })).toThrow(/at least 0/);
  });

  test('a sub that a store cannot keep exactly, or too long, is unauthenticated', async () => {
    for (const sub of ['al\u0000ice', 'al\ud800ice', 'x'.repeat(256)]) {
      const token = await signDevToken(SECRET, sub, 60);
      await expectUnauthenticated(auth.verify(token), /"sub"/);
    }
    const numeric = await new SignJWT({ sub: 42 } as unknown as Record<string, unknown>)
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime(now() + 60)
      .sign(key);
    await expectUnauthenticated(auth.verify(numeric), /"sub"/);
  });

  test('dev-mode tokens are refused unless accepted explicitly', async () => {
    const token = await signDevToken(SECRET, 'alice', 60, { issuer: DEV_TOKEN_ISSUER });
    await expectUnauthenticated(auth.verify(token), /dev-mode token/);
    expect((await createJwtAuth({ secret: SECRET, acceptDevTokens: true }).verify(token)).userId).toBe(
      'alice',
    );
  });

  test('a secret shorter than 32 bytes is refused up front', () => {
    expect(() => createJwtAuth({ secret: 'short' })).toThrow(/at least 32 bytes/);
  });
});

describe('createJwtAuth with a JWKS URL', () => {
  let server: Server;
  let jwksUrl: string;
  let privateKey: CryptoKey;
  let jwksStatus = 200;
  let keys: object[] = [];
  let fetches = 0;

  beforeAll(async () => {
    const pair = await generateKeyPair('ES256');
    privateKey = pair.privateKey;
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256' };
    keys = [jwk];
    server = createServer((_req, res) => {
      fetches++;
      res.writeHead(jwksStatus, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  test('a token signed by a JWKS key verifies; an HS256 token does not', async () => {
    const auth = createJwtAuth({ jwksUrl });
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .setSubject('carol')
      .setExpirationTime(now() + 60)
      .sign(privateKey);
    expect((await auth.verify(token)).userId).toBe('carol');
    await expectUnauthenticated(auth.verify(await signDevToken(SECRET, 'carol', 60)), /algorithm/);
  });

  test('a token must name its kid; the key set is cached and refetched when a new kid appears', async () => {
    const auth = createJwtAuth({ jwksUrl, cooldownMs: 0 });
    const sign = (kid: string | undefined, k: CryptoKey) =>
      new SignJWT({})
        .setProtectedHeader(kid === undefined ? { alg: 'ES256' } : { alg: 'ES256', kid })
        .setSubject('carol')
        .setExpirationTime(now() + 60)
        .sign(k);
    await expectUnauthenticated(auth.verify(await sign(undefined, privateKey)), /"kid"/);
    fetches = 0;
    expect((await auth.verify(await sign('k1', privateKey))).userId).toBe('carol');
    expect((await auth.verify(await sign('k1', privateKey))).userId).toBe('carol');
    expect(fetches).toBe(1);
    // The provider rotates: a second key appears; a token naming it makes the set refetch.
    const next = await generateKeyPair('ES256');
    const saved = keys;
    keys = [...keys, { ...(await exportJWK(next.publicKey)), kid: 'k2', alg: 'ES256' }];
    try {
      expect((await auth.verify(await sign('k2', next.privateKey))).userId).toBe('carol');
      expect(fetches).toBe(2);
      await expectUnauthenticated(
        auth.verify(await sign('k3', next.privateKey)),
        /key this server does not know/,
      );
    } finally {
      keys = saved;
    }
  });

  test('a token signed by an unknown key is unauthenticated', async () => {
    const auth = createJwtAuth({ jwksUrl });
    const other = await generateKeyPair('ES256');
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .setSubject('carol')
      .setExpirationTime(now() + 60)
      .sign(other.privateKey);
    await expectUnauthenticated(auth.verify(token), /signature/);
  });

  test('an unreachable key server is a retryable unavailable, not the caller’s fault', async () => {
    jwksStatus = 500;
    try {
      const auth = createJwtAuth({ jwksUrl });
      const token = await new SignJWT({})
        .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
        .setSubject('carol')
        .setExpirationTime(now() + 60)
        .sign(privateKey);
      const error = await rejection(auth.verify(token));
      expect(error.code).toBe('unavailable');
      expect(error.status).toBe(503);
      expect(error.retryable).toBe(true);
    } finally {
      jwksStatus = 200;
    }
  });
});

describe('createJwtAuth verified tokens', () => {
  test('the signature of a token is checked once; its time claims on every use (it still expires)', async () => {
    let at = now();
    const auth = createJwtAuth({ secret: SECRET, clockToleranceSeconds: 5, now: () => at * 1000 });
    const token = await new SignJWT({ sub: 'alice' })
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime(at + 60)
      .sign(key);
    const spy = vi.spyOn(crypto.subtle, 'verify');
    try {
      for (let i = 0; i < 3; i++) expect(await auth.verify(token)).toMatchObject({ userId: 'alice' });
      expect(spy).toHaveBeenCalledTimes(1);
      // Another token (a refresh) is verified in full, also one differing in its signature only.
      const forged = `${token.slice(0, -2)}${token.endsWith('AA') ? 'BB' : 'AA'}`;
      await expectUnauthenticated(auth.verify(forged), /signature|rejected|invalid/i);
      at += 64; // within the tolerance of exp
      expect(await auth.verify(token)).toMatchObject({ userId: 'alice' });
      at += 1;
      await expectUnauthenticated(auth.verify(token), /expired/);
      await expectUnauthenticated(auth.verify(token), /expired/);
    } finally {
      spy.mockRestore();
    }
  });

  test('a token issued or valid only in the future is refused again when the clock goes back', async () => {
    let at = now();
    const auth = createJwtAuth({ secret: SECRET, now: () => at * 1000 });
    const token = await new SignJWT({ sub: 'alice' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuedAt(at)
      .setNotBefore(at)
      .setExpirationTime(at + 60)
      .sign(key);
    expect(await auth.verify(token)).toMatchObject({ userId: 'alice' });
    at -= 10;
    await expectUnauthenticated(auth.verify(token), /nbf|future|not yet|claim/i);
  });
});

describe('createJwtAuth key import', () => {
  test('imports an HS256 secret once, not per token (a pull sync verifies one token per page)', async () => {
    const spy = vi.spyOn(crypto.subtle, 'importKey');
    try {
      const auth = createJwtAuth({ secret: SECRET });
      const rotated = createJwtAuth({ secrets: [{ kid: 'k1', secret: SECRET }] });
      for (let i = 0; i < 3; i++) {
        expect(await auth.verify(await signDevToken(SECRET, 'alice', 60))).toMatchObject({ userId: 'alice' });
        const withKid = await new SignJWT({ sub: 'bob' })
          .setProtectedHeader({ alg: 'HS256', kid: 'k1' })
          .setExpirationTime(now() + 60)
          .sign(key);
        expect(await rotated.verify(withKid)).toMatchObject({ userId: 'bob' });
      }
      const verifyImports = spy.mock.calls.filter(([, , , , usages]) => [...usages].includes('verify'));
      expect(verifyImports).toHaveLength(2);
    } finally {
      spy.mockRestore();
    }
  });
});
