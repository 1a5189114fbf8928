/**
 * The cross-tenant matrix as a test on one store (SQLite or PostgreSQL): the thin test files
 * call this. `TENANT_CASES` sets the number of cases (default 1,000), `TENANT_SEED` replays a run
 * (the seed is printed, and named in every failure).
 */
import { afterAll, describe, expect, test } from 'vitest';
import { backends } from './backends.ts';
import { tempDir } from './server.ts';
import { KINDS } from './tenant-attacks.ts';
import { runTenantMatrix } from './tenant-matrix.ts';
import { tenantRules, tenantSchema } from './tenant-world.ts';

const CASES = Number(process.env.TENANT_CASES ?? 1000);
const SEED = Number(process.env.TENANT_SEED ?? 20261214);

export function tenantMatrixSuite(store: 'SQLite' | 'PostgreSQL'): void {
  const dir = tempDir('syncline-tenants-');
  afterAll(() => dir.cleanup());
  const backend = backends(dir.path, 'sl_tenants').find((b) => b.name === store)!;
  describe.skipIf(backend.skip !== null)(
    `cross-tenant matrix on ${store}${backend.skip ? ` — ${backend.skip}` : ''}`,
    () => {
      test(
        `${CASES} generated attacks across 3 tenants: no canary crosses, victims' rows unchanged, legitimate writes applied`,
        async () => {
          console.log(
            `cross-tenant matrix on ${store}: seed=${SEED} cases=${CASES} (replay with TENANT_SEED=${SEED})`,
          );
          const made = backend.make(tenantSchema, tenantRules);
          try {
            const result = await runTenantMatrix({ store: made.store, cases: CASES, seed: SEED });
            console.log(`cross-tenant matrix on ${store}: ${JSON.stringify(result)}`);
            expect(result.cases).toBe(CASES);
            // Every kind of attack ran, and the attackers' own writes were mixed in.
            for (const kind of KINDS)
              expect(result.kinds[kind] ?? 0).toBeGreaterThanOrEqual(Math.floor(CASES / KINDS.length));
            expect(result.legitApplied).toBeGreaterThan(CASES / 4);
          } finally {
            await made.dispose();
          }
        },
        300_000 + CASES * 200,
      );
    },
  );
}
