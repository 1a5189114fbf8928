import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Whether Debian's chromium is installed (.ci/run installs it); browser tests skip without it. */
export const hasChromium = existsSync(CHROMIUM);
/** Appended to skipped test names so the reason shows in the report. */
export const SKIP_REASON = `(skipped: no chromium at ${CHROMIUM}; .ci/run installs it with apt-get)`;

export function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}
