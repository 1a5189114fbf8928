import type { Transport } from '@syncline/client';
import { SynclineError } from '@syncline/core';
import { describe, expect, test } from 'vitest';
import { type NetInfoLike, type NetInfoStateLike, netInfoNetwork, netInfoOnline } from './netinfo-network.ts';

/**
 * A fake of NetInfo's default export (`addEventListener`, `fetch`), driven by the test. The
 * states below follow `@react-native-community/netinfo` 12's documented `NetInfoState` union:
 * `NetInfoUnknownState` (`type: 'unknown'`, `isConnected: boolean | null`,
 * `isInternetReachable: null`), `NetInfoNoConnectionState` (`type: 'none'`, both false), and the
 * connected states (`isConnected: true`, `isInternetReachable: boolean | null`).
 */
function fakeNetInfo(first?: NetInfoStateLike) {
  const listeners = new Set<(s: NetInfoStateLike) => void>();
  let resolveFetch: (s: NetInfoStateLike) => void = () => {};
  const netInfo: NetInfoLike = {
    addEventListener(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    fetch: () =>
      first
        ? Promise.resolve(first)
        : new Promise((resolve) => {
            resolveFetch = resolve;
          }),
  };
  return {
    netInfo,
    emit: (s: NetInfoStateLike) => {
      for (const l of [...listeners]) l(s);
    },
    answerFetch: (s: NetInfoStateLike) => resolveFetch(s),
    listeners: () => listeners.size,
  };
}

const CONNECTED_TYPES = ['wifi', 'cellular', 'ethernet', 'bluetooth', 'wimax', 'vpn', 'other'] as const;

describe('netInfoOnline maps every documented NetInfo state', () => {
  const cases: Array<[NetInfoStateLike, boolean]> = [
    // Before NetInfo knows anything: unknown is not offline.
    [{ type: 'unknown', isConnected: null, isInternetReachable: null }, true],
    [{ type: 'unknown', isConnected: true, isInternetReachable: null }, true],
    [{ type: 'unknown', isConnected: false, isInternetReachable: null }, false],
    [{ type: 'none', isConnected: false, isInternetReachable: false }, false],
    ...CONNECTED_TYPES.flatMap(
      (type): Array<[NetInfoStateLike, boolean]> => [
        [{ type, isConnected: true, isInternetReachable: true }, true],
        // A link but NetInfo's reachability check failed: offline (requests would not get through).
        [{ type, isConnected: true, isInternetReachable: false }, false],
        // The reachability check has not answered yet.
        [{ type, isConnected: true, isInternetReachable: null }, true],
      ],
    ),
    // Versions that leave isInternetReachable out until known.
    [{ type: 'wifi', isConnected: true }, true],
    [{ type: 'wifi', isConnected: true, isInternetReachable: undefined }, true],
  ];
  test.each(cases)('%j → online %s', (state, online) => {
    expect(netInfoOnline(state)).toBe(online);
  });
});

describe('netInfoNetwork on a fake NetInfo', () => {
  test('starts online (unknown), takes the fetched state, then follows every listener update', async () => {
    const fake = fakeNetInfo({ type: 'none', isConnected: false, isInternetReachable: false });
    const network = netInfoNetwork(fake.netInfo);
    const seen: boolean[] = [];
    network.subscribe((online) => seen.push(online));
    expect(network.online).toBe(true);
    expect(network.state).toBeNull();
    await Promise.resolve();
    expect(network.online).toBe(false);
    fake.emit({ type: 'wifi', isConnected: true, isInternetReachable: null });
    fake.emit({ type: 'wifi', isConnected: true, isInternetReachable: true });
    fake.emit({ type: 'wifi', isConnected: true, isInternetReachable: false });
    fake.emit({ type: 'cellular', isConnected: true, isInternetReachable: true });
    expect(seen).toEqual([false, true, false, true]);
    expect(network.state).toEqual({ type: 'cellular', isConnected: true, isInternetReachable: true });
  });

  test('a fetch answered after a listener update does not overwrite the newer state', async () => {
    const fake = fakeNetInfo();
    const network = netInfoNetwork(fake.netInfo);
    fake.emit({ type: 'wifi', isConnected: true, isInternetReachable: true });
    fake.answerFetch({ type: 'none', isConnected: false, isInternetReachable: false });
    await Promise.resolve();
    expect(network.online).toBe(true);
  });

  test('dispose stops listening to NetInfo and to subscribers', () => {
    const fake = fakeNetInfo({ type: 'wifi', isConnected: true, isInternetReachable: true });
    const network = netInfoNetwork(fake.netInfo);
    const seen: boolean[] = [];
    network.subscribe((online) => seen.push(online));
    network.dispose();
    expect(fake.listeners()).toBe(0);
    fake.emit({ type: 'none', isConnected: false, isInternetReachable: false });
    expect(seen).toEqual([]);
  });

  test('reachability comes from real requests; a response proves a failed reachability check wrong', async () => {
    const fake = fakeNetInfo();
    const network = netInfoNetwork(fake.netInfo);
    let fail = true;
    const inner: Transport = {
      async request() {
        if (fail) throw new SynclineError('network', 'connection refused', { retryable: true });
        return { status: 200, body: {}, headers: {} };
      },
    };
    const transport = network.observe(inner);
    expect(network.reachable).toBeNull();
    await expect(transport.request('/info', { method: 'GET', token: null })).rejects.toMatchObject({
      code: 'network',
    });
    expect(network.reachable).toBe(false);
    // NetInfo's own check (its URL blocked on this network) says unreachable…
    fake.emit({ type: 'wifi', isConnected: true, isInternetReachable: false });
    expect(network.online).toBe(false);
    // …but the sync server answers: online until NetInfo's next word.
    fail = false;
    await transport.request('/info', { method: 'GET', token: null });
    expect(network.reachable).toBe(true);
    expect(network.online).toBe(true);
    fake.emit({ type: 'none', isConnected: false, isInternetReachable: false });
    expect(network.online).toBe(false);
  });

  test('a response to a request sent before NetInfo reported offline does not turn the monitor online', async () => {
    const fake = fakeNetInfo();
    const network = netInfoNetwork(fake.netInfo);
    fake.emit({ type: 'wifi', isConnected: true, isInternetReachable: false });
    let answer: () => void = () => {};
    const transport = network.observe({
      request: () =>
        new Promise((resolve) => {
          answer = () => resolve({ status: 200, body: {}, headers: {} });
        }),
    });
    const pending = transport.request('/info', { method: 'GET', token: null });
    fake.emit({ type: 'none', isConnected: false, isInternetReachable: false });
    answer();
    await pending;
    expect(network.online).toBe(false);
  });
});
