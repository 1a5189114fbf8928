/**
 * Driving the demo app in Chromium: one browser context (a fresh profile) per user, signed in
 * through the app's own sign-in screen, with its WebSockets recorded so a test can tell whether
 * the client closed its realtime socket.
 */
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Locator, Page, WebSocket } from 'playwright-core';

/** Where the tests save their screenshots (`npm run screenshots` copies them to docs/). */
export const SCREENSHOTS = process.env.SYNCLINE_SCREENSHOTS ?? join(tmpdir(), 'syncline-demo-screenshots');

/** Saves a screenshot of `page` as `<name>.png` in {@link SCREENSHOTS}; returns the PNG. */
export async function screenshot(page: Page, name: string): Promise<Buffer> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  return await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });
}

/** A signed-in user's window. */
export interface UserWindow {
  user: string;
  context: BrowserContext;
  page: Page;
  /** Every WebSocket the page opened, oldest first. */
  sockets: WebSocket[];
}

/** Opens a fresh profile for `user`, signs in by picking the name, and waits for the app. */
export async function openAs(
  browser: Browser,
  url: string,
  user: string,
  initScript?: string,
): Promise<UserWindow> {
  const context = await browser.newContext({ viewport: { width: 900, height: 560 } });
  if (initScript !== undefined) await context.addInitScript(initScript);
  const page = await context.newPage();
  const sockets: WebSocket[] = [];
  page.on('websocket', (ws) => sockets.push(ws));
  await page.goto(url);
  await page.getByLabel('Your name').fill(user);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('user').waitFor();
  return { user, context, page, sockets };
}

/** The row of the task titled `title`. */
export function task(page: Page, title: string): Locator {
  return page.locator(`li[data-testid="task"][data-title="${title}"]`);
}

/** Renames a task through its title input (saved on Enter). */
export async function rename(page: Page, from: string, to: string): Promise<void> {
  const input = task(page, from).locator('input.title');
  await input.fill(to);
  await input.press('Enter');
  await task(page, to).waitFor();
}

/** Resolves once the service worker controls the page (so a reload offline opens the shell). */
export async function controlledByServiceWorker(page: Page): Promise<void> {
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
}

/** Resolves once the sync panel says the realtime socket is open. */
export async function realtimeOpen(page: Page): Promise<void> {
  await page.getByTestId('sync-realtime').filter({ hasText: 'socket open' }).waitFor();
}

/** Milliseconds `action` took. */
export async function timed(action: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await action();
  return Math.round(performance.now() - started);
}

/** A page showing two windows' screenshots side by side, screenshotted as `name`. */
export async function sideBySide(browser: Browser, left: Buffer, right: Buffer, name: string): Promise<void> {
  const page = await browser.newPage({ viewport: { width: 1820, height: 600 } });
  const img = (png: Buffer, label: string) =>
    `<figure><figcaption>${label}</figcaption><img src="data:image/png;base64,${png.toString('base64')}"></figure>`;
  await page.setContent(
    `<style>body{margin:0;display:flex;gap:20px;padding:0 0 0 0;background:#d9dde3;font:14px system-ui}
     figure{margin:0}figcaption{padding:4px 8px;background:#444;color:#fff}img{display:block;width:900px}</style>
     ${img(left, 'alice')}${img(right, 'bob')}`,
  );
  await page
    .locator('img')
    .last()
    .evaluate((el: HTMLImageElement) => el.decode());
  await screenshot(page, name);
  await page.close();
}
