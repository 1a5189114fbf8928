/**
 * A scripted client with a fake WebSocket on a manual clock, for the realtime socket's trace
 * tests (`src/sync/socket*.test.ts`), and the waits they use.
 */
import { PROTOCOL_VERSION, type SynclineError } from '@syncline/core';
import { expect } from 'vitest';
import type { ClientOptions } from '../src/client.ts';
import { type FakeSocket, fakeSockets } from './fake-socket.ts';
import { defaultAnswer, type Script, scriptedClient } from './scripted.ts';

/** Lets queued promise work run (no timers involved): the engine's work is all promise-based. */
export async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 2000 && !cond(); i++) await new Promise<void>((r) => setImmediate(r));
  expect(cond()).toBe(true);
}

/** Runs queued promise work for a while (for "nothing more happens" checks). */
export async function settle(): Promise<void> {
  for (let i = 0; i < 50; i++) await new Promise<void>((r) => setImmediate(r));
}

export const HOUR = 3_600_000;

/**
 * A scripted client with a fake WebSocket and a slow poll of an hour (so every run below is
 * the socket's doing unless the test advances the clock past it).
 */
export async function setupRealtime(
  script: Script = defaultAnswer,
  opts: { tokens?: string[]; random?: () => number; client?: Partial<ClientOptions<never>> } = {},
) {
  const fake = fakeSockets();
  const c = scriptedClient(script, {
    ...opts,
    client: {
      realtime: { url: 'ws://sync.test/sync/ws', WebSocket: fake.WebSocket },
      pollIntervalMs: HOUR,
      ...opts.client,
    },
  });
  const errors: SynclineError[] = [];
  c.on('error', (e) => errors.push(e));
  const pulls = () => c.calls.filter((x) => x.path === '/pull');
  await c.start();
  c.clock.advance(0);
  await until(() => c.status.lastSyncedAt !== null && c.status.phase === 'idle');
  await until(() => fake.sockets.length === 1);
  return { c, fake, errors, pulls };
}

export function welcome(s: FakeSocket, heartbeatMs = 25_000): void {
  s.accept();
  s.message({ type: 'welcome', protocol: PROTOCOL_VERSION, heartbeatMs });
}

/** Delay of the earliest timer (the socket's reconnect, while the poll is an hour away). */
export function nextDelay(c: { clock: { now(): number; pending(): number[] } }): number {
  return c.clock.pending()[0]! - c.clock.now();
}
