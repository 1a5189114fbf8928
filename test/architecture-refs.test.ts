/**
 * Issue 18, done-when 1: every reference in the code to the architecture resolves to
 * docs/ARCHITECTURE.md. Sources under packages/ and test/ (and the README and docs/security.md)
 * may cite "ARCHITECTURE.md §N" / "§N.M" (a section of that page, ranges like §5–6 included) and
 * "promise N" (§1.N); each must name a section that exists. "DESIGN §n" and "STYLE §n" cite
 * notes that are not in the repository and are refused. The page's own contents links must
 * match its headings, and the repository paths and decisions it names must exist (so a renamed
 * file shows up here until the page follows). Decision records (docs/decisions/) are history and keep their wording;
 * ARCHITECTURE.md §14 maps their old references.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, test } from 'vitest';
import { ROOT } from './helpers/source.ts';

const PAGE = join(ROOT, 'docs/ARCHITECTURE.md');
const SCANNED_DIRS = ['packages', 'test'];
const SCANNED_FILES = ['README.md', 'docs/security.md'];
const EXTENSIONS = /\.(ts|tsx|mts|cts|js|mjs|cjs|md)$/;
const SKIPPED_DIRS = new Set(['node_modules', 'dist', '.tmp', 'data']);

/** The section numbers of the page: "4" for `## 4. …`, "4.2" for `### 4.2 …`. */
function sectionsOf(markdown: string): Set<string> {
  const out = new Set<string>();
  for (const m of markdown.matchAll(/^##(#?) (\d+(?:\.\d+)?)\.? /gm)) out.add(m[2]!);
  return out;
}

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens. */
function slug(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
}

/** What is wrong with the references in `text` (one line per problem, with its line number). */
function problemsIn(text: string, sections: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  text.split('\n').forEach((line, i) => {
    const at = `line ${i + 1}`;
    for (const m of line.matchAll(/\b(DESIGN|STYLE)(?:\.md)? (§\s?[\d.]+|promise \d+)/g)) {
      problems.push(
        `${at}: "${m[0]}" cites a document that is not in the repository; cite ARCHITECTURE.md §N`,
      );
    }
    for (const m of line.matchAll(/\bpromise (\d+)\b/gi)) {
      if (!sections.has(`1.${m[1]}`)) problems.push(`${at}: "${m[0]}" — ARCHITECTURE.md has no §1.${m[1]}`);
    }
    const ref = line.indexOf('ARCHITECTURE.md');
    if (ref < 0) return;
    const rest = line.slice(ref);
    for (const m of rest.matchAll(/§(\d+(?:\.\d+)?)(?:\s?[–-]\s?§?(\d+(?:\.\d+)?))?/g)) {
      for (const n of [m[1]!, m[2]].filter((x): x is string => x !== undefined)) {
        if (!sections.has(n)) problems.push(`${at}: "ARCHITECTURE.md … §${n}" names no section of the page`);
      }
    }
  });
  return problems;
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    if (SKIPPED_DIRS.has(name)) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (EXTENSIONS.test(name)) out.push(path);
  }
  return out;
}

const page = readFileSync(PAGE, 'utf8');
const sections = sectionsOf(page);
const self = join(ROOT, 'test/architecture-refs.test.ts');
const files = [
  ...SCANNED_DIRS.flatMap((d) => sourceFiles(join(ROOT, d))),
  ...SCANNED_FILES.map((f) => join(ROOT, f)),
].filter((f) => f !== self);

describe('docs/ARCHITECTURE.md', () => {
  test('numbers its sections and the nine promises', () => {
    for (const n of ['1', '2', '4', '5', '6', '9', '10', '13']) expect(sections).toContain(n);
    for (let p = 1; p <= 9; p++) expect(sections).toContain(`1.${p}`);
    // Every subsection belongs to a section of the page.
    for (const s of sections) expect(sections).toContain(s.split('.')[0]);
  });

  test("the contents links point at the page's headings", () => {
    const anchors = new Set([...page.matchAll(/^#{2,3} (.+)$/gm)].map((m) => slug(m[1]!)));
    const links = [...page.matchAll(/\]\(#([^)]+)\)/g)].map((m) => m[1]!);
    expect(links.length).toBeGreaterThan(10);
    expect(links.filter((l) => !anchors.has(l))).toEqual([]);
  });

  test('the repository paths it names exist', () => {
    const paths = [...page.matchAll(/`((?:packages|test|docs|apps|examples|bench|scripts)\/[^`\s]*)`/g)]
      .map((m) => m[1]!)
      .filter((p) => !/[*<>]/.test(p));
    expect(paths.length).toBeGreaterThan(20);
    expect(paths.filter((p) => !existsSync(join(ROOT, p)))).toEqual([]);
  });

  test('the decisions it cites exist', () => {
    const decisions = new Set(readdirSync(join(ROOT, 'docs/decisions')).map((f) => f.slice(0, 4)));
    const cited = [...page.matchAll(/\bdecisions? (\d{4})((?:(?:,| and) \d{4})*)/g)].flatMap((m) => [
      m[1]!,
      ...(m[2]!.match(/\d{4}/g) ?? []),
    ]);
    expect(cited.length).toBeGreaterThan(10);
    expect(cited.filter((n) => !decisions.has(n))).toEqual([]);
  });

  test('every reference in packages/, test/, the README and docs/security.md resolves to it', () => {
    expect(files.length).toBeGreaterThan(300);
    const problems = files.flatMap((f) =>
      problemsIn(readFileSync(f, 'utf8'), sections).map((p) => `${relative(ROOT, f)} ${p}`),
    );
    expect(problems).toEqual([]);
  });

  test('the code cites it: the references the issue counted are there', () => {
    const cited = files.filter((f) => readFileSync(f, 'utf8').includes('ARCHITECTURE.md §'));
    expect(cited.length).toBeGreaterThanOrEqual(25);
  });
});

describe('the reference check itself (negative controls)', () => {
  const known = new Set(['1', '1.1', '1.8', '1.9', '4', '4.2', '5', '6']);

  test('accepts references to sections that exist, ranges included', () => {
    const text = [
      '// see ARCHITECTURE.md §4.2 and §1.9',
      ' * (promise 1, ARCHITECTURE.md §1.1); the semantics of ARCHITECTURE.md §5–6',
      ' * RFC 7518 §3.2 asks for a long key',
    ].join('\n');
    expect(problemsIn(text, known)).toEqual([]);
  });

  test('refuses a missing section, a missing promise, and the old DESIGN and STYLE references', () => {
    const text = [
      '// ARCHITECTURE.md §4.7',
      '// ARCHITECTURE.md §5–7',
      '// keeps promise 10',
      '// (DESIGN §4 sequencing)',
      '// (DESIGN promise 8)',
      '// (STYLE §3)',
    ].join('\n');
    expect(problemsIn(text, known)).toEqual([
      'line 1: "ARCHITECTURE.md … §4.7" names no section of the page',
      'line 2: "ARCHITECTURE.md … §7" names no section of the page',
      'line 3: "promise 10" — ARCHITECTURE.md has no §1.10',
      'line 4: "DESIGN §4" cites a document that is not in the repository; cite ARCHITECTURE.md §N',
      'line 5: "DESIGN promise 8" cites a document that is not in the repository; cite ARCHITECTURE.md §N',
      'line 6: "STYLE §3" cites a document that is not in the repository; cite ARCHITECTURE.md §N',
    ]);
  });
});
