/**
 * Background Sync in real Chromium: writes made offline are pushed by the service worker on the
 * `sync` event after every tab of the app has closed (done-criterion 3 of the web-platform issue).
 * The event is dispatched with the DevTools protocol's ServiceWorker.dispatchSyncEvent, as
 * Chromium would when the network comes back.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { hasChromium, launch, SKIP_REASON } from './helpers/chromium.ts';
import { appOrigin } from './helpers/origin.ts';

describe.skipIf(!hasChromium)('service worker Background Sync', () => {
  let app: Awaited<ReturnType<typeof appOrigin>>;
  let browser: Browser;

  beforeAll(async () => {
    app = await appOrigin();
    browser = await launch();
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  test('offline writes, every tab closed, network back, sync event: the server has the writes', async () => {
    const context = await browser.newContext();
    const tab = await context.newPage();
    await tab.goto(`${app.origin.url}/app.html?db=bg&token=${app.token}`);
    await tab.waitForFunction(() => window.app?.state.ready || window.app?.state.errors.length);
    expect(await tab.evaluate(() => window.app.state.errors)).toEqual([]);

    app.origin.down = true;
    await context.setOffline(true);
    await tab.waitForFunction(() => window.app.state.status?.online === false);
    const titles = ['bg-1', 'bg-2', 'bg-3'];
    for (const title of titles) await tab.evaluate((t) => window.app.insert(t), title);
    await tab.waitForFunction(() => window.app.state.status?.pending === 3);
    // The page registered a Background Sync because writes are waiting while offline.
    await tab.waitForFunction(async () => {
      const reg = (await navigator.serviceWorker.ready) as ServiceWorkerRegistration & {
        sync: { getTags(): Promise<string[]> };
      };
      return (await reg.sync.getTags()).includes('syncline-push');
    });
    await tab.close();

    // No tab of the origin is open now; the DevTools session lives on a blank page.
    app.origin.down = false;
    await context.setOffline(false);
    expect(await app.serverTitles('bg-')).toEqual([]);
    const blank = await context.newPage();
    const cdp = await context.newCDPSession(blank);
    const registrationId = new Promise<string>((resolve) => {
      cdp.on('ServiceWorker.workerRegistrationUpdated', ({ registrations }) => {
        const ours = registrations.find((r) => r.scopeURL === `${app.origin.url}/` && !r.isDeleted);
        if (ours) resolve(ours.registrationId);
      });
    });
    await cdp.send('ServiceWorker.enable');
    await cdp.send('ServiceWorker.dispatchSyncEvent', {
      origin: app.origin.url,
      registrationId: await registrationId,
      tag: 'syncline-push',
      lastChance: false,
    });
    await expect.poll(() => app.serverTitles('bg-'), { timeout: 20_000 }).toEqual(titles);

    // The outbox is empty afterwards: a tab opened now has nothing pending.
    const again = await context.newPage();
    await again.goto(`${app.origin.url}/app.html?db=bg&token=${app.token}`);
    await again.waitForFunction(() => window.app?.state.ready && window.app.state.status?.pending === 0);
    await context.close();
  });
});

if (!hasChromium) test.skip(`service worker Background Sync ${SKIP_REASON}`, () => {});
