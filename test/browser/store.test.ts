/**
 * IndexedDB store behaviour only a real browser shows: durability and persistence. (A quota test
 * would belong here too, but CDP's Storage.overrideQuotaForOrigin has no effect on this Chromium's
 * estimate or writes; quota mapping is unit-tested in packages/store-indexeddb.)
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildPages } from './helpers/build.ts';
import { hasChromium, launch, SKIP_REASON } from './helpers/chromium.ts';
import { serveOrigin, type TestOrigin } from './helpers/serve.ts';

describe.skipIf(!hasChromium)('IndexedDB store in Chromium', () => {
  let browser: Browser;
  let origin: TestOrigin;
  let page: Page;

  beforeAll(async () => {
    origin = await serveOrigin(await buildPages(), null);
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
    await origin?.close();
  });

  const open = async () => {
    page = await (await browser.newContext()).newPage();
    await page.goto(`${origin.url}/conformance.html#kit`);
  };

  test('writes use strict durability, reads are readonly; persistent storage is requested', async () => {
    await open();
    const seen = await page.evaluate(async () => {
      window.kit.durabilities.length = 0;
      const store = window.kit.createIndexedDbStore({ name: 'durability' });
      await store.open(window.kit.schema);
      await store.write((tx) => tx.setMeta('k', 1));
      await store.read((tx) => tx.getMeta('k'));
      const persisted = await store.persisted();
      await store.close();
      return { durabilities: [...window.kit.durabilities], persisted };
    });
    expect(seen.durabilities).toEqual(['readwrite:strict', 'readwrite:strict', 'readonly:default']);
    expect(typeof seen.persisted).toBe('boolean');
  });
});

if (!hasChromium) test.skip(`IndexedDB store in Chromium ${SKIP_REASON}`, () => {});
