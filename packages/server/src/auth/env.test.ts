import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { loadOrCreateDevSecret } from './dev-secret.ts';
import { authFromEnv } from './env.ts';
import { DEV_TOKEN_ISSUER, signDevToken } from './jwt.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'syncline-auth-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('loadOrCreateDevSecret', () => {
  test('creates the secret once, mode 0600, and returns the same one later', async () => {
    const dataDir = join(dir, 'nested', 'data');
    const first = await loadOrCreateDevSecret(dataDir);
    expect(first.length).toBeGreaterThanOrEqual(32);
    const info = await stat(join(dataDir, 'dev-secret'));
    expect(info.mode & 0o777).toBe(0o600);
    expect(await loadOrCreateDevSecret(dataDir)).toBe(first);
    expect((await readFile(join(dataDir, 'dev-secret'), 'utf8')).trim()).toBe(first);
  });

  test('concurrent first starts agree on one secret', async () => {
    const secrets = await Promise.all([1, 2, 3, 4].map(() => loadOrCreateDevSecret(dir)));
    expect(new Set(secrets).size).toBe(1);
  });
});

describe('authFromEnv', () => {
  const SECRET = 'env-secret-env-secret-env-secret-env-secret';

  test('SYNCLINE_JWT_SECRET configures HS256', async () => {
    const { auth, source, signingSecret } = await authFromEnv(
      { SYNCLINE_JWT_SECRET: SECRET },
      { dev: false, dataDir: dir },
    );
    expect(source).toBe('secret');
    // Outside dev mode nothing signs: tokens come from the app's identity provider.
    expect(signingSecret).toBeNull();
    expect((await auth.verify(await signDevToken(SECRET, 'alice', 60))).userId).toBe('alice');
  });

  test('SYNCLINE_JWKS_URL configures a remote key set; outside dev mode nothing signs', async () => {
    const result = await authFromEnv(
      { SYNCLINE_JWKS_URL: 'https://id.example/.well-known/jwks.json' },
      { dev: false, dataDir: dir },
    );
    expect(result.source).toBe('jwks');
    expect(result.signingSecret).toBeNull();
    const dev = await authFromEnv(
      { SYNCLINE_JWKS_URL: 'https://id.example/.well-known/jwks.json' },
      { dev: true, dataDir: dir },
    );
    expect(dev.source).toBe('jwks');
    expect(dev.signingSecret).toBe(await loadOrCreateDevSecret(dir));
  });

  test('dev mode never signs with SYNCLINE_JWT_SECRET, and a production server refuses dev tokens', async () => {
    const env = { SYNCLINE_JWT_SECRET: SECRET };
    const dev = await authFromEnv(env, { dev: true, dataDir: dir });
    expect(dev.signingSecret).not.toBe(SECRET);
    expect(dev.signingSecret).toBe(await loadOrCreateDevSecret(dir));
    const devToken = await signDevToken(dev.signingSecret!, 'alice', 60, { issuer: DEV_TOKEN_ISSUER });
    const prodToken = await signDevToken(SECRET, 'bob', 60);
    // Dev mode accepts both its own tokens and the production key source's.
    expect((await dev.auth.verify(devToken)).userId).toBe('alice');
    expect((await dev.auth.verify(prodToken)).userId).toBe('bob');

    const prod = await authFromEnv(env, { dev: false, dataDir: dir });
    await expect(prod.auth.verify(devToken)).rejects.toMatchObject({ code: 'unauthenticated' });
    // Even a dev-issued token signed with the production secret is refused by its issuer.
    const forged = await signDevToken(SECRET, 'alice', 60, { issuer: DEV_TOKEN_ISSUER });
    await expect(prod.auth.verify(forged)).rejects.toThrow(/dev-mode token/);
    expect((await prod.auth.verify(prodToken)).userId).toBe('bob');
  });

  test('a dev secret equal to the production secret is refused at startup', async () => {
    const devSecret = await loadOrCreateDevSecret(dir);
    await expect(
      authFromEnv({ SYNCLINE_JWT_SECRET: devSecret }, { dev: true, dataDir: dir }),
    ).rejects.toThrow(/dev tokens would be valid in production/);
  });

  test('issuer, audience, clock skew and kid come from the environment; flags win', async () => {
    const env = {
      SYNCLINE_JWT_SECRET: SECRET,
      SYNCLINE_JWT_KID: 'k1',
      SYNCLINE_JWT_ISSUER: 'https://env.example',
      SYNCLINE_JWT_AUDIENCE: 'a1, a2',
      SYNCLINE_JWT_CLOCK_SKEW: '30',
    };
    const { auth } = await authFromEnv(env, { dev: false, dataDir: dir });
    const key = new TextEncoder().encode(SECRET);
    const sign = (claims: { iss: string; aud: string; exp: number }, kid = 'k1') =>
      new SignJWT({ ...claims, sub: 'alice' }).setProtectedHeader({ alg: 'HS256', kid }).sign(key);
    const now = Math.floor(Date.now() / 1000);
    expect(
      (await auth.verify(await sign({ iss: 'https://env.example', aud: 'a2', exp: now - 10 }))).userId,
    ).toBe('alice');
    await expect(
      auth.verify(await sign({ iss: 'https://env.example', aud: 'a2', exp: now - 60 })),
    ).rejects.toThrow(/expired/);
    await expect(auth.verify(await sign({ iss: 'https://other', aud: 'a1', exp: now + 60 }))).rejects.toThrow(
      /iss/,
    );
    await expect(
      auth.verify(await sign({ iss: 'https://env.example', aud: 'a1', exp: now + 60 }, 'k2')),
    ).rejects.toThrow(/key this server does not know/);
    const flagged = await authFromEnv(env, { dev: false, dataDir: dir, issuer: 'https://flag.example' });
    await expect(
      flagged.auth.verify(await sign({ iss: 'https://env.example', aud: 'a1', exp: now + 60 })),
    ).rejects.toThrow(/iss/);
    await expect(
      authFromEnv({ ...env, SYNCLINE_JWT_CLOCK_SKEW: '30s' }, { dev: false, dataDir: dir }),
    ).rejects.toThrow(/whole number of seconds/);
  });

  test('dev mode falls back to the kept dev secret', async () => {
    const first = await authFromEnv({}, { dev: true, dataDir: dir });
    expect(first.source).toBe('dev-secret');
    const token = await signDevToken(first.signingSecret!, 'alice', 60);
    const second = await authFromEnv({}, { dev: true, dataDir: dir });
    expect((await second.auth.verify(token)).userId).toBe('alice');
  });

  test('outside dev mode, no configuration is a clear startup error', async () => {
    await expect(authFromEnv({}, { dev: false, dataDir: dir })).rejects.toThrow(
      /SYNCLINE_JWT_SECRET.*SYNCLINE_JWKS_URL/,
    );
  });

  test('both set is ambiguous and refused', async () => {
    await expect(
      authFromEnv(
        { SYNCLINE_JWT_SECRET: SECRET, SYNCLINE_JWKS_URL: 'https://id.example/jwks' },
        { dev: false, dataDir: dir },
      ),
    ).rejects.toThrow(/Set only one/);
  });
});
