import type { Transport } from '@syncline/client';
import { SynclineError } from '@syncline/core';
import { expect, test } from 'vitest';
import { electronNetwork } from './network.ts';

/** A fake of Electron's `net`, whose answer the test sets. */
function fakeNet(online: boolean) {
  return {
    online,
    isOnline() {
      return this.online;
    },
  };
}

const answered: Transport = { request: async () => ({ status: 200, body: {}, headers: {} }) };
const unreachable: Transport = {
  request: async () => {
    throw new SynclineError('network', 'Could not reach the server.', { retryable: true });
  },
};

test('starts from net.isOnline() and follows the online/offline events renderers forward', () => {
  const net = fakeNet(false);
  const network = electronNetwork({ net });
  const seen: boolean[] = [];
  network.subscribe((online) => seen.push(online));
  expect(network.online).toBe(false);
  network.report(true);
  network.report(true);
  network.report(false);
  expect(seen).toEqual([true, false]);
});

test('a request that reached the server proves the machine online; one that failed re-reads net', async () => {
  const net = fakeNet(false);
  const network = electronNetwork({ net });
  expect(network.reachable).toBeNull();
  await network.observe(answered).request('/pull', { body: {} } as never);
  expect([network.online, network.reachable]).toEqual([true, true]);

  net.online = false;
  await expect(network.observe(unreachable).request('/pull', {} as never)).rejects.toThrow('Could not reach');
  expect([network.online, network.reachable]).toEqual([false, false]);
  net.online = true;
  network.check();
  expect(network.online).toBe(true);
});

test('a net that throws (before app ready) counts as online; requests tell the rest', () => {
  const network = electronNetwork({
    net: {
      isOnline() {
        throw new Error('net is not ready');
      },
    },
  });
  expect(network.online).toBe(true);
});
