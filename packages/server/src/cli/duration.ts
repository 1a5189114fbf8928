import { UsageError } from './errors.ts';

const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/**
 * A duration such as `30d`, `1h`, `15m` or `10s` in milliseconds; `source` names the flag in the
 * error. A unit is required: a bare number is ambiguous (seconds? days?) for a retention setting.
 *
 * @example
 * parseDuration('30d', '--older-than'); // 2_592_000_000
 */
export function parseDuration(text: string, source: string): number {
  const match = /^(\d+(?:\.\d+)?)([smhd])$/.exec(text.trim());
  const value = match ? Number(match[1]) : Number.NaN;
  if (!match || !Number.isFinite(value)) {
    throw new UsageError(
      `${source} must be a duration such as 30d, 12h, 15m or 10s (units s, m, h, d), got "${text}".`,
    );
  }
  return Math.round(value * UNIT_MS[match[2] as keyof typeof UNIT_MS]);
}

/** A duration in the largest unit that divides it evenly, for messages: `30d`, `90m`, `1500ms`, `0s`. */
export function formatDuration(ms: number): string {
  // Zero divides every unit: say it in the unit people type (`--older-than 0s`).
  if (ms === 0) return '0s';
  for (const [unit, size] of [
    ['d', UNIT_MS.d],
    ['h', UNIT_MS.h],
    ['m', UNIT_MS.m],
    ['s', UNIT_MS.s],
  ] as const) {
    if (ms > 0 && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}
