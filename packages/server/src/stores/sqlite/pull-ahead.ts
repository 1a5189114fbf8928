/**
 * The next pull page read ahead (decision 0029): after a page that has more, the store reads the
 * page its cursor leads to while the client parses this one, and answers that request from it —
 * only while the database is unchanged since the read, so the answer is the page a fresh read
 * would give.
 *
 * "Unchanged" is `(PRAGMA data_version, total_changes(), PRAGMA schema_version)`: data_version
 * moves when another connection commits, total_changes() when this connection writes a row (an
 * app trigger's too), schema_version on DDL. Any write between the read ahead and the request
 * drops it, so paging stays exactly that of fresh reads (never a skipped or stale row).
 */
import type Database from 'better-sqlite3';
import type { StorePullRequest, StorePullResult } from '../types.ts';

/** Pages kept at once (one per client in an initial sync); the oldest goes first. */
const MAX_AHEAD = 8;
/** A page read ahead and not asked for within this long is dropped. */
const AHEAD_TTL_MS = 10_000;

interface Ahead {
  marker: string;
  result: StorePullResult;
  at: number;
}

/** What identifies the database's content on this connection now. */
export function changeMarker(db: Database.Database): string {
  // Read on every pull: one statement, prepared once per connection.
  let stmt = markerReads.get(db);
  if (stmt === undefined) {
    stmt = db
      .prepare(
        `SELECT (SELECT data_version FROM pragma_data_version) || ':' ||
           (SELECT schema_version FROM pragma_schema_version) || ':' || total_changes()`,
      )
      .pluck();
    markerReads.set(db, stmt);
  }
  return stmt.get() as string;
}

const markerReads = new WeakMap<Database.Database, Database.Statement>();

/** The request a client sends after `result`: the same reads, each from its new position. */
export function nextRequest(request: StorePullRequest, result: StorePullResult): StorePullRequest {
  return {
    limit: request.limit,
    collections: request.collections.map((c) => ({
      ...c,
      position: result.collections[c.key ?? c.name]?.position ?? c.position,
    })),
  };
}

/** A request's identity: its limit and reads (scopes as the handler builds them), as JSON text. */
function keyOf(request: StorePullRequest): string {
  return JSON.stringify([
    request.limit,
    request.collections.map((c) => [c.name, c.key ?? null, c.position, c.scope, c.visible ?? null]),
  ]);
}

/** Requests answered from a page read ahead, over every store of the process (tests, profiles). */
export const aheadStats = { hits: 0 };

export class PullAhead {
  private readonly pages = new Map<string, Ahead>();

  constructor(private readonly now: () => number = Date.now) {}

  /** The page read ahead for `request`, once, if the database is as it was then. */
  take(request: StorePullRequest, marker: string): StorePullResult | undefined {
    const key = keyOf(request);
    const ahead = this.pages.get(key);
    if (!ahead) return undefined;
    this.pages.delete(key);
    if (ahead.marker !== marker || this.now() - ahead.at > AHEAD_TTL_MS) return undefined;
    aheadStats.hits++;
    return ahead.result;
  }

  /** Keeps `result`, read at `marker`, as the answer to `request`. */
  put(request: StorePullRequest, marker: string, result: StorePullResult): void {
    const key = keyOf(request);
    this.pages.delete(key);
    while (this.pages.size >= MAX_AHEAD) this.pages.delete(this.pages.keys().next().value!);
    this.pages.set(key, { marker, result, at: this.now() });
  }

  /** Whether a page is kept for `request` (so it is not read twice). */
  has(request: StorePullRequest): boolean {
    return this.pages.has(keyOf(request));
  }

  clear(): void {
    this.pages.clear();
  }
}
