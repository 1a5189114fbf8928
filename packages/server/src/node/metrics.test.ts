/**
 * `GET /metrics` over real HTTP: a real sync server on a SQLite file, pushes and pulls, then the
 * Prometheus text; and the PostgreSQL-only watermark gauges through a store that has the probe.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineSchema, t } from '@syncline/core';
import { afterAll, afterEach, describe, expect, test } from 'vitest';
import { recordingLogger } from '../../test/logger.ts';
import { DEFAULT_LIMITS, type SyncServer } from '../api.ts';
import { createJwtAuth, signDevToken } from '../auth/jwt.ts';
import { createSyncServer } from '../handler/index.ts';
import { createSqliteStore } from '../stores/sqlite/index.ts';
import type { ServerStore } from '../stores/types.ts';
import { type Listener, listen } from './listen.ts';
import { routeLabel } from './metrics.ts';

const SECRET = 'metrics-test-secret-long-enough-for-hs256';
const schema = defineSchema({ notes: { columns: { ownerId: t.text(), title: t.text() } } });
const dir = mkdtempSync(join(tmpdir(), 'syncline-metrics-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const listeners: Listener[] = [];
afterEach(async () => {
  await Promise.all(listeners.splice(0).map((l) => l.close()));
});

/** The value of one sample line, e.g. `syncline_http_requests_total{route="/healthz",status="200"}`. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('GET /metrics', () => {
  test('counts requests by route and status and pushed mutations by outcome', async () => {
    const store = createSqliteStore({ path: join(dir, 'a.db'), schema, scopeColumns: { notes: 'ownerId' } });
    await store.migrate();
    const server = createSyncServer({
      schema,
      store,
      auth: createJwtAuth({ secret: SECRET }),
      rules: { notes: { scope: 'ownerId', access: (auth) => [auth.userId] } },
    });
    const listener = await listen(server, { port: 0 });
    listeners.push(listener);
    const token = await signDevToken(SECRET, 'alice', 60);
    const post = (path: string, body: unknown, bearer = token) =>
      fetch(`${listener.url}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });

    const pushBody = {
      protocol: 1,
      clientId: 'c1',
      mutations: [
        { seq: 1, collection: 'notes', id: 'n1', op: 'insert', data: { ownerId: 'alice', title: 'a' } },
        { seq: 2, collection: 'notes', id: 'n2', op: 'insert', data: { ownerId: 'bob', title: 'b' } },
        { seq: 3, collection: 'notes', id: 'n3', op: 'insert', data: { ownerId: 'alice', title: 'c' } },
      ],
    };
    const push = await post('/sync/push', pushBody);
    expect(await push.json()).toMatchObject({
      results: [{ status: 'applied' }, { status: 'rejected' }, { status: 'applied' }],
    });
    // The same push again (a client that lost the first answer): the answer repeats the recorded
    // outcomes, but the metrics count these writes once, the replay as `duplicate`.
    const replay = await post('/sync/push', pushBody);
    expect(await replay.json()).toMatchObject({
      results: [{ status: 'applied' }, { status: 'rejected' }, { status: 'applied' }],
    });
    expect(
      (await post('/sync/pull', { protocol: 1, clientId: 'c1', collections: { notes: { cursor: null } } }))
        .status,
    ).toBe(200);
    expect((await post('/sync/pull', {}, 'forged')).status).toBe(401);
    expect((await fetch(`${listener.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${listener.url}/wp-admin/${Math.random()}`)).status).toBe(404);
    expect((await fetch(`${listener.url}/nope/push`, { method: 'POST' })).status).toBe(404);

    const res = await fetch(`${listener.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    expect(text).toContain('# TYPE syncline_http_requests_total counter');
    expect(sample(text, 'syncline_http_requests_total{route="/sync/push",status="200"}')).toBe(2);
    expect(sample(text, 'syncline_http_requests_total{route="/sync/pull",status="200"}')).toBe(1);
    expect(sample(text, 'syncline_http_requests_total{route="/sync/pull",status="401"}')).toBe(1);
    expect(sample(text, 'syncline_http_requests_total{route="/healthz",status="200"}')).toBe(1);
    // Unknown paths share one series, so scanners cannot grow the output.
    expect(sample(text, 'syncline_http_requests_total{route="other",status="404"}')).toBe(2);
    expect(sample(text, 'syncline_push_mutations_total{status="applied"}')).toBe(2);
    expect(sample(text, 'syncline_push_mutations_total{status="rejected"}')).toBe(1);
    expect(sample(text, 'syncline_push_mutations_total{status="duplicate"}')).toBe(3);
    expect(sample(text, 'syncline_uptime_seconds')).toBeGreaterThan(0);
    // SQLite has one writer: no watermark, no lag series.
    expect(text).not.toContain('syncline_watermark_lag_xids');

    const again = await (await fetch(`${listener.url}/metrics`)).text();
    expect(sample(again, 'syncline_http_requests_total{route="/metrics",status="200"}')).toBe(1);
  });

  function probeServer(
    lag: () => Promise<{ xids: number; oldestWriterAgeMs: number }>,
    logger = recordingLogger(),
  ): SyncServer {
    const store = {
      kind: 'postgres',
      watermarkLag: lag,
      read: async () => [],
      close: async () => {},
    } as unknown as ServerStore;
    return {
      handler: async () => new Response('', { status: 404 }),
      limits: DEFAULT_LIMITS,
      store,
      logger,
      close: async () => {},
    };
  }

  test('a store with a watermark reports its lag; a failing probe leaves the gauges out', async () => {
    const ok = await listen(
      probeServer(async () => ({ xids: 42, oldestWriterAgeMs: 1500 })),
      { port: 0 },
    );
    listeners.push(ok);
    const text = await (await fetch(`${ok.url}/metrics`)).text();
    expect(text).toContain('# TYPE syncline_watermark_lag_xids gauge');
    expect(sample(text, 'syncline_watermark_lag_xids')).toBe(42);
    expect(sample(text, 'syncline_oldest_writer_age_seconds')).toBe(1.5);

    const logger = recordingLogger();
    const failing = await listen(
      probeServer(async () => {
        throw new Error('connection refused');
      }, logger),
      { port: 0 },
    );
    listeners.push(failing);
    const res = await fetch(`${failing.url}/metrics`);
    expect(res.status).toBe(200);
    const body = await res.text();
    expect(body).not.toContain('syncline_watermark_lag_xids');
    expect(body).toContain('syncline_uptime_seconds');
    expect(logger.at('error').map((l) => l.message)).toEqual([expect.stringContaining('connection refused')]);
  });

  test('metrics: false leaves /metrics to the handler', async () => {
    const off = await listen(
      probeServer(async () => ({ xids: 0, oldestWriterAgeMs: 0 })),
      {
        port: 0,
        metrics: false,
      },
    );
    listeners.push(off);
    expect((await fetch(`${off.url}/metrics`)).status).toBe(404);
  });
});

describe('routeLabel', () => {
  test('known routes by path, sync routes unless 404, everything else "other"', () => {
    const known = new Set(['/healthz', '/metrics']);
    expect(routeLabel('/healthz', 200, known)).toBe('/healthz');
    expect(routeLabel('/api/sync/pull', 400, known)).toBe('/api/sync/pull');
    expect(routeLabel('/x/pull', 404, known)).toBe('other');
    expect(routeLabel(null, 400, known)).toBe('other');
  });
});
