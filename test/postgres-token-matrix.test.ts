/**
 * Issue 14, done-when 1: every token of the matrix is refused with 401 `unauthenticated` on push
 * and on pull, and with 4401 on the realtime socket's hello (real `ws` sockets on `listen()`,
 * port 0), on both stores, for an HS256 server (secrets with kids, issuer, audience) and for a
 * JWKS server (RS256 keys served over loopback on port 0). A valid token of each server is
 * answered (a negative control: the matrix would pass vacuously against a server refusing
 * everything), and no refused request writes anything. An open socket is closed 4401 when its
 * token's `exp` passes.
 *
 * The clock is injected: tokens are stamped relative to NOW, which the verifiers use as "now";
 * the sockets' expiry timers run on a clock starting at NOW.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { defineSchema, PROTOCOL_VERSION, t } from '@syncline/core';
import {
  createJwtAuth,
  createSyncServer,
  DEV_TOKEN_ISSUER,
  type Listener,
  listen,
  type Rules,
  type SyncServer,
} from '@syncline/server';
import { exportJWK, exportSPKI, generateKeyPair, type JWTPayload, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { WebSocket } from 'ws';
import { backends } from './helpers/backends.ts';
import { tempDir } from './helpers/server.ts';

const schema = defineSchema({ notes: { columns: { ownerId: t.text(), title: t.text() } } });
const rules: Rules = { notes: { scope: 'ownerId' } };

const NOW = 1_800_000_000; // seconds; the verifiers' injected clock
const SKEW = 5;
const ISSUER = 'https://id.example';
const AUDIENCE = 'syncline-test';
const HS_SECRET = 'token-matrix-secret-that-is-long-enough-for-hs256';
const hsKey = new TextEncoder().encode(HS_SECRET);

const dir = tempDir('syncline-tokens-');
afterAll(() => dir.cleanup());

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

/** Claims a valid token carries; cases override or remove some. */
function claims(over: Record<string, unknown> = {}): JWTPayload {
  return { sub: 'alice', iss: ISSUER, aud: AUDIENCE, iat: NOW - 10, exp: NOW + 600, ...over };
}

function without(key: string): JWTPayload {
  const c: Record<string, unknown> = claims();
  delete c[key];
  return c;
}

type Kind = 'hs' | 'jwks';

let jwksServer: Server;
let jwksUrl: string;
let rsPrivate: CryptoKey;
let otherRsPrivate: CryptoKey;
let rsPublicPem: string;

beforeAll(async () => {
  const pair = await generateKeyPair('RS256', { extractable: true });
  rsPrivate = pair.privateKey;
  rsPublicPem = await exportSPKI(pair.publicKey);
  otherRsPrivate = (await generateKeyPair('RS256')).privateKey;
  const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'rs1', alg: 'RS256', use: 'sig' };
  jwksServer = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
  jwksUrl = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/jwks.json`;
});
afterAll(async () => {
  await new Promise((resolve) => jwksServer.close(resolve));
});

/** A token signed the right way for `kind`, with `payload` and optional header changes. */
function good(
  kind: Kind,
  payload: JWTPayload = claims(),
  header: Record<string, unknown> = {},
): Promise<string> {
  const jwt = new SignJWT(payload);
  return kind === 'hs'
    ? jwt.setProtectedHeader({ alg: 'HS256', kid: 'hs1', ...header }).sign(hsKey)
    : jwt.setProtectedHeader({ alg: 'RS256', kid: 'rs1', ...header }).sign(rsPrivate);
}

/** The matrix: a name and the Authorization header (null: none) for each kind of server. */
const cases: Array<{ name: string; header: (kind: Kind) => Promise<string | null> }> = [
  { name: 'no Authorization header', header: async () => null },
  { name: 'empty bearer', header: async () => 'Bearer ' },
  { name: 'not a bearer scheme', header: async (k) => `Basic ${await good(k)}` },
  { name: 'garbage', header: async () => 'Bearer not-a-jwt' },
  { name: 'three garbage segments', header: async () => 'Bearer a.b.c' },
  {
    name: 'expired beyond the skew',
    header: async (k) => `Bearer ${await good(k, claims({ exp: NOW - SKEW - 1 }))}`,
  },
  {
    name: 'not yet valid (nbf)',
    header: async (k) => `Bearer ${await good(k, claims({ nbf: NOW + SKEW + 60 }))}`,
  },
  {
    name: 'issued in the future (iat)',
    header: async (k) => `Bearer ${await good(k, claims({ iat: NOW + SKEW + 60 }))}`,
  },
  { name: 'wrong aud', header: async (k) => `Bearer ${await good(k, claims({ aud: 'another-app' }))}` },
  { name: 'no aud', header: async (k) => `Bearer ${await good(k, without('aud'))}` },
  {
    name: 'wrong iss',
    header: async (k) => `Bearer ${await good(k, claims({ iss: 'https://evil.example' }))}`,
  },
  { name: 'no iss', header: async (k) => `Bearer ${await good(k, without('iss'))}` },
  {
    name: 'dev-mode issuer',
    header: async (k) => `Bearer ${await good(k, claims({ iss: DEV_TOKEN_ISSUER }))}`,
  },
  {
    name: 'alg none',
    header: async (k) =>
      `Bearer ${b64({ alg: 'none', typ: 'JWT', kid: k === 'hs' ? 'hs1' : 'rs1' })}.${b64(claims())}.`,
  },
  {
    // The classic confusion: HS256 with the server's public key as the HMAC secret.
    name: 'HS256 signed with the RSA public key',
    header: async (k) =>
      `Bearer ${await new SignJWT(claims())
        .setProtectedHeader({ alg: 'HS256', kid: k === 'hs' ? 'hs1' : 'rs1' })
        .sign(new TextEncoder().encode(rsPublicPem))}`,
  },
  {
    name: 'RS256 to a server of HS256 secrets',
    header: async (k) =>
      `Bearer ${await new SignJWT(claims())
        .setProtectedHeader({ alg: 'RS256', kid: k === 'hs' ? 'hs1' : 'rs9' })
        .sign(otherRsPrivate)}`,
  },
  {
    name: 'HS256 with the right secret to the JWKS server, or with the secret but an unknown kid',
    header: async (k) =>
      `Bearer ${await new SignJWT(claims()).setProtectedHeader({ alg: 'HS256', kid: k === 'hs' ? 'nope' : 'rs1' }).sign(hsKey)}`,
  },
  {
    name: 'unknown kid (signed by a key the server does not have)',
    header: async (k) =>
      k === 'hs'
        ? `Bearer ${await new SignJWT(claims())
            .setProtectedHeader({ alg: 'HS256', kid: 'hs2' })
            .sign(new TextEncoder().encode('another-secret-that-is-long-enough-for-hs256!'))}`
        : `Bearer ${await new SignJWT(claims()).setProtectedHeader({ alg: 'RS256', kid: 'rs2' }).sign(otherRsPrivate)}`,
  },
  {
    name: 'no kid where keys have kids',
    header: async (k) => {
      const jwt = new SignJWT(claims());
      return `Bearer ${
        k === 'hs'
          ? await jwt.setProtectedHeader({ alg: 'HS256' }).sign(hsKey)
          : await jwt.setProtectedHeader({ alg: 'RS256' }).sign(rsPrivate)
      }`;
    },
  },
  {
    name: 'tampered payload',
    header: async (k) => {
      const [h, , s] = (await good(k)).split('.');
      return `Bearer ${h}.${b64(claims({ sub: 'mallory' }))}.${s}`;
    },
  },
  { name: 'sub missing', header: async (k) => `Bearer ${await good(k, without('sub'))}` },
  { name: 'sub empty', header: async (k) => `Bearer ${await good(k, claims({ sub: '' }))}` },
  { name: 'sub not a string', header: async (k) => `Bearer ${await good(k, claims({ sub: 42 }))}` },
  {
    name: 'sub holding U+0000',
    header: async (k) => `Bearer ${await good(k, claims({ sub: 'alice\u0000' }))}`,
  },
  {
    name: 'sub holding a lone surrogate',
    header: async (k) => `Bearer ${await good(k, claims({ sub: 'al\ud800ice' }))}`,
  },
  {
    name: 'sub longer than 255',
    header: async (k) => `Bearer ${await good(k, claims({ sub: 'a'.repeat(256) }))}`,
  },
];

function pushBody(clientId: string, id: string) {
  return JSON.stringify({
    protocol: PROTOCOL_VERSION,
    clientId,
    mutations: [{ seq: 1, collection: 'notes', id, op: 'insert', data: { ownerId: 'alice', title: id } }],
  });
}

const pullBody = JSON.stringify({
  protocol: PROTOCOL_VERSION,
  clientId: 'reader',
  collections: { notes: { cursor: null } },
});

/**
 * The socket's answer to a hello carrying `header`'s token (no header: an empty token): the
 * first message's type, or the close code; and the close code of a welcomed socket once it ends.
 */
async function hello(url: string, header: string | null) {
  const token = header === null ? '' : header.replace(/^Bearer /, '');
  const ws = new WebSocket(url, { perMessageDeflate: false });
  const first = new Promise<string | number>((resolve) => {
    ws.once('message', (data) => resolve((JSON.parse(data.toString()) as { type: string }).type));
    ws.once('close', (code) => resolve(code));
  });
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  ws.send(
    JSON.stringify({
      type: 'hello',
      protocol: PROTOCOL_VERSION,
      clientId: 'ws',
      token,
      collections: ['notes'],
    }),
  );
  return { first: await first, closed, close: () => ws.terminate() };
}

async function call(server: SyncServer, path: '/push' | '/pull', header: string | null, body: string) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (header !== null) headers.authorization = header;
  const res = await server.handler(
    new Request(`http://localhost/sync${path}`, { method: 'POST', headers, body }),
  );
  return {
    status: res.status,
    body: (await res.json()) as { error?: { code: string } } & Record<string, unknown>,
  };
}

for (const backend of backends(dir.path, 'sl_tokens')) {
  describe.skipIf(backend.skip !== null)(
    `token matrix on ${backend.name}${backend.skip ? ` — ${backend.skip}` : ''}`,
    () => {
      let servers: Record<Kind, SyncServer>;
      let sockets: Record<Kind, string>;
      let dispose: () => Promise<void>;
      /** The sockets' clock for their expiry timers: NOW, moving on with real time. */
      const started = Date.now();
      const clock = () => NOW * 1000 + (Date.now() - started);

      beforeAll(async () => {
        const made = backend.make(schema, rules);
        await made.store.migrate();
        const checks = {
          issuer: ISSUER,
          audience: AUDIENCE,
          clockToleranceSeconds: SKEW,
          now: () => NOW * 1000,
        };
        const hs = createJwtAuth({ secrets: [{ kid: 'hs1', secret: HS_SECRET }], ...checks });
        const jwks = createJwtAuth({ jwksUrl, ...checks });
        const realtime = { now: clock };
        servers = {
          hs: createSyncServer({ schema, rules, store: made.store, auth: hs, realtime }),
          jwks: createSyncServer({ schema, rules, store: made.store, auth: jwks, realtime }),
        };
        const listeners: Listener[] = [];
        for (const kind of ['hs', 'jwks'] as const) listeners.push(await listen(servers[kind], { port: 0 }));
        sockets = {
          hs: `${listeners[0]!.url.replace(/^http/, 'ws')}/sync/ws`,
          jwks: `${listeners[1]!.url.replace(/^http/, 'ws')}/sync/ws`,
        };
        dispose = async () => {
          for (const l of listeners) await l.close();
          await made.store.close();
          await made.dispose();
        };
      });
      afterAll(() => dispose());

      test('a valid token of each server is answered, and a token within the skew too (negative control)', async () => {
        for (const kind of ['hs', 'jwks'] as const) {
          const push = await call(
            servers[kind],
            '/push',
            `Bearer ${await good(kind)}`,
            pushBody(`ok-${kind}`, `n-${kind}`),
          );
          expect(push.status).toBe(200);
          expect(push.body.results).toMatchObject([{ status: 'applied' }]);
          const lenient = await good(
            kind,
            claims({ exp: NOW - SKEW + 2, nbf: NOW + SKEW - 2, iat: NOW + SKEW - 2 }),
          );
          expect((await call(servers[kind], '/pull', `Bearer ${lenient}`, pullBody)).status).toBe(200);
        }
      });

      test(`${cases.length} kinds of bad token are refused with 401 on push and pull, by both servers`, async () => {
        const answered: string[] = [];
        for (const c of cases) {
          for (const kind of ['hs', 'jwks'] as const) {
            const header = await c.header(kind);
            const push = await call(servers[kind], '/push', header, pushBody(`bad-${kind}`, `x-${kind}`));
            const pull = await call(servers[kind], '/pull', header, pullBody);
            for (const [what, r] of [
              ['push', push],
              ['pull', pull],
            ] as const) {
              if (r.status !== 401 || r.body.error?.code !== 'unauthenticated')
                answered.push(
                  `${c.name} (${kind} ${what}): ${r.status} ${JSON.stringify(r.body).slice(0, 200)}`,
                );
            }
          }
        }
        expect(answered).toEqual([]);
        // Nothing refused was written: only the two control records exist.
        const pull = await call(servers.hs, '/pull', `Bearer ${await good('hs')}`, pullBody);
        const changes = (pull.body.collections as { notes: { changes: Array<{ id: string }> } }).notes
          .changes;
        expect(changes.map((r) => r.id).sort()).toEqual(['n-hs', 'n-jwks']);
      });

      test(`the same ${cases.length} kinds of bad token are refused with 4401 on the socket's hello; a valid one is welcomed`, async () => {
        const answered: string[] = [];
        for (const kind of ['hs', 'jwks'] as const) {
          const ok = await hello(sockets[kind], `Bearer ${await good(kind)}`);
          expect(ok.first, `valid ${kind} token`).toBe('welcome');
          ok.close();
          for (const c of cases) {
            const r = await hello(sockets[kind], await c.header(kind));
            if (r.first !== 4401) answered.push(`${c.name} (${kind} socket): ${r.first}`);
            r.close();
          }
        }
        expect(answered).toEqual([]);
      });

      test('an open socket is closed 4401 when its token expires', async () => {
        for (const kind of ['hs', 'jwks'] as const) {
          const exp = Math.ceil(clock() / 1000) + 1; // one to two seconds from now
          const r = await hello(sockets[kind], `Bearer ${await good(kind, claims({ exp }))}`);
          expect(r.first).toBe('welcome');
          expect(await r.closed).toBe(4401);
          const late = clock() - exp * 1000;
          console.log(`${kind} socket closed 4401 ${late} ms after exp`);
          expect(late).toBeGreaterThanOrEqual(0);
          expect(late).toBeLessThan(1000);
        }
      });
    },
  );
}
