/**
 * Issue 16: `@syncline/react-native` takes NetInfo and react-native-background-fetch injected,
 * typed by its own small interfaces. This checks, with the TypeScript compiler, that the real
 * packages' published type definitions fit them: NetInfo's default export and every
 * `NetInfoState`, background-fetch's `BackgroundFetch` class and its `registerHeadlessTask`
 * handler. The packages are installed with op-sqlite in test/native/ (`npm run setup:native`),
 * outside the workspaces; none of these type files imports react-native.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';
import { afterAll, expect, test } from 'vitest';
import { ROOT } from './helpers/source.ts';

const modules = join(ROOT, 'test/native/node_modules');
const netinfo = join(modules, '@react-native-community/netinfo/lib/typescript/src/index.d.ts');
const backgroundFetch = join(modules, 'react-native-background-fetch/index.d.ts');
const installed = existsSync(netinfo) && existsSync(backgroundFetch);
const dir = mkdtempSync(join(tmpdir(), 'syncline-rn-types-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Type-checks `lines` as one module; returns the compiler's messages. */
function check(lines: string[]): string[] {
  const file = join(dir, `probe-${Math.random().toString(36).slice(2)}.ts`);
  writeFileSync(file, lines.join('\n'));
  const program = ts.createProgram([file], {
    strict: true,
    exactOptionalPropertyTypes: true,
    noEmit: true,
    allowImportingTsExtensions: true,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    target: ts.ScriptTarget.ES2022,
    types: [],
    skipLibCheck: true,
    baseUrl: modules,
    paths: { '*': [`${modules}/*`] },
  });
  return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}

const api = join(ROOT, 'packages/react-native/src/index.ts');

test.runIf(!installed && process.env.CI)(
  'the native modules are installed in CI (npm run setup:native)',
  () => {
    expect.fail(`NetInfo and background-fetch are missing in ${modules}: run \`npm run setup:native\`.`);
  },
);

test.skipIf(!installed)(
  "NetInfo 12's default export and every NetInfoState fit NetInfoLike / NetInfoStateLike",
  () => {
    expect(
      check([
        `import type NetInfo from '${netinfo}';`,
        `import type { NetInfoState } from '${netinfo}';`,
        `import type { NetInfoLike, NetInfoStateLike } from '${api}';`,
        'export const monitor = (n: typeof NetInfo): NetInfoLike => n;',
        'export const state = (s: NetInfoState): NetInfoStateLike => s;',
      ]),
    ).toEqual([]);
  },
);

test.skipIf(!installed)(
  "react-native-background-fetch's BackgroundFetch and headless handler fit the helper's types",
  () => {
    expect(
      check([
        `import type BackgroundFetch from '${backgroundFetch}';`,
        `import type { BackgroundFetchLike, backgroundFetchHeadlessTask } from '${api}';`,
        'export const os = (b: typeof BackgroundFetch): BackgroundFetchLike => b;',
        'type Handler = ReturnType<typeof backgroundFetchHeadlessTask>;',
        'export const headless = (h: Handler): Parameters<typeof BackgroundFetch.registerHeadlessTask>[0] => h;',
      ]),
    ).toEqual([]);
  },
);

test.skipIf(!installed)('negative control: a monitor that needs more than NetInfo has is refused', () => {
  expect(
    check([
      `import type NetInfo from '${netinfo}';`,
      'interface TooMuch { addEventListener(l: (s: unknown) => void): () => void; isOnline(): boolean }',
      'export const monitor = (n: typeof NetInfo): TooMuch => n;',
    ]).join('\n'),
  ).toMatch(/isOnline/);
});
