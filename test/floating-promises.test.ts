/**
 * `npm run lint` refuses a floating promise (Biome's `nursery/noFloatingPromises`, decision 0021):
 * a probe file, linted with a scratch copy of the repository's biome.json, has one floating call
 * of each kind the code base makes, and the handled forms that must pass.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, expect, test } from 'vitest';
import { ROOT } from './helpers/source.ts';

const scratch = mkdtempSync(join(tmpdir(), 'syncline-floating-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const PROBE = `interface Store {
  close(): Promise<void>;
}
async function flush(): Promise<number> {
  return 1;
}

export async function probe(store: Store, cb: () => Promise<void>): Promise<void> {
  flush(); // floating: line 9
  store.close(); // floating: line 10
  cb(); // floating: line 11
  Promise.resolve(1).then(() => 2); // floating: line 12
  await flush();
  void store.close();
  await cb().catch(() => undefined);
  store.close().then(() => 1, () => 2);
}
`;

test('a promise that is neither awaited, returned, handled nor voided fails the lint, and only those', async () => {
  copyFileSync(join(ROOT, 'biome.json'), join(scratch, 'biome.json'));
  writeFileSync(join(scratch, 'probe.ts'), PROBE);
  const biome = join(ROOT, 'node_modules/.bin/biome');
  const run = await promisify(execFile)(biome, ['lint', '--reporter=json', '--max-diagnostics=none', '.'], {
    cwd: scratch,
  }).catch((e: { stdout: string; code: number }) => e);
  expect('code' in run ? run.code : 0).toBe(1);
  const report = JSON.parse(run.stdout) as {
    diagnostics: Array<{ category: string; severity: string; location: { start?: { line: number } } }>;
  };
  const floating = report.diagnostics.filter((d) => d.category === 'lint/nursery/noFloatingPromises');
  expect(floating.map((d) => d.severity)).toEqual(['error', 'error', 'error', 'error']);
  expect(floating.map((d) => d.location.start?.line)).toEqual([9, 10, 11, 12]);
});
