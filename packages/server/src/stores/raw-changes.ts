/**
 * A pull page's changes as JSON text (decision 0033): the store hands each record's wire JSON as
 * the database built it, and the handler writes the page without a JS record per row and without
 * `JSON.stringify`. `changes` of such a page is parsed from the text only when someone reads it.
 */
import type { WireRecord } from '@syncline/core';
import type { RawChanges, StorePullResult } from './types.ts';

type Page = StorePullResult['collections'][string];

/** The records of `raw`, parsed from its text. */
export function parseRaw(raw: RawChanges): WireRecord[] {
  const text = typeof raw.json === 'string' ? raw.json : new TextDecoder().decode(raw.json);
  return JSON.parse(text) as WireRecord[];
}

/**
 * A store page whose `changes` is read from `raw` on first use (then kept), so a caller that only
 * writes the text never builds the records, and one that reads `changes` sees the same records.
 */
export function rawPage(raw: RawChanges, rest: Omit<Page, 'changes' | 'raw'>): Page {
  const page = { ...rest, raw } as Page;
  Object.defineProperty(page, 'changes', {
    configurable: true,
    enumerable: true,
    get(this: Page) {
      const changes = parseRaw(raw);
      Object.defineProperty(this, 'changes', {
        value: changes,
        writable: true,
        enumerable: true,
        configurable: true,
      });
      return changes;
    },
    set(this: Page, value: WireRecord[]) {
      // Replacing the records drops the text, which no longer says the same thing.
      Object.defineProperty(this, 'changes', { value, writable: true, enumerable: true, configurable: true });
      delete this.raw;
    },
  });
  return page;
}
