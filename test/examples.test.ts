/**
 * Issue 12, done-when 1: the README's tour, as the programs in examples/, against real servers
 * (port 0, temp SQLite files): the programmatic server and `syncline serve` on the tour's rules
 * module; the tour's own writes are applied; two users share a list and converge; the
 * authentication examples (own HS256 tokens with refresh, an identity provider's JWKS) verify.
 */
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { SyncStatus } from '@syncline/client';
import type { Logger } from '@syncline/server';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, afterEach, describe, expect, test } from 'vitest';
import { identityProviderAuth } from '../examples/auth/identity-provider.ts';
import { issueSyncToken } from '../examples/auth/issue-token.ts';
import { tokenSource } from '../examples/auth/token-source.ts';
import { openClient } from '../examples/tour/client.ts';
import { startServer } from '../examples/tour/server.ts';
import { shareList } from '../examples/tour/share.ts';
import { tour } from '../examples/tour/tour.ts';
import { type CliChild, serveCli, stopCli } from './helpers/serve-cli.ts';
import { TEST_SECRET, tempDir } from './helpers/server.ts';
import { ROOT, SOURCE_EXEC_ARGV } from './helpers/source.ts';

const dir = tempDir('syncline-examples-');
afterAll(() => dir.cleanup());
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A logger that keeps the level and message of each line (the tour's server would use pino). */
function keptLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const keep = (level: string) => (_fields: unknown, message?: string) => lines.push(`${level} ${message}`);
  return { lines, debug: () => {}, info: keep('info'), warn: keep('warn'), error: keep('error') };
}

async function tourServer(name: string) {
  const logger = keptLogger();
  const reported: unknown[] = [];
  const listener = await startServer({
    port: 0,
    path: join(dir.path, name, 'tour.db'), // a directory that does not exist yet
    secret: TEST_SECRET,
    logger,
    report: (error) => reported.push(error),
  });
  cleanups.push(() => listener.close());
  return { url: `${listener.url}/sync`, logger, reported };
}

function client(url: string, name: string, userId: string) {
  const c = openClient({
    url,
    path: join(dir.path, `${name}.db`),
    getToken: async () => (await issueSyncToken(TEST_SECRET, userId)).token,
  });
  cleanups.push(() => c.close());
  return c;
}

/** Resolves once the client's outbox is empty and the last cycle succeeded. */
function settled(c: ReturnType<typeof client>): Promise<void> {
  return new Promise((resolve) => {
    const check = (s: SyncStatus) => {
      if (
        s.pending === 0 &&
        s.connected &&
        s.error === null &&
        s.phase === 'idle' &&
        s.lastSyncedAt !== null
      ) {
        stop();
        resolve();
      }
    };
    const stop = c.subscribe(check);
    check(c.status);
  });
}

describe('the tour (examples/tour)', () => {
  test("the tour's own writes are applied on the server, with nothing rejected", async () => {
    const server = await tourServer('own-writes');
    const alice = client(server.url, 'alice-tour', 'alice');
    const toasts: string[] = [];
    const renders: string[][] = [];
    const statuses: SyncStatus[] = [];
    const { list, task, open, stop } = await tour(alice, 'alice', {
      render: (titles) => renders.push(titles),
      toast: (message) => toasts.push(message),
      showStatus: (status) => statuses.push(status),
    });
    cleanups.push(async () => stop());
    expect(open.map((t) => t.title)).toEqual(['Bread']);
    await settled(alice);
    // Applied: acknowledged by the server (version > 0), no rejection stored, no toast.
    expect(await alice.rejections()).toEqual([]);
    expect(toasts).toEqual([]);
    expect(await alice.db.lists.get(list.id)).toMatchObject({ name: 'Groceries', ownerId: 'alice' });
    expect((await alice.db.tasks.get(task.id))?.version).toBeGreaterThan(0);
    expect(renders.at(-1)?.sort()).toEqual(['Bread', 'Milk']);
    expect(statuses.some((s) => s.connected)).toBe(true);

    // A second device of alice's, starting empty, downloads exactly what the tour wrote.
    const other = client(server.url, 'alice-laptop', 'alice');
    await other.sync();
    expect(
      (await other.db.tasks.find({ orderBy: [['title', 'asc']] })).map((t) => [t.title, t.done]),
    ).toEqual([
      ['Bread', false],
      ['Milk', true],
    ]);
    expect(server.reported).toEqual([]);
    expect(server.logger.lines.filter((l) => !l.startsWith('info'))).toEqual([]);
  });

  test('two users share a list through a membership and converge', async () => {
    const server = await tourServer('share');
    const alice = client(server.url, 'alice-share', 'alice');
    const bob = client(server.url, 'bob-share', 'bob');
    const carol = client(server.url, 'carol-share', 'carol');
    const result = await shareList(alice, bob, { alice: 'alice', bob: 'bob' });
    expect(result.alice).toEqual(['Book the train', 'Pack the tent']);
    expect(result.bob).toEqual(result.alice);
    expect(await bob.db.lists.get(result.list.id)).toMatchObject({ name: 'Trip', ownerId: 'alice' });
    expect(await bob.rejections()).toEqual([]);
    // Not shared with carol: she sees none of it.
    await carol.sync();
    expect(await carol.db.lists.find({})).toEqual([]);
    expect(await carol.db.tasks.find({})).toEqual([]);
  });

  test('`syncline serve --schema examples/tour/rules.ts` serves the rules (no warning) and the tour syncs', async () => {
    const cwd = join(dir.path, 'cli');
    let child: CliChild | undefined;
    try {
      const served = await serveCli(
        [
          '--schema',
          join(ROOT, 'examples/tour/rules.ts'),
          '--db',
          `sqlite:${join(cwd, 'tour.db')}`,
          '--port',
          '0',
        ],
        ROOT,
      );
      child = served.child;
      expect(served.output()).not.toContain('warning');
      const alice = client(`${served.url}/sync`, 'alice-cli', 'alice');
      const bob = client(`${served.url}/sync`, 'bob-cli', 'bob');
      const result = await shareList(alice, bob, { alice: 'alice', bob: 'bob' });
      expect(result.bob).toEqual(['Book the train', 'Pack the tent']);
      expect(result.alice).toEqual(result.bob);
    } finally {
      if (child) await stopCli(child);
    }
  });

  test('`syncline serve --config examples/tour/syncline.config.ts` serves the same rules', async () => {
    const cwd = join(dir.path, 'config');
    mkdirSync(cwd, { recursive: true });
    let child: CliChild | undefined;
    try {
      const served = await serveCli(
        ['--config', join(ROOT, 'examples/tour/syncline.config.ts'), '--port', '0'],
        cwd,
      );
      child = served.child;
      expect(served.output()).toContain(`sqlite:${join(cwd, 'data', 'tour.db')}`);
      expect(served.output()).not.toContain('warning');
      const alice = client(`${served.url}/sync`, 'alice-config', 'alice');
      const bob = client(`${served.url}/sync`, 'bob-config', 'bob');
      expect((await shareList(alice, bob, { alice: 'alice', bob: 'bob' })).bob).toEqual([
        'Book the train',
        'Pack the tent',
      ]);
    } finally {
      if (child) await stopCli(child);
    }
  });
});

/** Runs an example file as its own program (sources through tsx), in `cwd`, in its own process group. */
function program(file: string, args: string[], cwd: string, env: Record<string, string>) {
  mkdirSync(cwd, { recursive: true });
  const clean = { ...process.env };
  for (const key of ['SYNCLINE_JWT_SECRET', 'SYNCLINE_URL', 'PORT']) delete clean[key];
  const child = spawn(process.execPath, [...SOURCE_EXEC_ARGV, join(ROOT, file), ...args], {
    cwd,
    env: { ...clean, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const kill = () => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  /** Resolves with the first match of `pattern` in the output; rejects if the program exits first. */
  const waitFor = (pattern: RegExp) =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      const look = () => {
        const match = pattern.exec(out);
        if (match) resolve(match);
      };
      child.stdout.on('data', look);
      child.stderr.on('data', look);
      void exited.then((code) => reject(new Error(`${file} exited (${code}) without ${pattern}:\n${out}`)));
      look();
    });
  return { exited, kill, waitFor, output: () => out };
}

describe('the tour as programs (npx tsx examples/tour/…)', () => {
  test('server.ts serves; main.ts runs the tour against it and exits with its writes synced', async () => {
    const cwd = join(dir.path, 'programs');
    const server = program('examples/tour/server.ts', [], cwd, {
      PORT: '0',
      SYNCLINE_JWT_SECRET: TEST_SECRET,
    });
    try {
      const [, origin] = await server.waitFor(/listening at (http:\/\/[^"\s]+)/);
      const main = program('examples/tour/main.ts', ['alice'], cwd, {
        SYNCLINE_URL: `${origin}/sync`,
        SYNCLINE_JWT_SECRET: TEST_SECRET,
      });
      try {
        expect(await main.exited, main.output()).toBe(0);
      } finally {
        main.kill();
      }
      expect(main.output()).toContain('synced: Bread, Milk (done); pending 0');
      expect(main.output()).toContain('connected');
      expect(main.output()).not.toContain('!');
    } finally {
      server.kill();
    }
  });

  test('server.ts without SYNCLINE_JWT_SECRET stops at once, saying the secret is not set', async () => {
    const server = program('examples/tour/server.ts', [], join(dir.path, 'no-secret'), { PORT: '0' });
    try {
      expect(await server.exited).not.toBe(0);
    } finally {
      server.kill();
    }
    expect(server.output()).toContain('No JWT secret');
    expect(server.output()).toContain('SYNCLINE_JWT_SECRET');
    expect(server.output()).not.toContain('too short');
  });
});

describe('authentication in production (examples/auth)', () => {
  test('own HS256 tokens: an expired cached token is refreshed after the 401, and the sync succeeds', async () => {
    const server = await tourServer('tokens');
    let now = Date.now();
    const issued: string[] = [];
    const source = tokenSource(
      async () => {
        // The first token is already expired: the server answers 401, the client asks again.
        const { token, expiresAt } = await issueSyncToken(
          TEST_SECRET,
          'alice',
          issued.length === 0 ? -10 : 900,
        );
        issued.push(token);
        return { token, expiresAt: issued.length === 1 ? now + 3_600_000 : expiresAt };
      },
      () => now,
    );
    const alice = openClient({
      url: server.url,
      path: join(dir.path, 'alice-tokens.db'),
      getToken: source.getToken,
    });
    cleanups.push(() => alice.close());
    await alice.db.lists.insert({ name: 'Mine', ownerId: 'alice' });
    await alice.sync();
    expect(issued).toHaveLength(2);
    expect(alice.status.pending).toBe(0);
    // A cached token near its expiry is replaced before it is sent.
    now += 3_600_000;
    await alice.sync();
    expect(issued).toHaveLength(3);
  });

  test("an identity provider's JWKS: tokens with its issuer and audience verify; sub is the user id", async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'key-1', alg: 'RS256', use: 'sig' };
    const jwks = createServer((req, res) => {
      if (req.url === '/.well-known/jwks.json')
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => jwks.close(resolve)));
    const issuer = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/`;
    const auth = identityProviderAuth(issuer);
    const sign = (claims: { iss: string; aud: string }) =>
      new SignJWT({ role: 'admin' })
        .setProtectedHeader({ alg: 'RS256', kid: 'key-1' })
        .setSubject('user-42')
        .setIssuer(claims.iss)
        .setAudience(claims.aud)
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(privateKey);
    const ok = await auth.verify(await sign({ iss: issuer, aud: 'https://api.example.com' }));
    expect(ok.userId).toBe('user-42');
    expect(ok.claims.role).toBe('admin');
    await expect(
      auth.verify(await sign({ iss: issuer, aud: 'https://other.example.com' })),
    ).rejects.toMatchObject({
      code: 'unauthenticated',
    });
    await expect(
      auth.verify(await sign({ iss: 'https://evil.example.com/', aud: 'https://api.example.com' })),
    ).rejects.toMatchObject({
      code: 'unauthenticated',
    });
  });
});
