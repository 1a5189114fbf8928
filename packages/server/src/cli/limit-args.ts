/**
 * The limit flags of `syncline serve` (rate limits, CORS, timeouts, the connection cap, the
 * `/metrics` token) and the `listen()` options they become. The CLI turns limits on by default
 * outside dev mode; the library leaves them off (decision 0017).
 */
import type { RateSpec } from '../limits/token-bucket.ts';
import { createCors } from '../node/cors.ts';
import type { RateLimitOptions } from '../node/limits.ts';
import type { ListenOptions } from '../node/listen.ts';
import { formatDuration, parseDuration } from './duration.ts';
import { UsageError } from './errors.ts';

/** `syncline serve`'s defaults outside dev mode. */
export const CLI_LIMIT_DEFAULTS = {
  rateLimit: { perSecond: 100, burst: 1000 },
  rateLimitIp: { perSecond: 5, burst: 20 },
  maxConnectionsPerIp: 256,
  headersTimeoutMs: 15_000,
  bodyIdleTimeoutMs: 15_000,
} as const;

/** What the limit flags asked for; absent fields take the defaults. */
export interface LimitArgs {
  /** `--rate-limit`: per user on push and pull. */
  rateLimit?: RateSpec | 'off';
  /** `--rate-limit-ip`: per address, for refused tokens. */
  rateLimitIp?: RateSpec | 'off';
  /** `--trust-proxy <n>`: reverse proxies in front (X-Forwarded-For). */
  trustProxy?: number;
  /** `--cors-origin`, repeatable. */
  corsOrigins?: string[];
  /** `--headers-timeout`. */
  headersTimeoutMs?: number;
  /** `--body-idle-timeout` (0: off). */
  bodyIdleTimeoutMs?: number;
  /** `--max-connections-per-ip`. */
  maxConnectionsPerIp?: number | 'off';
  /** `--metrics-token` (else `SYNCLINE_METRICS_TOKEN`). */
  metricsToken?: string;
}

/** The parseArgs options of the limit flags. */
export const LIMIT_OPTIONS = {
  'rate-limit': { type: 'string' },
  'rate-limit-ip': { type: 'string' },
  'trust-proxy': { type: 'string' },
  'cors-origin': { type: 'string', multiple: true },
  'headers-timeout': { type: 'string' },
  'body-idle-timeout': { type: 'string' },
  'max-connections-per-ip': { type: 'string' },
  'metrics-token': { type: 'string' },
} as const;

export const LIMIT_FLAGS = Object.keys(LIMIT_OPTIONS) as Array<keyof typeof LIMIT_OPTIONS>;

type LimitValues = { [K in keyof typeof LIMIT_OPTIONS]?: K extends 'cors-origin' ? string[] : string };

/** Reads the limit flags; throws {@link UsageError} naming the flag and an example. */
export function limitArgs(values: LimitValues): LimitArgs {
  const args: LimitArgs = {};
  if (values['rate-limit'] !== undefined)
    args.rateLimit = parseRateSpec(values['rate-limit'], '--rate-limit');
  if (values['rate-limit-ip'] !== undefined)
    args.rateLimitIp = parseRateSpec(values['rate-limit-ip'], '--rate-limit-ip');
  if (values['trust-proxy'] !== undefined) {
    const text = values['trust-proxy'];
    const hops = /^\d{1,2}$/.test(text) ? Number(text) : Number.NaN;
    if (!(hops >= 0 && hops <= 32)) {
      throw new UsageError(
        `--trust-proxy must be the number of reverse proxies in front of the server (0–32), e.g. --trust-proxy 1, got "${text}".`,
      );
    }
    args.trustProxy = hops;
  }
  if (values['cors-origin'] !== undefined) {
    try {
      createCors({ origins: values['cors-origin'] });
    } catch (error) {
      throw new UsageError(`--cors-origin: ${(error as Error).message}`);
    }
    args.corsOrigins = values['cors-origin'];
  }
  if (values['headers-timeout'] !== undefined) {
    args.headersTimeoutMs = parseDuration(values['headers-timeout'], '--headers-timeout');
    if (args.headersTimeoutMs < 1000) throw new UsageError('--headers-timeout must be at least 1s.');
  }
  if (values['body-idle-timeout'] !== undefined) {
    args.bodyIdleTimeoutMs = parseDuration(values['body-idle-timeout'], '--body-idle-timeout');
    if (args.bodyIdleTimeoutMs > 0 && args.bodyIdleTimeoutMs < 1000)
      throw new UsageError('--body-idle-timeout must be at least 1s (or 0s: off).');
  }
  const cap = values['max-connections-per-ip'];
  if (cap !== undefined) {
    if (cap === 'off') args.maxConnectionsPerIp = 'off';
    else if (/^\d{1,7}$/.test(cap) && Number(cap) >= 1) args.maxConnectionsPerIp = Number(cap);
    else
      throw new UsageError(
        `--max-connections-per-ip must be a whole number of at least 1 or "off", e.g. --max-connections-per-ip 256, got "${cap}".`,
      );
  }
  if (values['metrics-token'] !== undefined) args.metricsToken = values['metrics-token'];
  return args;
}

/**
 * A rate such as `20/s,burst=100`, `600/m` or `off`. Without `burst`, a bucket holds five
 * seconds' worth (at least 1).
 *
 * @example
 * parseRateSpec('20/s,burst=100', '--rate-limit'); // { perSecond: 20, burst: 100 }
 */
export function parseRateSpec(text: string, source: string): RateSpec | 'off' {
  const spec = text.trim();
  if (spec === 'off') return 'off';
  const match = /^(\d+(?:\.\d+)?)\/([sm])(?:,\s*burst=(\d+))?$/.exec(spec);
  const rate = match ? Number(match[1]) / (match[2] === 'm' ? 60 : 1) : Number.NaN;
  if (!match || !(rate > 0)) {
    throw new UsageError(
      `${source} must be a rate such as 20/s,burst=100 or 600/m (requests per second or minute, optionally the burst), or "off"; got "${text}".`,
    );
  }
  const burst = match[3] === undefined ? Math.max(1, Math.ceil(rate * 5)) : Number(match[3]);
  if (burst < 1) throw new UsageError(`${source}: burst must be at least 1, got "${text}".`);
  return { perSecond: rate, burst };
}

/** A rate for the banner: `20/s, burst 100`. */
export function formatRate(spec: RateSpec): string {
  const rate = Number.isInteger(spec.perSecond)
    ? `${spec.perSecond}/s`
    : `${Math.round(spec.perSecond * 60)}/m`;
  return `${rate}, burst ${spec.burst}`;
}

type LimitListenOptions = Pick<
  ListenOptions,
  | 'rateLimit'
  | 'trustProxy'
  | 'cors'
  | 'headersTimeoutMs'
  | 'bodyIdleTimeoutMs'
  | 'maxConnectionsPerIp'
  | 'metrics'
>;

/**
 * The `listen()` options of the flags, and banner lines saying what is on. Outside dev mode the
 * rate limits and the connection cap default on (the cap off behind `--trust-proxy`, where every
 * connection comes from the proxy) and `/metrics` is served only with a token. Dev mode (loopback,
 * one developer) limits nothing unless asked and serves `/metrics` openly.
 */
export function limitOptions(
  args: LimitArgs,
  env: NodeJS.ProcessEnv,
  dev: boolean,
): { options: LimitListenOptions; banner: string[] } {
  const pick = (given: RateSpec | 'off' | undefined, fallback: RateSpec): RateSpec | null =>
    given === 'off' ? null : (given ?? (dev ? null : fallback));
  const user = pick(args.rateLimit, CLI_LIMIT_DEFAULTS.rateLimit);
  const ip = pick(args.rateLimitIp, CLI_LIMIT_DEFAULTS.rateLimitIp);
  const rateLimit: RateLimitOptions = { ...(user ? { user } : {}), ...(ip ? { ip } : {}) };
  const capDefault = dev || (args.trustProxy ?? 0) > 0 ? undefined : CLI_LIMIT_DEFAULTS.maxConnectionsPerIp;
  const cap = args.maxConnectionsPerIp === 'off' ? undefined : (args.maxConnectionsPerIp ?? capDefault);
  const envToken = env.SYNCLINE_METRICS_TOKEN === '' ? undefined : env.SYNCLINE_METRICS_TOKEN;
  const metricsToken = args.metricsToken ?? envToken;
  if (metricsToken !== undefined && metricsToken.length < 16) {
    throw new UsageError(
      `The metrics token (--metrics-token or SYNCLINE_METRICS_TOKEN) must be at least 16 characters, e.g. $(openssl rand -hex 24); got ${metricsToken.length}.`,
    );
  }
  const metrics = metricsToken !== undefined ? { token: metricsToken } : dev;
  const headersTimeoutMs = args.headersTimeoutMs ?? CLI_LIMIT_DEFAULTS.headersTimeoutMs;
  const bodyIdleTimeoutMs = args.bodyIdleTimeoutMs ?? CLI_LIMIT_DEFAULTS.bodyIdleTimeoutMs;
  const options: LimitListenOptions = {
    rateLimit: user || ip ? rateLimit : false,
    headersTimeoutMs,
    bodyIdleTimeoutMs,
    metrics,
    ...(args.trustProxy === undefined ? {} : { trustProxy: args.trustProxy }),
    ...(args.corsOrigins === undefined ? {} : { cors: { origins: args.corsOrigins } }),
    ...(cap === undefined ? {} : { maxConnectionsPerIp: cap }),
  };
  const banner = [
    `  limits     ${user ? `${formatRate(user)} per user` : 'no rate limit per user'}; ${ip ? `${formatRate(ip)} per address for refused tokens` : 'none per address'}; ${cap === undefined ? 'no connection cap' : `${cap} connections per address`}`,
    `  timeouts   ${formatDuration(headersTimeoutMs)} for headers, ${bodyIdleTimeoutMs === 0 ? 'none' : formatDuration(bodyIdleTimeoutMs)} of body silence${args.trustProxy ? `; client address from X-Forwarded-For (${args.trustProxy} proxy)` : ''}`,
    `  cors       ${args.corsOrigins?.length ? args.corsOrigins.join(', ') : 'same origin only (--cors-origin to allow others)'}`,
  ];
  return { options, banner };
}
