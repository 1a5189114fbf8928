/**
 * The public API reports (`api/*.api.md`, `scripts/api-report.mjs`, decision 0020): one report per
 * entry of every package's `exports`, and `npm run api:check` fails, printing the diff, when an
 * entry's declarations export something its committed report does not show. The checker runs on
 * a scratch repository (a package with two entry points and hand-written declarations), so the
 * test needs no build and leaves nothing behind.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, expect, test } from 'vitest';
import { ROOT } from './helpers/source.ts';

const run = promisify(execFile);
/** One run of the script takes about 2.5 s of CPU (a TypeScript program with the DOM and Node types). */
const RUNS_TIMEOUT = 300_000;
const SCRIPT = join(ROOT, 'scripts/api-report.mjs');
const scratch = mkdtempSync(join(tmpdir(), 'syncline-api-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Runs the script on `root`; resolves with its exit code and output, never rejects on exit 1. */
async function apiReport(root: string, ...args: string[]): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [SCRIPT, '--root', root, ...args]);
    return { code: 0, out: stdout + stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

function fixture(): string {
  const root = mkdtempSync(join(scratch, 'repo-'));
  const pkg = join(root, 'packages/widget');
  mkdirSync(join(pkg, 'dist/tools'), { recursive: true });
  writeFileSync(
    join(pkg, 'package.json'),
    JSON.stringify({
      name: '@syncline/widget',
      version: '0.0.0',
      type: 'module',
      exports: {
        '.': { types: './dist/index.d.ts', default: './dist/index.js' },
        './tools': { types: './dist/tools/index.d.ts', default: './dist/tools/index.js' },
      },
    }),
  );
  writeFileSync(join(pkg, 'dist/options.d.ts'), 'export interface Options {\n    size: number;\n}\n');
  writeFileSync(
    join(pkg, 'dist/index.d.ts'),
    [
      "import type { Options } from './options.js';",
      '/** Makes a widget. */',
      'export declare function makeWidget(options: Options): string;',
      '',
    ].join('\n'),
  );
  writeFileSync(join(pkg, 'dist/tools/index.d.ts'), 'export declare const TOOL_COUNT = 3;\n');
  return root;
}

test('every exported entry point of every package has a committed report, and no other report exists', () => {
  const expected: string[] = [];
  for (const dir of readdirSync(join(ROOT, 'packages'))) {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'packages', dir, 'package.json'), 'utf8')) as {
      name: string;
      exports: Record<string, unknown>;
    };
    for (const subpath of Object.keys(pkg.exports)) {
      const base = pkg.name.replace('@syncline/', '');
      expected.push(
        subpath === '.' ? `${base}.api.md` : `${base}.${subpath.slice(2).replaceAll('/', '.')}.api.md`,
      );
    }
  }
  const committed = readdirSync(join(ROOT, 'api')).filter((f) => f.endsWith('.api.md'));
  expect(committed.sort()).toEqual(expected.sort());
  for (const file of committed) {
    expect(readFileSync(join(ROOT, 'api', file), 'utf8')).toMatch(/^## API Report File for "@syncline\//);
  }
});

test(
  'an unreported export change fails the check with a diff; a TSDoc change does not; regenerating updates the reports',
  async () => {
    const root = fixture();
    const written = await apiReport(root);
    expect(written.code, written.out).toBe(0);
    const report = readFileSync(join(root, 'api/widget.api.md'), 'utf8');
    expect(report).toContain('## API Report File for "@syncline/widget"');
    expect(report).toContain('export function makeWidget(options: Options): string;');
    // A type that a public signature uses is reported with its shape, though the entry does not export it.
    expect(report).toMatch(/\ninterface Options \{\n\s+size: number;\n\}/);
    expect(readFileSync(join(root, 'api/widget.tools.api.md'), 'utf8')).toContain(
      '## API Report File for "@syncline/widget/tools"',
    );

    // A doc comment is not an API change.
    const tools = join(root, 'packages/widget/dist/tools/index.d.ts');
    writeFileSync(tools, `/** How many tools there are. */\n${readFileSync(tools, 'utf8')}`);
    const docs = await apiReport(root, '--check');
    expect(docs.code, docs.out).toBe(0);
    expect(docs.out).toContain('api-check: 2 reports match the public API');

    // An unreported export, and a changed type behind an existing one.
    const index = join(root, 'packages/widget/dist/index.d.ts');
    writeFileSync(index, `${readFileSync(index, 'utf8')}export declare function extra(): void;\n`);
    const options = join(root, 'packages/widget/dist/options.d.ts');
    writeFileSync(
      options,
      readFileSync(options, 'utf8').replace('size: number;', 'size: number;\n    color?: string;'),
    );
    const checked = await apiReport(root, '--check');
    expect(checked.code).toBe(1);
    expect(checked.out).toContain('--- committed: api/widget.api.md');
    expect(checked.out).toContain('+export function extra(): void;');
    expect(checked.out).toContain('+    color?: string;');
    expect(checked.out).toContain('the public API differs from the committed report in 1 file(s)');
    expect(checked.out).toContain('npm run api:report');
    // The check writes nothing: the committed report is unchanged.
    expect(readFileSync(join(root, 'api/widget.api.md'), 'utf8')).toBe(report);

    // An entry point that disappears, and one without a report.
    const pkgFile = join(root, 'packages/widget/package.json');
    const pkg = JSON.parse(readFileSync(pkgFile, 'utf8')) as { exports: Record<string, unknown> };
    delete pkg.exports['./tools'];
    writeFileSync(pkgFile, JSON.stringify(pkg));
    rmSync(join(root, 'api/widget.api.md'));
    const entries = await apiReport(root, '--check');
    expect(entries.code).toBe(1);
    expect(entries.out).toContain('api/widget.tools.api.md: its entry point is gone');
    expect(entries.out).toContain('api/widget.api.md: a new entry point has no report');
    expect(entries.out).toContain('in 2 file(s)');

    // Regenerating writes the new API and removes the report of the entry that is gone.
    expect((await apiReport(root)).code).toBe(0);
    expect(readdirSync(join(root, 'api'))).toEqual(['widget.api.md']);
    expect(readFileSync(join(root, 'api/widget.api.md'), 'utf8')).toContain('export function extra(): void;');
  },
  RUNS_TIMEOUT,
);

test(
  'a type API Extractor cannot follow is an error that says to build again, not a report',
  async () => {
    const root = fixture();
    writeFileSync(
      join(root, 'packages/widget/dist/index.d.ts'),
      'export declare function broken(): Missing;\n',
    );
    const result = await apiReport(root);
    expect(result.code).not.toBe(0);
    expect(result.out).toContain('@syncline/widget');
    expect(result.out).toContain('"Missing"');
    expect(result.out).toContain('build again (npm run build');
    expect(readdirSync(root)).not.toContain('api');
  },
  RUNS_TIMEOUT,
);
