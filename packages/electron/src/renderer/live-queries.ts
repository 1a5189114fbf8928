import { reviveError } from '../errors.ts';
import type { MainMessage } from '../protocol.ts';
import type { Connection } from './connection.ts';

interface Watcher {
  cb: (rows: unknown[]) => void;
  onError: (error: unknown) => void;
}

interface Live {
  id: number;
  key: string;
  /** The last result main sent, mirrored so a new watcher of the same query has it at once. */
  rows: unknown[] | undefined;
  watchers: Set<Watcher>;
}

/**
 * The renderer's live queries. One query (collection + query JSON) runs once in main however
 * many components watch it; main streams its results, and the last one is kept here, so a
 * second watcher (another component, a StrictMode re-mount) gets it without a round trip. The
 * last watcher to stop ends the query in main.
 */
export class LiveQueries {
  private readonly byKey = new Map<string, Live>();
  private readonly byId = new Map<number, Live>();

  constructor(
    private readonly connection: Connection,
    private readonly defaultOnError: (error: unknown) => void,
  ) {}

  /** How many distinct queries run in main for this renderer. */
  get size(): number {
    return this.byKey.size;
  }

  watch(
    collection: string,
    query: object | undefined,
    cb: (rows: unknown[]) => void,
    onError?: (error: unknown) => void,
  ): () => void {
    const ended = this.connection.error;
    if (ended) {
      // A query started after the bridge closed: its one answer is the reason.
      const report = onError ?? this.defaultOnError;
      queueMicrotask(() => report(ended));
      return () => {};
    }
    const q = query ?? {};
    const key = `${collection}\u0000${JSON.stringify(q)}`;
    let live = this.byKey.get(key);
    if (!live) {
      live = { id: this.connection.id(), key, rows: undefined, watchers: new Set() };
      this.byKey.set(key, live);
      this.byId.set(live.id, live);
      this.connection.send({ t: 'watch', id: live.id, collection, query: q });
    }
    const watcher: Watcher = { cb, onError: onError ?? this.defaultOnError };
    live.watchers.add(watcher);
    const known = live.rows;
    // Asynchronously, as the engine's own watch delivers its first result.
    if (known !== undefined) queueMicrotask(() => live.watchers.has(watcher) && watcher.cb(known));
    return () => {
      if (!live.watchers.delete(watcher) || live.watchers.size > 0) return;
      this.byKey.delete(key);
      this.byId.delete(live.id);
      this.connection.send({ t: 'unwatch', id: live.id });
    };
  }

  /** Routes a `rows` or `watch-error` message; returns whether it was one. */
  receive(m: MainMessage): boolean {
    if (m.t !== 'rows' && m.t !== 'watch-error') return false;
    const live = this.byId.get(m.id);
    if (!live) return true;
    if (m.t === 'rows') {
      live.rows = m.rows;
      for (const w of [...live.watchers]) w.cb(m.rows);
    } else {
      const error = reviveError(m.error);
      for (const w of [...live.watchers]) w.onError(error);
    }
    return true;
  }

  /** The connection is gone: every watcher hears it once. */
  fail(error: unknown): void {
    for (const live of this.byKey.values()) for (const w of [...live.watchers]) w.onError(error);
    this.byKey.clear();
    this.byId.clear();
  }
}
