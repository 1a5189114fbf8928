/**
 * Issue 12: the README cannot drift from the code. Every fenced block in README.md is checked:
 * a `ts` block is a file of examples/ shown whole (its first line names it) and must equal it
 * (those files are type-checked and run by examples.test.ts); the curl block is run by
 * readme.test.ts; every other shell line is a command this test can check (an npm script that
 * exists, a package of this workspace or a driver, a `syncline` command line whose flags the real
 * CLI accepts, a file that exists); the repository map names directories that exist.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';
import { CLI_FROM_SOURCE, ROOT } from './helpers/source.ts';

const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');

interface Block {
  lang: string;
  body: string;
  line: number;
  /** The block follows `<!-- readme-curl -->`: readme.test.ts runs it verbatim. */
  curl: boolean;
}

const blocks: Block[] = [...readme.matchAll(/^( *)```(\w*)\n([\s\S]*?)^\1```$/gm)].map((m) => {
  const before = readme.slice(0, m.index);
  const indent = m[1]!;
  return {
    lang: m[2]!,
    body: m[3]!.replace(new RegExp(`^${indent}`, 'gm'), ''),
    line: before.split('\n').length,
    curl: /<!-- readme-curl -->\s*$/.test(before),
  };
});

const rootPackage = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  scripts: Record<string, string>;
};
const workspacePackages = readdirSync(join(ROOT, 'packages')).map(
  (p) =>
    (JSON.parse(readFileSync(join(ROOT, 'packages', p, 'package.json'), 'utf8')) as { name: string }).name,
);
/** Third-party packages the README tells people to install: the drivers and the examples' imports. */
const THIRD_PARTY = new Set([
  'better-sqlite3',
  'pg',
  'tsx',
  'pino',
  'jose',
  'react',
  'ws',
  '@op-engineering/op-sqlite',
  '@react-native-community/netinfo',
  'react-native-background-fetch',
  'electron',
]);

/** Words of a shell command line, quotes removed (no expansion: `$VAR` stays as it is). */
function words(line: string): string[] {
  return [...line.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]!);
}

/** The shell commands of a block: comments dropped, `a && b` split. */
function commands(body: string): string[][] {
  return body
    .split('\n')
    .map((line) => line.replace(/(^|\s)#.*$/, '').trim())
    .filter((line) => line !== '')
    .flatMap((line) => line.split('&&').map((part) => words(part.trim())));
}

describe('README code blocks', () => {
  test('the README has the blocks this test expects to see', () => {
    expect(blocks.filter((b) => b.lang === 'ts').length).toBeGreaterThanOrEqual(12);
    expect(blocks.filter((b) => b.curl)).toHaveLength(1);
  });

  test.each(blocks.filter((b) => b.lang === 'ts' || b.lang === 'tsx').map((b) => [b.line, b] as const))(
    'the ts/tsx block at line %i is a file of examples/, verbatim',
    (_line, block) => {
      const named = /^\/\/ (examples\/\S+?):/.exec(block.body)?.[1];
      expect(named, 'a ts block starts with "// examples/<file>: …"').toBeDefined();
      // After changing an example: `node scripts/readme-examples.mjs` rewrites the README's copy.
      expect(block.body, `${named} changed: run node scripts/readme-examples.mjs`).toBe(
        readFileSync(join(ROOT, named!), 'utf8'),
      );
    },
  );

  const shell = blocks.filter((b) => b.lang === 'sh' && !b.curl);
  test.each(shell.map((b) => [b.line, b] as const))(
    'every command of the sh block at line %i is one this repository has',
    async (_line, block) => {
      for (const command of commands(block.body)) {
        // `NAME=value cmd …`: the assignments are the environment, not the command.
        while (/^[A-Z_]+=/.test(command[0] ?? '')) command.shift();
        const [tool, ...args] = command;
        const where = `${tool} ${args.join(' ')}`;
        if (tool === 'export') continue;
        if (tool === 'npm' && (args[0] === 'start' || args[0] === 'test')) {
          expect(rootPackage.scripts[args[0]], where).toBeDefined();
        } else if (tool === 'npm' && args[0] === 'run') {
          expect(rootPackage.scripts[args[1]!], where).toBeDefined();
        } else if (tool === 'npm' && args[0] === 'install') {
          for (const name of args.slice(1).filter((a) => !a.startsWith('-')))
            expect(workspacePackages.includes(name) || THIRD_PARTY.has(name), `${where}: ${name}`).toBe(true);
        } else if (tool === 'npx' && args[0] === 'tsx') {
          expect(existsSync(join(ROOT, args[1]!)), where).toBe(true);
        } else if (tool === 'npx' && args[0] === 'syncline') {
          // The real CLI parses the line strictly (unknown flags and missing values fail, exit 2);
          // --help then stops it before it opens anything.
          const run = promisify(execFile)(CLI_FROM_SOURCE[0]!, [
            ...CLI_FROM_SOURCE.slice(1),
            ...args.slice(1),
            '--help',
          ]);
          await expect(run, where).resolves.toMatchObject({ stdout: expect.stringContaining('Usage:') });
        } else {
          throw new Error(`README line "${where}" is a command this test cannot check`);
        }
      }
    },
  );

  test('the repository map names directories that exist', () => {
    const maps = blocks.filter((b) => b.lang === '');
    expect(maps).toHaveLength(1);
    for (const line of maps[0]!.body.split('\n').filter((l) => l.trim() !== '')) {
      const path = line.split(/\s{2,}/)[0]!.replace('packages/*/test', 'packages/client/test');
      expect(existsSync(join(ROOT, path)), line).toBe(true);
    }
  });
});
