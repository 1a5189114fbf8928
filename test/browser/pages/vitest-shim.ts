/**
 * The subset of Vitest's API that the LocalStore conformance suite uses, for running it inside a
 * browser page (esbuild aliases `vitest` to this file). Tests are collected in order and run one
 * by one by {@link runCollected}; results go back to Node, which reports one Vitest test each.
 * Matchers follow Vitest's semantics for the cases the suite uses (toEqual ignores properties
 * whose value is undefined; toMatchObject checks a recursive subset).
 */

type Fn = (ctx: TestContext) => unknown;
/** The part of Vitest's test context the suite uses: `ctx.skip()` ends the test as skipped. */
interface TestContext {
  skip(): never;
}
class Skipped extends Error {}
const context: TestContext = {
  skip() {
    throw new Skipped('skipped');
  },
};
interface Collected {
  name: string;
  fn: Fn;
  skip: boolean;
  afterEach: Fn[];
}
export interface TestResult {
  name: string;
  status: 'passed' | 'failed' | 'skipped';
  error?: string;
  ms: number;
}

const collected: Collected[] = [];
const prefix: string[] = [];
const hooks: Fn[][] = [[]];

export function describe(name: string, body: () => void): void {
  prefix.push(name);
  hooks.push([]);
  body();
  hooks.pop();
  prefix.pop();
}

function add(name: string, fn: Fn, skip: boolean): void {
  collected.push({ name: [...prefix, name].join(' > '), fn, skip, afterEach: hooks.flat() });
}

export const test = Object.assign((name: string, fn: Fn) => add(name, fn, false), {
  skipIf: (cond: unknown) => (name: string, fn: Fn) => add(name, fn, Boolean(cond)),
  skip: (name: string, fn: Fn) => add(name, fn, true),
});
export const it = test;

export function afterEach(fn: Fn): void {
  hooks[hooks.length - 1]?.push(fn);
}

/** Runs every collected test in order; a failing afterEach fails its test. */
export async function runCollected(): Promise<TestResult[]> {
  const results: TestResult[] = [];
  for (const t of collected) {
    if (t.skip) {
      results.push({ name: t.name, status: 'skipped', ms: 0 });
      continue;
    }
    const start = performance.now();
    let error: unknown;
    let skipped = false;
    try {
      await t.fn(context);
    } catch (e) {
      if (e instanceof Skipped) skipped = true;
      else error = e;
    }
    for (const hook of t.afterEach) {
      try {
        await hook(context);
      } catch (e) {
        error ??= e;
      }
    }
    const ms = Math.round(performance.now() - start);
    if (skipped && error === undefined) {
      results.push({ name: t.name, status: 'skipped', ms });
      continue;
    }
    results.push(
      error === undefined
        ? { name: t.name, status: 'passed', ms }
        : { name: t.name, status: 'failed', error: describeError(error), ms },
    );
  }
  return results;
}

function describeError(e: unknown): string {
  if (e instanceof Error) return `${e.name}: ${e.message}${e.stack ? `\n${e.stack}` : ''}`;
  return String(e);
}

const show = (v: unknown) => {
  try {
    return JSON.stringify(v, (_, x) => (x === undefined ? '<undefined>' : x));
  } catch {
    return String(v);
  }
};

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

/** Vitest's toEqual: recursive, properties with value undefined count as absent. */
export function equals(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (!isObject(a) || !isObject(b)) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((x, i) => equals(x, b[i]));
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b) && !(isPlain(a) && isPlain(b))) return false;
  const keys = (o: Record<string, unknown>) => Object.keys(o).filter((k) => o[k] !== undefined);
  const ka = keys(a);
  const kb = keys(b);
  return ka.length === kb.length && ka.every((k) => Object.hasOwn(b, k) && equals(a[k], b[k]));
}

function isPlain(o: object): boolean {
  const p = Object.getPrototypeOf(o);
  return p === Object.prototype || p === null;
}

function matchesObject(actual: unknown, expected: unknown): boolean {
  if (Array.isArray(expected)) {
    return (
      Array.isArray(actual) &&
      actual.length === expected.length &&
      expected.every((x, i) => matchesObject(actual[i], x))
    );
  }
  if (isObject(expected) && isPlain(expected)) {
    return isObject(actual) && Object.keys(expected).every((k) => matchesObject(actual[k], expected[k]));
  }
  return equals(actual, expected);
}

class AssertionError extends Error {
  override name = 'AssertionError';
}

function matchers(actual: unknown, negate: boolean) {
  const check = (pass: boolean, what: string, expected?: unknown) => {
    if (pass === negate) {
      throw new AssertionError(
        `expected ${show(actual)} ${negate ? 'not ' : ''}${what}${expected === undefined ? '' : ` ${show(expected)}`}`,
      );
    }
  };
  return {
    toBe: (e: unknown) => check(Object.is(actual, e), 'to be', e),
    toEqual: (e: unknown) => check(equals(actual, e), 'to equal', e),
    toStrictEqual: (e: unknown) => check(equals(actual, e), 'to equal', e),
    toMatchObject: (e: unknown) => check(matchesObject(actual, e), 'to match object', e),
    toBeNull: () => check(actual === null, 'to be null'),
    toBeUndefined: () => check(actual === undefined, 'to be undefined'),
    toBeDefined: () => check(actual !== undefined, 'to be defined'),
    toBeTruthy: () => check(Boolean(actual), 'to be truthy'),
    toBeFalsy: () => check(!actual, 'to be falsy'),
    toBeInstanceOf: (c: new (...args: never[]) => unknown) =>
      check(actual instanceof c, `to be an instance of ${c.name}`),
    toHaveLength: (n: number) =>
      check((actual as { length?: unknown } | null)?.length === n, 'to have length', n),
    toBeGreaterThan: (n: number) => check((actual as number) > n, 'to be greater than', n),
    toBeGreaterThanOrEqual: (n: number) => check((actual as number) >= n, 'to be >=', n),
    toBeLessThan: (n: number) => check((actual as number) < n, 'to be less than', n),
    toContain: (x: unknown) => check((actual as unknown[]).includes(x), 'to contain', x),
    toThrow: (pattern?: string | RegExp) => {
      let thrown: unknown;
      let threw = false;
      try {
        (actual as () => unknown)();
      } catch (e) {
        thrown = e;
        threw = true;
      }
      const message = thrown instanceof Error ? thrown.message : String(thrown);
      const ok =
        threw &&
        (pattern === undefined ||
          (typeof pattern === 'string' ? message.includes(pattern) : pattern.test(message)));
      check(ok, 'to throw', pattern);
    },
  };
}

type Matchers = ReturnType<typeof matchers>;
type Async<M> = {
  [K in keyof M]: M[K] extends (...a: infer A) => unknown ? (...a: A) => Promise<void> : never;
};

function settled(promise: unknown, want: 'rejects' | 'resolves'): Async<Matchers> {
  const run =
    (name: keyof Matchers) =>
    async (...args: unknown[]) => {
      let value: unknown;
      let rejected = false;
      try {
        value = await promise;
      } catch (e) {
        value = e;
        rejected = true;
      }
      if ((want === 'rejects') !== rejected)
        throw new AssertionError(
          `expected the promise to ${want === 'rejects' ? 'reject' : 'resolve'}, it ${rejected ? 'rejected' : 'resolved'} with ${show(value)}`,
        );
      const target =
        want === 'rejects' && name === 'toThrow'
          ? () => {
              throw value;
            }
          : value;
      (matchers(target, false)[name] as (...a: unknown[]) => void)(...args);
    };
  return Object.fromEntries(
    Object.keys(matchers(null, false)).map((k) => [k, run(k as keyof Matchers)]),
  ) as Async<Matchers>;
}

/** `expect(value)` with the matchers above, `.not`, `.rejects` and `.resolves`. */
export function expect(
  actual: unknown,
): Matchers & { not: Matchers; rejects: Async<Matchers>; resolves: Async<Matchers> } {
  return Object.assign(matchers(actual, false), {
    not: matchers(actual, true),
    get rejects() {
      return settled(actual, 'rejects');
    },
    get resolves() {
      return settled(actual, 'resolves');
    },
  });
}
