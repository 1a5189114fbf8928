import { describe, expect, test } from 'vitest';
import { addressKey, clientAddress, proxyHops } from './client-address.ts';
import { createRateLimiter } from './token-bucket.ts';

describe('token buckets', () => {
  test('a burst, then one request per 1/perSecond; Retry-After is the whole seconds until one is back', () => {
    let now = 0;
    const limiter = createRateLimiter({ perSecond: 0.25, burst: 2 }, { now: () => now });
    expect([limiter.take('a'), limiter.take('a')]).toEqual([{ ok: true }, { ok: true }]);
    expect(limiter.take('a')).toEqual({ ok: false, retryAfterSeconds: 4 });
    now += 1000; // a quarter of a request back: 3 s to go
    expect(limiter.take('a')).toEqual({ ok: false, retryAfterSeconds: 3 });
    now += 3000;
    expect(limiter.take('a')).toEqual({ ok: true });
    expect(limiter.take('b')).toEqual({ ok: true }); // keys are independent
  });

  test('memory is bounded: refilled buckets are dropped first, then the oldest keys', () => {
    let now = 0;
    const limiter = createRateLimiter({ perSecond: 1, burst: 1 }, { now: () => now, maxKeys: 4 });
    for (const key of ['a', 'b', 'c', 'd']) limiter.take(key);
    now += 1000; // all four refilled
    limiter.take('e');
    expect(limiter.size).toBe(1);
    for (const key of ['f', 'g', 'h']) limiter.take(key);
    limiter.take('i'); // none refilled: the oldest half is forgotten
    expect(limiter.size).toBeLessThanOrEqual(3);
    expect(limiter.take('i')).toEqual({ ok: false, retryAfterSeconds: 1 }); // the newest is kept
  });
});

describe('client address', () => {
  test('the TCP peer unless proxies are trusted; then counted from the right of X-Forwarded-For', () => {
    expect(clientAddress('10.0.0.2', '203.0.113.7', 0)).toBe('10.0.0.2');
    expect(clientAddress('10.0.0.2', '198.51.100.1, 203.0.113.7', 1)).toBe('203.0.113.7');
    expect(clientAddress('10.0.0.2', ['198.51.100.1, 203.0.113.7', '10.0.0.9'], 2)).toBe('203.0.113.7');
    // Fewer entries than proxies, or an entry that is no address: the peer.
    expect(clientAddress('10.0.0.2', '203.0.113.7', 2)).toBe('10.0.0.2');
    expect(clientAddress('10.0.0.2', 'evil', 1)).toBe('10.0.0.2');
    expect(proxyHops(true)).toBe(1);
    expect(proxyHops(false)).toBe(0);
    expect(() => proxyHops(1.5)).toThrow(/trustProxy must be/);
  });

  test('bucket keys: IPv4 as is (also IPv4-mapped), IPv6 by its /64', () => {
    expect(addressKey('203.0.113.7')).toBe('203.0.113.7');
    expect(addressKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(addressKey('2001:db8:1:2:3:4:5:6')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8:1:2::9')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:0DB8:0001:0002:ffff::1%eth0')).toBe('2001:db8:1:2::/64');
    expect(addressKey('::1')).toBe('0:0:0:0::/64');
  });
});
