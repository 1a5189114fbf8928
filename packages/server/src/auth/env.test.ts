import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { loadOrCreateDevSecret } from './dev-secret.ts';
import { authFromEnv } from './env.ts';
import { signDevToken } from './jwt.ts';

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
    expect(signingSecret).toBe(SECRET);
    expect((await auth.verify(await signDevToken(SECRET, 'alice', 60))).userId).toBe('alice');
  });

  test('SYNCLINE_JWKS_URL configures a remote key set and cannot sign', async () => {
    const result = await authFromEnv(
      { SYNCLINE_JWKS_URL: 'https://id.example/.well-known/jwks.json' },
      { dev: true, dataDir: dir },
    );
    expect(result.source).toBe('jwks');
    expect(result.signingSecret).toBeNull();
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
