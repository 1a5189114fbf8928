/**
 * Prometheus metrics of the Node listener (`GET /metrics`, text exposition format 0.0.4):
 * request counters, push outcomes, uptime and, on PostgreSQL, how far the xid watermark trails.
 * Kept in-process and tiny on purpose: no client library, a handful of series.
 */
import type { RealtimeHub } from '../api.ts';
import type { ServerStore } from '../stores/types.ts';

/** The PostgreSQL store's lag probe; other stores lack it (SQLite has a single writer, no lag). */
interface LagProbe {
  watermarkLag(): Promise<{ xids: number; oldestWriterAgeMs: number }>;
}

function hasLagProbe(store: ServerStore): store is ServerStore & LagProbe {
  return typeof (store as Partial<LagProbe>).watermarkLag === 'function';
}

/** Counters of one listener, and their rendering. */
export interface ListenerMetrics {
  /** Counts one answered request; `route` must come from a bounded set (see `routeLabel`). */
  countRequest(route: string, status: number): void;
  /** Counts the outcome of each mutation of an answered push. */
  countMutations(statuses: readonly string[]): void;
  /** Counts a connection the listener closed: `body_idle` (a stalled body) or `connection_cap`. */
  countClosed(reason: 'body_idle' | 'connection_cap'): void;
  /**
   * The exposition text. Store gauges that cannot be read (within `timeoutMs`) are left out and the
   * error passed to `onError`, so a slow database never makes the scrape itself fail.
   */
  render(
    store: ServerStore,
    timeoutMs: number,
    onError: (error: unknown) => void,
    realtime?: RealtimeHub | null,
  ): Promise<string>;
}

const escapeLabel = (value: string) =>
  value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

function labels(pairs: Record<string, string>): string {
  const body = Object.entries(pairs)
    .map(([k, v]) => `${k}="${escapeLabel(v)}"`)
    .join(',');
  return `{${body}}`;
}

function family(name: string, type: 'counter' | 'gauge', help: string, samples: string[]): string {
  return [`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, ...samples].join('\n');
}

/** Creates the counters; `now` is injectable for the uptime. */
export function createListenerMetrics(now: () => number = () => performance.now()): ListenerMetrics {
  const started = now();
  const requests = new Map<string, number>();
  const mutations = new Map<string, number>();
  const closed = new Map<string, number>();
  const bump = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);

  return {
    countRequest(route, status) {
      bump(requests, labels({ route, status: String(status) }));
    },
    countMutations(statuses) {
      for (const status of statuses) bump(mutations, labels({ status }));
    },
    countClosed(reason) {
      bump(closed, labels({ reason }));
    },
    async render(store, timeoutMs, onError, realtime) {
      const sample = (name: string, map: Map<string, number>) =>
        [...map].sort(([a], [b]) => (a < b ? -1 : 1)).map(([l, v]) => `${name}${l} ${v}`);
      const parts = [
        family(
          'syncline_http_requests_total',
          'counter',
          'HTTP requests answered, by route and status.',
          sample('syncline_http_requests_total', requests),
        ),
        family(
          'syncline_push_mutations_total',
          'counter',
          'Pushed mutations, by outcome (applied, rejected, …).',
          sample('syncline_push_mutations_total', mutations),
        ),
        family(
          'syncline_http_closed_total',
          'counter',
          'Connections the listener closed: body_idle (a request body stalled), connection_cap (too many from one address).',
          sample('syncline_http_closed_total', closed),
        ),
        family('syncline_uptime_seconds', 'gauge', 'Seconds since the listener started.', [
          `syncline_uptime_seconds ${((now() - started) / 1000).toFixed(3)}`,
        ]),
      ];
      if (realtime) {
        const stats = realtime.stats();
        parts.push(
          family('syncline_realtime_sockets', 'gauge', 'Realtime sockets open now (/sync/ws).', [
            `syncline_realtime_sockets ${stats.connections}`,
          ]),
          family(
            'syncline_realtime_pokes_total',
            'counter',
            'Pokes sent on realtime sockets (at most one per socket per change-feed batch).',
            [`syncline_realtime_pokes_total ${stats.pokes}`],
          ),
        );
      }
      if (hasLagProbe(store)) {
        const lag = await withTimeout(store.watermarkLag(), timeoutMs).catch((error: unknown) => {
          onError(error);
          return null;
        });
        if (lag !== null) {
          parts.push(
            family(
              'syncline_watermark_lag_xids',
              'gauge',
              'Transaction ids between the delivery watermark (oldest running xid) and the next xid; grows behind a long or orphaned transaction.',
              [`syncline_watermark_lag_xids ${lag.xids}`],
            ),
            family(
              'syncline_oldest_writer_age_seconds',
              'gauge',
              'Age of the oldest open transaction holding an xid (prepared ones included); pulls wait for it.',
              [`syncline_oldest_writer_age_seconds ${(lag.oldestWriterAgeMs / 1000).toFixed(3)}`],
            ),
          );
        }
      }
      return `${parts.join('\n')}\n`;
    },
  };
}

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the store did not answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Sync routes the handler answers; a path ending in one of these and not answered 404 is a real route. */
const SYNC_ROUTE = /\/(push|pull|info)$/;

/**
 * The `route` label of a request: its path when it names a route the listener or handler served,
 * else `other`, so that scanning random paths cannot grow the series without bound.
 */
export function routeLabel(pathname: string | null, status: number, known: ReadonlySet<string>): string {
  if (pathname === null) return 'other';
  if (known.has(pathname)) return pathname;
  return status !== 404 && SYNC_ROUTE.test(pathname) ? pathname : 'other';
}
