/** Seeds for the PostgreSQL concurrency test: one seed per run, one stream per writer. */
import { randomInt } from 'node:crypto';
import { seededRandom } from '@syncline/core/internal';

/** The run's seed: SYNCLINE_SEED replays a run (database timing still varies the interleaving). */
export function runSeed(): number {
  const env = process.env.SYNCLINE_SEED;
  return env ? Number(env) : randomInt(1, 2 ** 31);
}

/** One seeded stream (core's mulberry32). */
export const prng = seededRandom;

/** A deterministic float in [0, 1) for a key, so a value does not depend on call order. */
export function hashUnit(seed: number, key: string): number {
  let h = seed >>> 0;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x9e3779b1) >>> 0;
  return prng(h)();
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
