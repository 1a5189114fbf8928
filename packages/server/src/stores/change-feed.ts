/**
 * Pieces shared by the stores' change feeds (decision 0013): the subscriber list, which starts
 * the store's tailing with the first subscriber and stops it with the last, and the mapping of
 * gone-markers' recorded values back to camelCase columns.
 */
import type { CollectionDef, SchemaDef } from '@syncline/core';
import { toSnake } from '@syncline/core/internal';
import type { StoreChange, SubscribeOptions } from './types.ts';

type Listener = (changes: StoreChange[]) => void;

/** A store's subscribers; `start` runs on the first subscription, `stop` after the last ends. */
export interface FeedSubscribers {
  subscribe(listener: Listener, options?: SubscribeOptions): () => void;
  /** Delivers one batch to every subscriber; a throwing listener is reported to its own `onError`. */
  emit(changes: StoreChange[]): void;
  /** Reports a failed feed read to every subscriber. */
  fail(error: unknown): void;
  /** The feed has its starting point: tells every subscriber that was not told yet (`onReady`). */
  ready(): void;
  /**
   * The columns the subscribers ask for together (their `columns` options merged, `'all'` wins),
   * or null when one of them asks for whole rows of every collection.
   */
  columns(): Record<string, readonly string[] | 'all'> | null;
  readonly size: number;
}

export function feedSubscribers(start: () => void, stop: () => void): FeedSubscribers {
  const subs = new Set<{ listener: Listener; options: SubscribeOptions; told: boolean }>();
  let started = false;
  return {
    subscribe(listener, options = {}) {
      const sub = { listener, options, told: false };
      subs.add(sub);
      if (subs.size === 1) {
        started = false;
        start();
      } else if (started) {
        // The feed already runs from an earlier starting point: everything after now is covered.
        sub.told = true;
        queueMicrotask(() => options.onReady?.());
      }
      let done = false;
      return () => {
        if (done) return;
        done = true;
        subs.delete(sub);
        if (subs.size === 0) stop();
      };
    },
    emit(changes) {
      if (changes.length === 0) return;
      for (const s of [...subs]) {
        try {
          s.listener(changes);
        } catch (error) {
          s.options.onError?.(error);
        }
      }
    },
    ready() {
      started = true;
      for (const s of [...subs]) {
        if (s.told) continue;
        s.told = true;
        s.options.onReady?.();
      }
    },
    fail(error) {
      for (const s of [...subs]) s.options.onError?.(error);
    },
    columns() {
      const out: Record<string, readonly string[] | 'all'> = {};
      for (const { options } of subs) {
        if (!options.columns) return null;
        for (const [collection, wanted] of Object.entries(options.columns)) {
          const had = out[collection];
          out[collection] =
            had === 'all' || wanted === 'all' ? 'all' : [...new Set([...(had ?? []), ...wanted])].sort();
        }
      }
      return out;
    },
    get size() {
      return subs.size;
    },
  };
}

/** Collections by their table name (gone-markers record the table name). */
export function collectionsByTable(schema: SchemaDef): Map<string, CollectionDef> {
  return new Map(Object.values(schema.collections).map((c) => [toSnake(c.name), c]));
}

/** A gone-marker's recorded values (snake_case) as camelCase columns of `col`, plus `id`. */
export function goneValues(col: CollectionDef, id: string, old: unknown): Record<string, unknown> {
  const raw = (typeof old === 'string' ? safeJson(old) : old) as Record<string, unknown> | null;
  const out: Record<string, unknown> = { id };
  if (!raw || typeof raw !== 'object') return out;
  for (const name of Object.keys(col.columns)) {
    const snake = toSnake(name);
    if (Object.hasOwn(raw, snake)) out[name] = raw[snake];
  }
  return out;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
