// `npm run screenshots`: runs the demo's end-to-end test in Chromium (test/browser/demo.test.ts),
// which saves its screenshots to a temporary folder, then copies them to docs/screenshots/ for
// the README. Exits non-zero (copying nothing) when the test fails.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const shots = mkdtempSync(join(tmpdir(), 'syncline-screenshots-'));
const run = spawnSync('npx', ['vitest', 'run', 'test/browser/demo.test.ts'], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, SYNCLINE_SCREENSHOTS: shots },
});
if (run.status !== 0) {
  rmSync(shots, { recursive: true, force: true });
  console.error('The demo test failed: docs/screenshots/ left as it was.');
  process.exit(run.status ?? 1);
}
const docs = join(root, 'docs/screenshots');
mkdirSync(docs, { recursive: true });
// `part-*.png` are the pieces of a composed screenshot (the two windows side by side).
const files = readdirSync(shots).filter((name) => name.endsWith('.png') && !name.startsWith('part-'));
for (const name of files) copyFileSync(join(shots, name), join(docs, name));
rmSync(shots, { recursive: true, force: true });
console.log(`Copied ${files.length} screenshots to docs/screenshots/: ${files.join(', ')}`);
