/**
 * The realtime socket in real Chromium, two tabs of one origin: only the leader tab opens a
 * socket; the follower shows the leader's `realtime`, `connected` and `lastSyncedAt`; a poke
 * reaches both tabs' live queries; when the leader tab closes, the new leader opens its own
 * socket and shows its own status. The socket endpoint is the STAND-IN of the wire contract
 * (`test/helpers/socket-stand-in.ts`) until the server's `/sync/ws` is merged; push and pull go
 * to a real sync server on the page's origin.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { standInSocketServer } from '../helpers/socket-stand-in.ts';
import { hasChromium, launch, SKIP_REASON } from './helpers/chromium.ts';
import { appOrigin } from './helpers/origin.ts';

describe.skipIf(!hasChromium)('realtime socket in the leader tab (Chromium)', () => {
  let app: Awaited<ReturnType<typeof appOrigin>>;
  let stand: Awaited<ReturnType<typeof standInSocketServer>>;
  let browser: Browser;
  let tabs: Page[] = [];

  beforeAll(async () => {
    app = await appOrigin();
    stand = await standInSocketServer();
    browser = await launch();
    const context = await browser.newContext();
    const url = `${app.origin.url}/realtime.html?db=rt&token=${app.token}&ws=${encodeURIComponent(stand.url)}`;
    for (let i = 0; i < 2; i++) {
      const page = await context.newPage();
      await page.goto(url);
      await page.waitForFunction(() => window.rt?.state.ready || window.rt?.state.errors.length);
      expect(await page.evaluate(() => window.rt.state.errors)).toEqual([]);
      tabs.push(page);
    }
  });

  afterAll(async () => {
    await browser?.close();
    await stand?.close();
    await app?.close();
  });

  test("one socket, the leader's; the follower shows the leader's realtime, connected and lastSyncedAt", async () => {
    const [leader, follower] = tabs as [Page, Page];
    await leader.waitForFunction(() => window.rt.state.leader && window.rt.state.status?.realtime);
    await follower.waitForFunction(() => window.rt.state.status?.realtime === true);
    expect(await follower.evaluate(() => window.rt.state.leader)).toBe(false);
    const shown = (p: Page) =>
      p.evaluate(() => {
        const s = window.rt.state.status!;
        return { realtime: s.realtime, connected: s.connected, lastSyncedAt: s.lastSyncedAt };
      });
    const fromLeader = await shown(leader);
    expect(fromLeader).toMatchObject({ realtime: true, connected: true });
    await expect.poll(() => shown(follower)).toEqual(await shown(leader));
    expect(stand.connections).toHaveLength(1);
  });

  test('a poke brings a change made elsewhere into both tabs', async () => {
    // Another device writes through the server; the stand-in pokes (the real server will do it itself).
    const res = await fetch(`${app.origin.url}/sync/push`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${app.token}` },
      body: JSON.stringify({
        protocol: 3,
        clientId: 'other-device',
        mutations: [
          {
            seq: 1,
            collection: 'notes',
            id: '01900000-0000-7000-8000-000000000001',
            op: 'insert',
            data: { ownerId: 'u1', title: 'from elsewhere', body: '', n: 0 },
          },
        ],
      }),
    });
    expect(res.status).toBe(200);
    expect(stand.poke(['notes'])).toBe(1);
    for (const p of tabs)
      await p.waitForFunction(() => window.rt.state.titles.includes('from elsewhere'), undefined, {
        timeout: 5_000,
      });
  });

  test('when the leader tab closes, the new leader opens its own socket and shows its own status', async () => {
    const [leader, follower] = tabs as [Page, Page];
    const hellosBefore = stand.hellos.length;
    await leader.close();
    tabs = [follower];
    await follower.waitForFunction(() => window.rt.state.leader && window.rt.state.status?.realtime);
    expect(stand.hellos.length).toBe(hellosBefore + 1);
    await expect.poll(() => stand.connections.length).toBe(1);
  });
});

if (!hasChromium) test.skip(`realtime socket in the leader tab ${SKIP_REASON}`, () => {});
