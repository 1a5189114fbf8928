/**
 * No import cycles inside the client-side packages: a module's imports (type-only ones included)
 * never lead back to it. A cycle is how "one-way" code starts to go back and forth (issue 18:
 * `sync/` calling up into `client.ts` and back down). The imports are TypeScript's own list
 * (`ts.preProcessFile`), so `import type`, re-exports and dynamic imports all count.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { afterAll, expect, test } from 'vitest';
import { ROOT } from './helpers/source.ts';

const PACKAGES = ['client', 'store-indexeddb', 'store-sqlite', 'web', 'react', 'electron', 'react-native'];

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sources(path));
    else if (/\.tsx?$/.test(name) && !/\.test\.tsx?$/.test(name)) out.push(path);
  }
  return out;
}

/** Every cycle of relative imports among the files under `dir`, as paths relative to it. */
function importCycles(dir: string): string[][] {
  const files = sources(dir);
  const known = new Set(files);
  const edges = new Map<string, string[]>();
  for (const file of files) {
    const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    edges.set(
      file,
      importedFiles
        .map((i) => i.fileName)
        .filter((name) => name.startsWith('.'))
        .map((name) => resolve(dirname(file), name))
        .filter((target) => known.has(target)),
    );
  }
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  const visit = (file: string) => {
    state.set(file, 'open');
    stack.push(file);
    for (const next of edges.get(file) ?? []) {
      if (state.get(next) === 'open') cycles.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of files) if (!state.has(file)) visit(file);
  return cycles.map((cycle) => cycle.map((f) => relative(dir, f)));
}

const scratch = mkdtempSync(join(tmpdir(), 'syncline-cycles-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

test('the scan finds a type-only cycle (control)', () => {
  mkdirSync(join(scratch, 'sync'), { recursive: true });
  writeFileSync(join(scratch, 'sync/context.ts'), "import type { Notice } from './rejections.ts';\n");
  writeFileSync(join(scratch, 'sync/rejections.ts'), "import type { Ctx } from './context.ts';\n");
  writeFileSync(join(scratch, 'client.ts'), "import './sync/context.ts';\n");
  expect(importCycles(scratch)).toEqual([['sync/context.ts', 'sync/rejections.ts', 'sync/context.ts']]);
});

test.each(PACKAGES)('packages/%s/src has no import cycle', (name) => {
  expect(importCycles(join(ROOT, 'packages', name, 'src'))).toEqual([]);
});
