#!/usr/bin/env node
/**
 * The public API reports: one `api/<package>[.<subpath>].api.md` per entry of every
 * `packages/*\/package.json` `exports` map, written by Microsoft API Extractor from the built
 * declarations (`dist/**\/*.d.ts`, so run the build first: `npm run api:report` and
 * `npm run api:check` do). Decision 0017.
 *
 * Usage:
 *   node scripts/api-report.mjs           rewrite api/ (and remove reports of entries that are gone)
 *   node scripts/api-report.mjs --check   compare the current API with api/; print the diff and
 *                                         exit 1 when they differ (nothing is written to api/)
 *   --root DIR                            the repository to report on (default: this one; the
 *                                         test points it at a scratch copy)
 */
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CompilerState, Extractor, ExtractorConfig } from '@microsoft/api-extractor';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const args = process.argv.slice(2);
const check = args.includes('--check');
const rootArg = args.indexOf('--root');
const root = resolve(rootArg >= 0 ? (args[rootArg + 1] ?? '') : REPO);
for (const [i, a] of args.entries()) {
  if (a !== '--check' && a !== '--root' && args[i - 1] !== '--root') {
    console.error(
      `api-report: unknown argument ${a}. Usage: node scripts/api-report.mjs [--check] [--root DIR]`,
    );
    process.exit(2);
  }
}
const reportDir = join(root, 'api');

/** Every exported entry point: its package, subpath, declaration file and report file name. */
function entryPoints() {
  const entries = [];
  const packagesDir = join(root, 'packages');
  for (const name of readdirSync(packagesDir).sort()) {
    const pkgFile = join(packagesDir, name, 'package.json');
    if (!existsSync(pkgFile)) continue;
    const pkg = JSON.parse(readFileSync(pkgFile, 'utf8'));
    const unscoped = pkg.name.replace(/^@[^/]+\//, '');
    for (const [subpath, target] of Object.entries(pkg.exports ?? {})) {
      const types = typeof target === 'string' ? target : target.types;
      if (typeof types !== 'string') {
        throw new Error(`${pkgFile}: exports["${subpath}"] has no "types" condition to report on.`);
      }
      const suffix = subpath === '.' ? '' : `.${subpath.replace(/^\.\//, '').replaceAll('/', '.')}`;
      const dts = join(packagesDir, name, types);
      if (!existsSync(dts)) {
        throw new Error(`${dts} does not exist: build the packages first (npm run build).`);
      }
      entries.push({
        pkgDir: join(packagesDir, name),
        pkgFile,
        specifier: subpath === '.' ? pkg.name : `${pkg.name}/${subpath.slice(2)}`,
        dts,
        reportFileName: `${unscoped}${suffix}.api.md`,
      });
    }
  }
  return entries;
}

/** What every entry is compiled with: the packages' build settings, reading declarations only. */
const compilerOptions = {
  target: 'ES2022',
  lib: ['ES2023', 'DOM'],
  module: 'NodeNext',
  moduleResolution: 'NodeNext',
  strict: true,
  exactOptionalPropertyTypes: true,
  // As the build: other libraries' declarations are not checked (checking @types/node and the DOM
  // would triple a run). The packages' own come from a build that type-checked their sources.
  skipLibCheck: true,
  types: ['node'],
  typeRoots: [join(REPO, 'node_modules/@types')],
};

function configFor(entry, outDir, tempDir) {
  return ExtractorConfig.prepare({
    configObject: {
      projectFolder: entry.pkgDir,
      mainEntryPointFilePath: entry.dts,
      compiler: { overrideTsconfig: { compilerOptions, files: [entry.dts] } },
      apiReport: {
        enabled: true,
        reportFileName: entry.reportFileName,
        reportFolder: outDir,
        reportTempFolder: tempDir,
        // A type that a public signature uses is public too, exported or not: report its shape.
        includeForgottenExports: true,
      },
      docModel: { enabled: false },
      dtsRollup: { enabled: false },
      tsdocMetadata: { enabled: false },
      newlineKind: 'lf',
      messages: {
        compilerMessageReporting: { default: { logLevel: 'error' } },
        extractorMessageReporting: {
          // Printed, not written into the reports: they say what to fix, not what the API is.
          default: { logLevel: 'warning', addToApiReportFile: false },
          // Syncline marks no release stages (@public/@beta): every export of an entry is public.
          'ae-missing-release-tag': { logLevel: 'none', addToApiReportFile: false },
          // Reported with includeForgottenExports, see above.
          'ae-forgotten-export': { logLevel: 'none', addToApiReportFile: false },
          'ae-undocumented': { logLevel: 'none', addToApiReportFile: false },
          // About TSDoc {@link} targets, not the API; TSDoc is reviewed in the sources.
          'ae-unresolved-link': { logLevel: 'none', addToApiReportFile: false },
        },
        // The reports are about the API's shape; TSDoc style is not checked here.
        tsdocMessageReporting: { default: { logLevel: 'none', addToApiReportFile: false } },
      },
    },
    configObjectFullPath: undefined,
    packageJsonFullPath: entry.pkgFile,
  });
}

/**
 * API Extractor's report, made independent of TSDoc: its "(undocumented)" and "No
 * @packageDocumentation" notes change with every doc comment, which is not an API change. The
 * title names the subpath, not only the package.
 */
function normalize(text, entry) {
  return text
    .replace(/^## API Report File for ".*"$/m, `## API Report File for "${entry.specifier}"`)
    .replace(/^[ \t]*\/\/ \(No @packageDocumentation comment for this package\)\n\n?/gm, '')
    .replace(/^[ \t]*\/\/ \(undocumented\)\n/gm, '')
    .replace(/^([ \t]*\/\/ .*?) \(undocumented\)$/gm, '$1');
}

/** Extractor.invoke, with a hint on the internal errors that broken or stale declarations cause. */
function invoke(entry, config, options) {
  try {
    return Extractor.invoke(config, options);
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new Error(
      `${entry.specifier} (${entry.dts}): ${message}\n` +
        'The declarations may be stale or broken: build again (npm run build; api:report and api:check do).',
    );
  }
}

/** Writes every entry's report into outDir; returns the file names written. */
function generate(outDir) {
  const entries = entryPoints();
  const scratch = mkdtempSync(join(tmpdir(), 'syncline-api-'));
  try {
    mkdirSync(join(scratch, 'out'));
    mkdirSync(join(scratch, 'temp'));
    const configs = entries.map((e) => configFor(e, join(scratch, 'out'), join(scratch, 'temp')));
    // One TypeScript program for all entry points: each invocation reuses it.
    const compilerState = CompilerState.create(configs[0], {
      additionalEntryPoints: entries.map((e) => e.dts),
    });
    let failed = 0;
    for (const [i, entry] of entries.entries()) {
      const result = invoke(entry, configs[i], {
        localBuild: true,
        compilerState,
        showVerboseMessages: false,
        messageCallback: (message) => {
          // API Extractor's own progress lines ("Writing: …", "the report was missing…") are noise:
          // this script compares and writes the reports itself.
          if (
            message.logLevel === 'info' ||
            message.logLevel === 'verbose' ||
            message.messageId.startsWith('console-')
          ) {
            message.handled = true;
          }
        },
      });
      if (!result.succeeded) {
        console.error(
          `api-report: ${entry.specifier}: ${result.errorCount} error(s), ${result.warningCount} warning(s)`,
        );
        failed++;
        continue;
      }
      const file = join(scratch, 'out', entry.reportFileName);
      mkdirSync(outDir, { recursive: true });
      writeFileSync(join(outDir, entry.reportFileName), normalize(readFileSync(file, 'utf8'), entry));
    }
    if (failed > 0) throw new Error(`API Extractor failed on ${failed} entry point(s); see above.`);
    return entries.map((e) => e.reportFileName);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

function reportsIn(dir) {
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.api.md')) : [];
}

/** Regenerates api/ and removes the reports of entry points that are gone. */
function write() {
  const written = generate(reportDir);
  for (const stale of reportsIn(reportDir).filter((f) => !written.includes(f))) {
    rmSync(join(reportDir, stale));
    console.log(`api-report: removed api/${stale} (its entry point is gone)`);
  }
  console.log(`api-report: wrote ${written.length} reports to api/`);
}

/** Prints a unified diff per report that differs from the current API; false when any does. */
function compare() {
  const current = mkdtempSync(join(tmpdir(), 'syncline-api-check-'));
  try {
    const written = generate(current);
    const names = [...new Set([...written, ...reportsIn(reportDir)])].sort();
    let differ = 0;
    for (const name of names) {
      const committed = join(reportDir, name);
      const now = join(current, name);
      const text = (file) => (existsSync(file) ? readFileSync(file, 'utf8') : null);
      if (text(committed) !== null && text(committed) === text(now)) continue;
      differ++;
      if (!existsSync(now)) console.log(`api/${name}: its entry point is gone`);
      else if (!existsSync(committed)) console.log(`api/${name}: a new entry point has no report`);
      // diffutils' unified diff, labelled with the report's path in the repository.
      const diff = spawnSync(
        'diff',
        [
          '-u',
          `--label=committed: api/${name}`,
          `--label=current: api/${name}`,
          existsSync(committed) ? committed : '/dev/null',
          existsSync(now) ? now : '/dev/null',
        ],
        { encoding: 'utf8' },
      );
      if (diff.error) throw new Error(`could not run diff (diffutils): ${diff.error.message}`);
      process.stdout.write(diff.stdout);
    }
    if (differ === 0) {
      console.log(`api-check: ${names.length} reports match the public API`);
      return true;
    }
    console.log(
      `\napi-check: the public API differs from the committed report in ${differ} file(s) (above: - committed, + current).` +
        '\nIf the change is intended, run `npm run api:report` and commit api/ with it (decision 0020).',
    );
    return false;
  } finally {
    rmSync(current, { recursive: true, force: true });
  }
}

try {
  if (!check) write();
  else if (!compare()) process.exitCode = 1;
} catch (error) {
  console.error(`api-report: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
