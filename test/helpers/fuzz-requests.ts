/**
 * The hostile requests of the fuzz (issue 14, done-when 3), as fast-check arbitraries. Bodies are
 * written as JSON text by hand, so they can hold what JSON.stringify never writes: duplicate keys,
 * `1e309`, `-0`, `NaN`, 10,000 levels of nesting, truncation, bytes that are not UTF-8. Each
 * request says which answers it may get and, for a push answered 200, what each mutation must be.
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

export interface FuzzRequest {
  kind: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string | Buffer;
  /** Send without `content-length` (chunked). */
  chunked?: boolean;
  /** Statuses it may be answered with. */
  statuses: number[];
  /** For a push answered 200: per mutation, `applied` or the rejection code. */
  results?: string[];
  /** The valid inserts among the mutations (applied when the answer is 200). */
  valid: ValidInsert[];
}

// ---- JSON text -------------------------------------------------------------------------------

const q = (s: string) => JSON.stringify(s);
/** An object from [key, JSON text] pairs; keys may repeat (JSON.parse keeps the last). */
const obj = (pairs: ReadonlyArray<readonly [string, string]>) => `{${pairs.map(([k, v]) => `${q(k)}:${v}`).join(',')}}`;
const DEEP_ARRAYS = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
const DEEP_OBJECTS = `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`;

const storable = (max: number) => fc.string({ unit: 'binary', maxLength: max }).filter(isStorableText);
const poison = fc.oneof(
  fc.constant('\u0000'),
  fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)),
);
/** Text no store keeps exactly (U+0000 or a lone surrogate), as the fuzz's hostile strings. */
const hostile = fc
  .tuple(storable(5), poison, storable(5))
  .map(([a, p, b]) => `${a}${p}${b}`)
  .filter((s) => !isStorableText(s));
const protoName = fc.constantFrom('__proto__', 'constructor', 'prototype');
/** Garbage placed before a key's real value (duplicate keys: the last one counts). */
const garbage = fc.constantFrom('null', '"\\u0000"', '1e309', '[[[]]]', '{"__proto__":1}', '"mallory"', 'true');

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
type MutationPlan = (seq: number, prefix: string) => { text: string; expect: string; valid?: ValidInsert };

/** Numbers a `real` / `integer` column keeps, written as JSON text with their value. */
const validReal = fc.constantFrom<[string, number]>(['-0', 0], ['18446744073709551616', 2 ** 64], ['1e308', 1e308], ['5e-324', 5e-324], ['0.1', 0.1]);
const validInt = fc.constantFrom<[string, number]>(['-0', 0], ['9007199254740991', 2 ** 53 - 1], ['-9007199254740991', -(2 ** 53 - 1)], ['7', 7]);

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
    const dataPairs = r.dups.includes('title') || r.dups.includes('ownerId') ? [...r.dups.filter((d) => d === 'title' || d === 'ownerId').map((d) => [d, r.dupValue] as const), ...data] : data;
    const top: Array<[string, string]> = [
      ['seq', String(seq)],
      ['collection', q('notes')],
      ['id', q(id)],
      ['op', q('insert')],
      ['data', obj(dataPairs)],
    ];
    const pairs = [...r.dups.filter((d) => ['id', 'op', 'collection', 'seq'].includes(d)).map((d) => [d, r.dupValue] as const), ...top];
    const valid: ValidInsert = { id, title: r.title };
    if (r.n) valid.n = r.n[1];
    if (r.k) valid.k = r.k[1];
    if (r.meta !== undefined) valid.meta = r.meta;
    return { text: obj(pairs), expect: 'applied', valid };
  });

const insertWith = (data: Array<readonly [string, string]>, id?: string, collection = 'notes'): MutationPlan => (seq, prefix) => ({
  text: obj([
    ['seq', String(seq)],
    ['collection', q(collection)],
    ['id', q(id ?? `${prefix}.${seq}`)],
    ['op', q('insert')],
    ['data', obj([['ownerId', q(FUZZ_USER)], ['title', q('x')], ...data])],
  ]),
  expect: 'invalid',
});

/** Per-mutation hostility: each is refused (`invalid`, or `forbidden` for a forged scope). */
const hostileMutation: fc.Arbitrary<MutationPlan> = fc.oneof(
  hostile.map((h) => insertWith([], h)),
  fc.oneof(hostile, protoName).map((h) => insertWith([], undefined, h)),
  fc.oneof(hostile, protoName).map((h) => insertWith([[h, '{"polluted":true}']])),
  hostile.map((h) => insertWith([['title', q(h)]])),
  fc.constantFrom('1e309', '-1e309', '"NaN"', '"1"').map((v) => insertWith([['n', v]])),
  fc.constantFrom('18446744073709551616', '1.5', '1e309', '"NaN"').map((v) => insertWith([['k', v]])),
  fc.constantFrom(DEEP_ARRAYS, DEEP_OBJECTS, '[1e309]', '{"a":{"__proto__":{"x":1}}}', `${'['.repeat(40)}${']'.repeat(40)}`).map((v) => insertWith([['meta', v]])),
  hostile.map((h) => insertWith([['meta', obj([[h, '1']])]])),
  fc.constant(insertWith([['title', q('x'.repeat(FUZZ_LIMITS.maxMutationBytes))]])),
  // The update and delete of a record the fuzz never changes legitimately.
  fc.tuple(fc.oneof(hostile, protoName), fc.constantFrom('key', 'value', 'id')).map(([h, where]): MutationPlan => (seq) => ({
    text: obj([
      ['seq', String(seq)],
      ['collection', q('notes')],
      ['id', q(where === 'id' && !isStorableText(h) ? h : 'seed')],
      ['op', q('update')],
      ['patch', where === 'key' ? obj([[h, '"x"']]) : obj([['title', where === 'value' && !isStorableText(h) ? q(h) : DEEP_ARRAYS]])],
      ['baseVersion', '1'],
    ]),
    expect: 'invalid',
  })),
  hostile.map((h): MutationPlan => (seq) => ({
    text: obj([['seq', String(seq)], ['collection', q('notes')], ['id', q(h)], ['op', q('delete')], ['baseVersion', '1']]),
    expect: 'invalid',
  })),
  // A forged scope column (the last of duplicate keys counts).
  fc.boolean().map((dup): MutationPlan => (seq, prefix) => ({
    text: obj([
      ['seq', String(seq)],
      ['collection', q('notes')],
      ['id', q(`${prefix}.${seq}`)],
      ['op', q('insert')],
      ['data', obj([...(dup ? ([['ownerId', q(FUZZ_USER)]] as const) : []), ['ownerId', q('mallory')], ['title', q('x')]])],
    ]),
    expect: 'forbidden',
  })),
);

const mutations = fc.array(fc.oneof({ weight: 3, arbitrary: validInsert }, { weight: 2, arbitrary: hostileMutation }), {
  minLength: 1,
  maxLength: 6,
});

let counter = 0;
/** A push of mutations: its JSON text, per-mutation expectations, and its valid inserts. */
function pushText(plans: MutationPlan[]) {
  const prefix = `p${counter++}`;
  const built = plans.map((p, i) => p(i + 1, prefix));
  const text = obj([
    ['protocol', String(PROTOCOL_VERSION)],
    ['clientId', q(`client-${prefix}`)],
    ['mutations', `[${built.map((b) => b.text).join(',')}]`],
  ]);
  return { text, results: built.map((b) => b.expect), valid: built.flatMap((b) => (b.valid ? [b.valid] : [])) };
}

// ---- requests -----------------------------------------------------------------------------

const JSON_HEADERS = { 'content-type': 'application/json' };
const post = (path: string, body: string | Buffer, statuses: number[], kind: string, extra: Partial<FuzzRequest> = {}): FuzzRequest => ({
  kind,
  method: 'POST',
  path,
  headers: JSON_HEADERS,
  body,
  statuses,
  valid: [],
  ...extra,
});

/** A push mixing valid and hostile mutations, maybe with duplicate envelope keys: 200. */
const mixedPush = fc.tuple(mutations, fc.boolean()).map(([plans, dupEnvelope]) => {
  const p = pushText(plans);
  // Duplicate envelope keys: the garbage ones first, so the real clientId and protocol count.
  const text = dupEnvelope ? p.text.replace(/^\{/, '{"clientId":"\\u0000","protocol":99,') : p.text;
  return post('/sync/push', text, [200], 'mixed push', { results: p.results, valid: p.valid });
});

/** A whole request that is wrong: any 4xx, and nothing it carries applied. */
const badPush = fc.tuple(mutations, fc.nat(), fc.integer({ min: 0, max: 24 })).map(([plans, cut, which]) => {
  const p = pushText(plans);
  const env = (rest: string) => `{"protocol":${PROTOCOL_VERSION},"clientId":"c-bad-${counter++}",${rest}}`;
  const one = '{"seq":1,"collection":"notes","id":"bad","op":"insert","data":{"ownerId":"alice","title":"x"}}';
  const bodies: Array<string | Buffer> = [
    p.text.slice(0, 1 + (cut % (p.text.length - 1))), // truncated
    DEEP_ARRAYS,
    DEEP_OBJECTS,
    env(`"mutations":[${one.replace('"seq":1', '"seq":1e309')}]`),
    env(`"mutations":[${one.replace('"seq":1', '"seq":NaN')}]`),
    env(`"mutations":[${one.replace('"seq":1', '"seq":18446744073709551616')}]`),
    env(`"mutations":${DEEP_ARRAYS}`),
    env(`"mutations":[${one.replace('"id":"bad"', `"id":${DEEP_ARRAYS}`)}]`),
    '[]',
    '"push"',
    'null',
    '42',
    '{}',
    '',
    env('"mutations":{}'),
    env('"mutations":[1]'),
    env(`"mutations":[${one.replace('"op":"insert"', '"op":"upsert"')}]`),
    env(`"mutations":[${one}],"mutations":"x"`),
    p.text.replace(/"clientId":"[^"]*"/, '"clientId":"\\ud800"'),
    p.text.replace(`"protocol":${PROTOCOL_VERSION}`, '"protocol":99'),
    p.text.replace(`"protocol":${PROTOCOL_VERSION}`, '"protocol":"3"'),
    env(`"mutations":[${one},${one.replace('"seq":1', '"seq":3')}]`),
    Buffer.concat([Buffer.from(p.text.slice(0, 20)), Buffer.from([0xed, 0xa0, 0x80, 0xff]), Buffer.from(p.text.slice(20))]),
    env(`"mutations":[${Array.from({ length: 501 }, (_, i) => one.replace('"seq":1', `"seq":${i + 1}`)).join(',')}]`),
    `\ufeff${p.text.slice(0, -1)}`,
  ];
  return post('/sync/push', bodies[which]!, [400, 409, 413, 426], 'bad push');
});

/** More than the body cap, with its length declared or streamed: 413. */
const hugeBody = fc.tuple(fc.boolean(), fc.constantFrom('/sync/push', '/sync/pull')).map(([chunked, path]) => {
  const pad = 'x'.repeat(FUZZ_LIMITS.maxBodyBytes + 1024);
  const text = `{"protocol":${PROTOCOL_VERSION},"clientId":"huge-${counter++}","mutations":[{"seq":1,"collection":"notes","id":"huge","op":"insert","data":{"ownerId":"alice","title":"${pad}"}}]}`;
  return post(path, text, [413], 'huge body', { chunked });
});

/** Other methods on the sync routes, carrying a valid push: 4xx, nothing applied. */
const oddMethod = fc
  .tuple(mutations, fc.constantFrom('PUT', 'DELETE', 'PATCH', 'TRACE', 'PROPFIND', 'GET'), fc.constantFrom('/sync/push', '/sync/pull', '/sync/info'))
  .filter(([, method, path]) => !(method === 'GET' && path === '/sync/info'))
  .map(([plans, method, path]) => ({ ...post(path, pushText(plans).text, [400, 404, 405], 'odd method'), method }));

/** A valid mixed push under another content type: processed as JSON (200), or refused whole (415). */
const oddType = fc
  .tuple(mutations, fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=utf-16', 'application/xml', ''))
  .map(([plans, type]) => {
    const p = pushText(plans);
    return { ...post('/sync/push', p.text, [200, 415], 'odd content type', { results: p.results, valid: p.valid }), headers: type ? { 'content-type': type } : {} };
  });

/** Pulls naming hostile collections, checking hostile ids, with forged cursors and odd limits. */
const hostilePull = fc
  .record({
    names: fc.array(fc.oneof(hostile, protoName, fc.constant('notes')), { maxLength: 4 }),
    ids: fc.array(fc.oneof(hostile, protoName, storable(10)), { maxLength: 4 }),
    cursor: fc.oneof(fc.constant('null'), fc.string().map(q), fc.constantFrom('"k2.e30"', '"k2.W10"', '"public.0"', '"all.-1"', `"k2.${Buffer.from('{"g":[[["ownerId:mallory"],null]],"l":[]}').toString('base64url')}"`)),
    limit: fc.constantFrom('', ',"limit":0', ',"limit":-1', ',"limit":1e309', ',"limit":18446744073709551616', ',"limit":"5"', ',"limit":1.5', ',"limit":3'),
  })
  .map(({ names, ids, cursor, limit }) => {
    const check = obj(ids.map((id) => [id, '0']));
    const collections = obj([['notes', `{"cursor":${cursor},"check":${check}}`], ...names.map((n) => [n, '{"cursor":null}'] as const)]);
    const text = `{"protocol":${PROTOCOL_VERSION},"clientId":"reader","collections":${collections}${limit}}`;
    return post('/sync/pull', text, [200, 400], 'hostile pull');
  });

export const fuzzRequest: fc.Arbitrary<FuzzRequest> = fc.oneof(
  { weight: 10, arbitrary: mixedPush },
  { weight: 4, arbitrary: badPush },
  { weight: 1, arbitrary: hugeBody },
  { weight: 2, arbitrary: oddMethod },
  { weight: 2, arbitrary: oddType },
  { weight: 3, arbitrary: hostilePull },
);
