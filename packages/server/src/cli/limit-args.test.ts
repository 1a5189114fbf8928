import { describe, expect, test } from 'vitest';
import { parseCommand } from './args.ts';
import { UsageError } from './errors.ts';
import { CLI_LIMIT_DEFAULTS, limitOptions, parseRateSpec } from './limit-args.ts';

const serveArgs = (...flags: string[]) => {
  const command = parseCommand(['serve', '--schema', './s.ts', ...flags]);
  if (command.kind !== 'serve') throw new Error('not serve');
  return command.args;
};

describe('limit flags of syncline serve', () => {
  test('rates: per second or minute, with or without burst, or off; mistakes say how to write one', () => {
    expect(parseRateSpec('20/s,burst=100', '--rate-limit')).toEqual({ perSecond: 20, burst: 100 });
    expect(parseRateSpec('600/m', '--rate-limit')).toEqual({ perSecond: 10, burst: 50 });
    expect(parseRateSpec('off', '--rate-limit')).toBe('off');
    expect(() => parseRateSpec('20 per second', '--rate-limit')).toThrow(
      new UsageError(
        '--rate-limit must be a rate such as 20/s,burst=100 or 600/m (requests per second or minute, optionally the burst), or "off"; got "20 per second".',
      ),
    );
    expect(() => parseRateSpec('0/s', '--rate-limit-ip')).toThrow(/--rate-limit-ip must be a rate/);
  });

  test('every flag parsed; --cors-origin repeats and is checked', () => {
    expect(
      serveArgs(
        '--rate-limit',
        '5/s,burst=10',
        '--rate-limit-ip',
        'off',
        '--trust-proxy',
        '1',
        '--cors-origin',
        'https://app.example.com',
        '--cors-origin',
        'http://localhost:5173',
        '--headers-timeout',
        '10s',
        '--body-idle-timeout',
        '0s',
        '--max-connections-per-ip',
        'off',
        '--metrics-token',
        'a-metrics-token-of-some-length',
      ),
    ).toMatchObject({
      rateLimit: { perSecond: 5, burst: 10 },
      rateLimitIp: 'off',
      trustProxy: 1,
      corsOrigins: ['https://app.example.com', 'http://localhost:5173'],
      headersTimeoutMs: 10_000,
      bodyIdleTimeoutMs: 0,
      maxConnectionsPerIp: 'off',
      metricsToken: 'a-metrics-token-of-some-length',
    });
    expect(() => serveArgs('--cors-origin', 'https://app.example.com/')).toThrow(
      /--cors-origin: CORS origin "https:\/\/app\.example\.com\/" is not an origin/,
    );
    expect(() => serveArgs('--trust-proxy', 'yes')).toThrow(
      /--trust-proxy must be the number of reverse proxies/,
    );
    expect(() => serveArgs('--max-connections-per-ip', '0')).toThrow(/at least 1 or "off"/);
    expect(() => parseCommand(['migrate', '--schema', 's.ts', '--rate-limit', 'off'])).toThrow(
      new UsageError('--rate-limit does not apply to "syncline migrate".'),
    );
  });

  test('defaults outside dev mode: rate limits, a connection cap, idle timeouts, /metrics off without a token', () => {
    const { options, banner } = limitOptions(serveArgs(), {}, false);
    expect(options).toEqual({
      rateLimit: { user: CLI_LIMIT_DEFAULTS.rateLimit, ip: CLI_LIMIT_DEFAULTS.rateLimitIp },
      headersTimeoutMs: 15_000,
      bodyIdleTimeoutMs: 15_000,
      maxConnectionsPerIp: 256,
      metrics: false,
    });
    expect(banner).toEqual([
      '  limits     100/s, burst 1000 per user; 5/s, burst 20 per address for refused tokens; 256 connections per address',
      '  timeouts   15s for headers, 15s of body silence',
      '  cors       same origin only (--cors-origin to allow others)',
    ]);
  });

  test('dev mode limits nothing unless asked and serves /metrics; a token from the environment protects it', () => {
    expect(limitOptions(serveArgs(), {}, true).options).toMatchObject({ rateLimit: false, metrics: true });
    expect(limitOptions(serveArgs(), {}, true).options.maxConnectionsPerIp).toBeUndefined();
    expect(limitOptions(serveArgs('--rate-limit', '1/s'), {}, true).options.rateLimit).toEqual({
      user: { perSecond: 1, burst: 5 },
    });
    const token = 'from-the-environment-0123';
    expect(limitOptions(serveArgs(), { SYNCLINE_METRICS_TOKEN: token }, false).options.metrics).toEqual({
      token,
    });
    expect(() => limitOptions(serveArgs(), { SYNCLINE_METRICS_TOKEN: 'short' }, false)).toThrow(
      /must be at least 16 characters/,
    );
  });

  test('--trust-proxy lifts the default connection cap (every connection is the proxy) unless one is given', () => {
    expect(limitOptions(serveArgs('--trust-proxy', '1'), {}, false).options).toMatchObject({ trustProxy: 1 });
    expect(
      limitOptions(serveArgs('--trust-proxy', '1'), {}, false).options.maxConnectionsPerIp,
    ).toBeUndefined();
    expect(
      limitOptions(serveArgs('--trust-proxy', '1', '--max-connections-per-ip', '50'), {}, false).options
        .maxConnectionsPerIp,
    ).toBe(50);
  });
});
