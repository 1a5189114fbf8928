/**
 * The browser bundle (client + store-indexeddb + web, as `npm run size` builds it) stays small and
 * browser-only: under the gzip limit, no Node built-in import, no server code or server driver.
 */
import { describe, expect, test } from 'vitest';
import { BROWSER_ENTRIES, GZIP_LIMIT_BYTES, measureBrowserBundle } from '../scripts/bundle-size.mjs';

describe('browser bundle', async () => {
  const bundle = await measureBrowserBundle();

  test(`is at most ${GZIP_LIMIT_BYTES / 1000} KB gzip`, () => {
    expect(bundle.gzipBytes).toBeGreaterThan(1000);
    expect(bundle.gzipBytes).toBeLessThanOrEqual(GZIP_LIMIT_BYTES);
  });

  test('imports no Node built-in', () => {
    expect(bundle.nodeImports).toEqual([]);
  });

  test('contains no server code, pg or better-sqlite3', () => {
    expect(bundle.inputs.some((p) => p.startsWith('packages/client/'))).toBe(true);
    expect(bundle.forbiddenInputs).toEqual([]);
    expect(bundle.failures).toEqual([]);
  });

  // The checks above would fail if a browser package reached the server: the same build with the
  // server added as if a browser package imported it is caught on all three counts.
  test('the checks catch server code reaching the bundle', async () => {
    const withServer = await measureBrowserBundle({
      entries: [
        ...BROWSER_ENTRIES,
        '@syncline/server',
        '@syncline/server/sqlite',
        '@syncline/server/postgres',
      ],
    });
    const why = new Set(withServer.forbiddenInputs.map((f) => f.why));
    expect([...why].sort()).toEqual([
      'better-sqlite3 (native, Node only)',
      'server code (packages/server)',
      'the PostgreSQL driver (pg)',
    ]);
    expect(withServer.nodeImports.map((n) => n.specifier)).toEqual(
      expect.arrayContaining(['node:crypto', 'node:http', 'fs']),
    );
    expect(withServer.gzipBytes).toBeGreaterThan(GZIP_LIMIT_BYTES);
    expect(withServer.failures.length).toBeGreaterThan(0);
  });
});
