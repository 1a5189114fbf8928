/**
 * The mutations of the hostile-request fuzz (fuzz-requests.ts), written as JSON text by hand so
 * they can hold what JSON.stringify never writes: duplicate keys, `1e309`, `-0`, 10,000 levels of
 * nesting. Each says what the server must answer for it: `applied` (then it is a valid insert,
 * read back exactly) or its rejection code.
 */
import { PROTOCOL_VERSION } from '@syncline/core';
import { isStorableText } from '@syncline/core/internal';
import fc from 'fast-check';
import { FUZZ_LIMITS, FUZZ_USER } from './fuzz-world.ts';

/** A valid insert, as the answer's record must show it. */
export interface ValidInsert {
  id: string;
  title: string;
  n?: number;
  k?: number;
  meta?: unknown;
}

// ---- JSON text -------------------------------------------------------------------------------

export const q = (s: string) => JSON.stringify(s);
/** An object from [key, JSON text] pairs; keys may repeat (JSON.parse keeps the last). */
export const obj = (pairs: ReadonlyArray<readonly [string, string]>) =>
  `{${pairs.map(([k, v]) => `${q(k)}:${v}`).join(',')}}`;
export const DEEP_ARRAYS = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
export const DEEP_OBJECTS = `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`;

export const storable = (max: number) => fc.string({ unit: 'binary', maxLength: max }).filter(isStorableText);
const poison = fc.oneof(
  fc.constant('\u0000'),
  fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)),
);
/** Text no store keeps exactly (U+0000 or a lone surrogate), as the fuzz's hostile strings. */
export const hostile = fc
  .tuple(storable(5), poison, storable(5))
  .map(([a, p, b]) => `${a}${p}${b}`)
  .filter((s) => !isStorableText(s));
export const protoName = fc.constantFrom('__proto__', 'constructor', 'prototype');
/** Garbage placed before a key's real value (duplicate keys: the last one counts). */
const garbage = fc.constantFrom(
  'null',
  '"\\u0000"',
  '1e309',
  '[[[]]]',
  '{"__proto__":1}',
  '"mallory"',
  'true',
);

/** A JSON value every store keeps exactly: storable strings and keys, finite numbers, no `__proto__`. */
const meta = fc
  .jsonValue({ maxDepth: 3 })
  .filter((v) => allStorable(v) && JSON.stringify(v).length < 2000 && typeof v === 'object' && v !== null);

function allStorable(v: unknown): boolean {
  if (typeof v === 'string') return isStorableText(v);
  if (typeof v === 'number') return Number.isFinite(v) && !Object.is(v, -0);
  if (Array.isArray(v)) return v.every(allStorable);
  if (typeof v === 'object' && v !== null)
    return Object.entries(v).every(([k, x]) => k !== '__proto__' && isStorableText(k) && allStorable(x));
  return true;
}

// ---- mutations ------------------------------------------------------------------------------

/** A mutation as JSON text, given its seq and a prefix unique to this request. */
export type MutationPlan = (
  seq: number,
  prefix: string,
) => { text: string; expect: string; valid?: ValidInsert };

/** Numbers a `real` / `integer` column keeps, written as JSON text with their value. */
const validReal = fc.constantFrom<[string, number]>(
  ['-0', 0],
  ['18446744073709551616', 2 ** 64],
  ['1e308', 1e308],
  ['5e-324', 5e-324],
  ['0.1', 0.1],
);
const validInt = fc.constantFrom<[string, number]>(
  ['-0', 0],
  ['9007199254740991', 2 ** 53 - 1],
  ['-9007199254740991', -(2 ** 53 - 1)],
  ['7', 7],
);

const validInsert: fc.Arbitrary<MutationPlan> = fc
  .record({
    suffix: storable(12),
    title: storable(24),
    n: fc.option(validReal, { nil: undefined }),
    k: fc.option(validInt, { nil: undefined }),
    meta: fc.option(meta, { nil: undefined }),
    dups: fc.subarray(['id', 'title', 'ownerId', 'op', 'collection', 'seq']),
    dupValue: garbage,
  })
  .map((r) => (seq, prefix) => {
    const id = `${prefix}.${seq}-${r.suffix}`;
    const data: Array<[string, string]> = [
      ['ownerId', q(FUZZ_USER)],
      ['title', q(r.title)],
    ];
    if (r.n) data.push(['n', r.n[0]]);
    if (r.k) data.push(['k', r.k[0]]);
    if (r.meta !== undefined) data.push(['meta', JSON.stringify(r.meta)]);
    // Duplicate keys: garbage first, the real value last (JSON.parse keeps the last).
    const dataPairs =
      r.dups.includes('title') || r.dups.includes('ownerId')
        ? [
            ...r.dups.filter((d) => d === 'title' || d === 'ownerId').map((d) => [d, r.dupValue] as const),
            ...data,
          ]
        : data;
    const top: Array<[string, string]> = [
      ['seq', String(seq)],
      ['collection', q('notes')],
      ['id', q(id)],
      ['op', q('insert')],
      ['data', obj(dataPairs)],
    ];
    const pairs = [
      ...r.dups
        .filter((d) => ['id', 'op', 'collection', 'seq'].includes(d))
        .map((d) => [d, r.dupValue] as const),
      ...top,
    ];
    const valid: ValidInsert = { id, title: r.title };
    if (r.n) valid.n = r.n[1];
    if (r.k) valid.k = r.k[1];
    if (r.meta !== undefined) valid.meta = r.meta;
    return { text: obj(pairs), expect: 'applied', valid };
  });

/**
 * An insert refused as `invalid`; `at` names the field its issue must name (the answer is then
 * compared as `invalid@<paths>`), so a refusal for another reason does not pass.
 */
const insertWith =
  (data: Array<readonly [string, string]>, id?: string, collection = 'notes', at?: string): MutationPlan =>
  (seq, prefix) => ({
    text: obj([
      ['seq', String(seq)],
      ['collection', q(collection)],
      ['id', q(id ?? `${prefix}.${seq}`)],
      ['op', q('insert')],
      ['data', obj([['ownerId', q(FUZZ_USER)], ['title', q('x')], ...data])],
    ]),
    expect: at === undefined ? 'invalid' : `invalid@${at}`,
  });

/** Per-mutation hostility: each is refused (`invalid`, or `forbidden` for a forged scope). */
const hostileMutation: fc.Arbitrary<MutationPlan> = fc.oneof(
  hostile.map((h) => insertWith([], h)),
  fc.oneof(hostile, protoName).map((h) => insertWith([], undefined, h)),
  fc.oneof(hostile, protoName).map((h) => insertWith([[h, '{"polluted":true}']])),
  hostile.map((h) => insertWith([['title', q(h)]], undefined, 'notes', 'title')),
  fc
    .constantFrom('1e309', '-1e309', '"NaN"', '"1"')
    .map((v) => insertWith([['n', v]], undefined, 'notes', 'n')),
  fc
    .constantFrom('18446744073709551616', '1.5', '1e309', '"NaN"')
    .map((v) => insertWith([['k', v]], undefined, 'notes', 'k')),
  fc
    .constantFrom(
      DEEP_ARRAYS,
      DEEP_OBJECTS,
      '[1e309]',
      '{"a":{"__proto__":{"x":1}}}',
      `${'['.repeat(40)}${']'.repeat(40)}`,
    )
    .map((v) => insertWith([['meta', v]], undefined, 'notes', 'meta')),
  hostile.map((h) => insertWith([['meta', obj([[h, '1']])]], undefined, 'notes', 'meta')),
  fc.constant(insertWith([['title', q('x'.repeat(FUZZ_LIMITS.maxMutationBytes))]])),
  // The update and delete of a record the fuzz never changes legitimately.
  fc.tuple(fc.oneof(hostile, protoName), fc.constantFrom('key', 'value', 'id')).map(
    ([h, where]): MutationPlan =>
      (seq) => ({
        text: obj([
          ['seq', String(seq)],
          ['collection', q('notes')],
          ['id', q(where === 'id' && !isStorableText(h) ? h : 'seed')],
          ['op', q('update')],
          [
            'patch',
            where === 'key'
              ? obj([[h, '"x"']])
              : obj([['title', where === 'value' && !isStorableText(h) ? q(h) : DEEP_ARRAYS]]),
          ],
          ['baseVersion', '1'],
        ]),
        // A hostile key is named escaped; a hostile id is refused first; else the title is named.
        expect:
          where === 'key' ? 'invalid' : where === 'id' && !isStorableText(h) ? 'invalid@id' : 'invalid@title',
      }),
  ),
  hostile.map(
    (h): MutationPlan =>
      (seq) => ({
        text: obj([
          ['seq', String(seq)],
          ['collection', q('notes')],
          ['id', q(h)],
          ['op', q('delete')],
          ['baseVersion', '1'],
        ]),
        expect: 'invalid',
      }),
  ),
  // A forged scope column (the last of duplicate keys counts).
  fc.boolean().map(
    (dup): MutationPlan =>
      (seq, prefix) => ({
        text: obj([
          ['seq', String(seq)],
          ['collection', q('notes')],
          ['id', q(`${prefix}.${seq}`)],
          ['op', q('insert')],
          [
            'data',
            obj([
              ...(dup ? ([['ownerId', q(FUZZ_USER)]] as const) : []),
              ['ownerId', q('mallory')],
              ['title', q('x')],
            ]),
          ],
        ]),
        expect: 'forbidden',
      }),
  ),
);

export const mutations = fc.array(
  fc.oneof({ weight: 3, arbitrary: validInsert }, { weight: 2, arbitrary: hostileMutation }),
  {
    minLength: 1,
    maxLength: 6,
  },
);

let counter = 0;
/** A number unique to this process, for ids and client ids. */
export const nextCounter = () => counter++;
/** A push of mutations: its JSON text, per-mutation expectations, and its valid inserts. */
export function pushText(plans: MutationPlan[]) {
  const prefix = `p${counter++}`;
  const built = plans.map((p, i) => p(i + 1, prefix));
  const text = obj([
    ['protocol', String(PROTOCOL_VERSION)],
    ['clientId', q(`client-${prefix}`)],
    ['mutations', `[${built.map((b) => b.text).join(',')}]`],
  ]);
  return {
    text,
    results: built.map((b) => b.expect),
    valid: built.flatMap((b) => (b.valid ? [b.valid] : [])),
  };
}
