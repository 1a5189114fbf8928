/**
 * How tests run this repository's code in a child process: on the package sources (the
 * `@syncline/source` export condition) through tsx, as `npm start` does. The built `bin/` is
 * exercised by the pack test (`test/pack/`), which installs the published tarballs.
 */
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Node flags that make a child resolve `@syncline/*` to sources and load TypeScript. tsx is named
 * by its file URL: a bare `--import tsx` resolves from the child's cwd (a temp directory).
 */
export const SOURCE_EXEC_ARGV = [
  '--conditions=@syncline/source',
  '--import',
  pathToFileURL(join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href,
];

/** The `syncline` command from source: `[node, ...flags, main.ts]`. */
export const CLI_FROM_SOURCE = [
  process.execPath,
  ...SOURCE_EXEC_ARGV,
  join(ROOT, 'packages/server/src/cli/main.ts'),
];
