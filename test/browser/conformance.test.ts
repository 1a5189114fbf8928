/**
 * The LocalStore conformance suite in real Chromium: the suite is bundled with `vitest` aliased
 * to a small in-page shim, run in a page on its real IndexedDB, and each scenario's outcome is
 * reported here as one Vitest test (docs/decisions/0006-browser-tests.md).
 */
import { describe, expect, test } from 'vitest';
import { buildPages } from './helpers/build.ts';
import { hasChromium, launch, SKIP_REASON } from './helpers/chromium.ts';
import { serveOrigin } from './helpers/serve.ts';
import type { TestResult } from './pages/vitest-shim.ts';

async function runInChromium(): Promise<TestResult[]> {
  const files = await buildPages();
  const origin = await serveOrigin(files, null);
  const browser = await launch();
  try {
    const page = await browser.newPage();
    await page.goto(`${origin.url}/conformance.html`);
    return await page.evaluate(() => window.conformance);
  } finally {
    await browser.close();
    await origin.close();
  }
}

// Collected before the tests are declared, so each in-browser scenario becomes one named test.
const results = hasChromium ? await runInChromium() : [];

describe.skipIf(!hasChromium)('LocalStore conformance in Chromium', () => {
  test('the page ran the suite', () => {
    expect(results.length).toBeGreaterThan(20);
  });
  for (const r of results) {
    test.skipIf(r.status === 'skipped')(`${r.name} (${r.ms} ms in Chromium)`, () => {
      if (r.status === 'failed') throw new Error(r.error);
    });
  }
});

if (!hasChromium) test.skip(`LocalStore conformance in Chromium ${SKIP_REASON}`, () => {});
