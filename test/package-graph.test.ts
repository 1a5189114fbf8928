/**
 * The package graph is enforced by `npm run lint` (Biome `noRestrictedImports`, biome.json
 * overrides): core imports no other package; the client side never imports the server; the
 * server never imports the client side; nothing imports another package's files. Each case
 * lints a probe file at the named path, in a scratch copy of the repository's biome.json.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, expect, test } from 'vitest';
import { ROOT } from './helpers/source.ts';

const CASES: Array<{ file: string; from: string; allowed: boolean }> = [
  { file: 'packages/client/src/probe.ts', from: '@syncline/server', allowed: false },
  { file: 'packages/client/src/sync/probe.ts', from: '@syncline/server/sqlite', allowed: false },
  { file: 'packages/web/src/probe.ts', from: '@syncline/server', allowed: false },
  { file: 'packages/store-sqlite/src/probe.ts', from: '@syncline/server/postgres', allowed: false },
  { file: 'packages/store-indexeddb/src/probe.ts', from: '@syncline/server', allowed: false },
  { file: 'packages/core/src/probe.ts', from: '@syncline/client', allowed: false },
  { file: 'packages/server/src/probe.ts', from: '@syncline/client', allowed: false },
  { file: 'packages/server/src/probe.ts', from: '@syncline/client/store', allowed: false },
  { file: 'packages/server/src/handler/probe.ts', from: '@syncline/store-sqlite', allowed: false },
  { file: 'packages/client/src/probe.ts', from: '../../core/src/schema/names.ts', allowed: false },
  { file: 'packages/web/src/probe.ts', from: '@syncline/client/src/db.ts', allowed: false },
  { file: 'packages/client/src/probe.ts', from: '@syncline/react', allowed: false },
  { file: 'packages/web/src/probe.ts', from: '@syncline/react', allowed: false },
  { file: 'packages/server/src/probe.ts', from: '@syncline/react', allowed: false },
  { file: 'packages/react/src/probe.ts', from: '@syncline/server', allowed: false },
  { file: 'packages/react/src/probe.ts', from: '@syncline/store-indexeddb', allowed: false },
  { file: 'packages/react/src/probe.ts', from: '@syncline/web', allowed: false },
  { file: 'packages/react/src/probe.ts', from: '@syncline/core/internal', allowed: false },
  { file: 'packages/react/src/probe.ts', from: '../../client/src/db.ts', allowed: false },
  { file: 'packages/react-native/src/probe.ts', from: '@syncline/server', allowed: false },
  { file: 'packages/react-native/src/probe.ts', from: '@syncline/react', allowed: false },
  { file: 'packages/react-native/src/probe.ts', from: '@syncline/web', allowed: false },
  { file: 'packages/react-native/src/probe.ts', from: '../../client/src/db.ts', allowed: false },
  { file: 'packages/client/src/probe.ts', from: '@syncline/react-native', allowed: false },
  { file: 'packages/store-sqlite/src/probe.ts', from: '@syncline/react-native', allowed: false },
  { file: 'packages/server/src/probe.ts', from: '@syncline/react-native', allowed: false },
  { file: 'packages/react/src/probe.ts', from: '@syncline/react-native', allowed: false },
  { file: 'packages/electron/src/probe.ts', from: '@syncline/server', allowed: false },
  { file: 'packages/electron/src/main/probe.ts', from: '@syncline/react', allowed: false },
  { file: 'packages/electron/src/main/probe.ts', from: '@syncline/store-sqlite', allowed: false },
  { file: 'packages/electron/src/renderer/probe.ts', from: '@syncline/web', allowed: false },
  { file: 'packages/electron/src/probe.ts', from: '@syncline/client/testing', allowed: false },
  { file: 'packages/electron/src/preload/probe.ts', from: 'electron', allowed: false },
  { file: 'packages/electron/src/probe.ts', from: '../../client/src/db.ts', allowed: false },
  { file: 'packages/react/src/probe.ts', from: '@syncline/electron', allowed: false },
  { file: 'test/probe.ts', from: '../packages/server/src/api.ts', allowed: false },
  { file: 'test/sim/probe.ts', from: '../../packages/client/src/db.ts', allowed: false },
  { file: 'bench/probe.ts', from: '@syncline/server/dist/index.js', allowed: false },
  // Controls: the edges the graph has.
  { file: 'packages/client/src/probe.ts', from: '@syncline/core', allowed: true },
  { file: 'packages/web/src/probe.ts', from: '@syncline/client', allowed: true },
  { file: 'packages/react/src/probe.ts', from: '@syncline/client', allowed: true },
  { file: 'packages/react-native/src/probe.ts', from: '@syncline/client', allowed: true },
  { file: 'packages/react-native/src/probe.ts', from: '@syncline/core', allowed: true },
  { file: 'test/probe.ts', from: '@syncline/react-native', allowed: true },
  { file: 'packages/react/src/probe.ts', from: '@syncline/core', allowed: true },
  { file: 'packages/store-sqlite/src/probe.ts', from: '@syncline/client/store', allowed: true },
  { file: 'packages/electron/src/main/probe.ts', from: '@syncline/client', allowed: true },
  { file: 'packages/electron/src/renderer/probe.ts', from: '@syncline/core', allowed: true },
  { file: 'test/probe.ts', from: '@syncline/electron/renderer', allowed: true },
  { file: 'packages/server/src/probe.ts', from: '@syncline/core/internal', allowed: true },
  { file: 'packages/client/src/sync/probe.ts', from: '../db.ts', allowed: true },
  { file: 'test/probe.ts', from: '@syncline/server', allowed: true },
];

const scratch = mkdtempSync(join(tmpdir(), 'syncline-graph-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

test('npm run lint refuses every import that breaks the package graph, and only those', async () => {
  copyFileSync(join(ROOT, 'biome.json'), join(scratch, 'biome.json'));
  CASES.forEach((c, i) => {
    const path = join(scratch, c.file.replace(/probe\.ts$/, `probe${i}.ts`));
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, `import { x } from '${c.from}';\n\nexport const y = x;\n`);
  });
  const biome = join(ROOT, 'node_modules/.bin/biome');
  const run = await promisify(execFile)(biome, ['lint', '--reporter=json', '--max-diagnostics=none', '.'], {
    cwd: scratch,
  }).catch((e: { stdout: string }) => e);
  const report = JSON.parse(run.stdout) as {
    diagnostics: Array<{ category: string; location: { path: string } }>;
  };
  const refused = new Set(
    report.diagnostics
      .filter((d) => d.category === 'lint/style/noRestrictedImports')
      .map((d) => d.location.path),
  );
  const outcome = CASES.map((c, i) => ({
    ...c,
    allowed: !refused.has(c.file.replace(/probe\.ts$/, `probe${i}.ts`)),
  }));
  expect(outcome).toEqual(CASES);
});
