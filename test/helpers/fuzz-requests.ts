/**
 * The hostile requests of the fuzz (issue 14, done-when 3), as fast-check arbitraries. Bodies are
 * written as JSON text by hand, so they can hold what JSON.stringify never writes: duplicate keys,
 * `1e309`, `-0`, `NaN`, 10,000 levels of nesting, truncation, bytes that are not UTF-8. Each
 * request says which answers it may get and, for a push answered 200, what each mutation must be.
 */
import { PROTOCOL_VERSION } from '@syncline/core';
import fc from 'fast-check';
import {
  DEEP_ARRAYS,
  DEEP_OBJECTS,
  hostile,
  mutations,
  nextCounter,
  obj,
  protoName,
  pushText,
  q,
  storable,
  type ValidInsert,
} from './fuzz-mutations.ts';
import { FUZZ_LIMITS } from './fuzz-world.ts';

export type { ValidInsert } from './fuzz-mutations.ts';

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

// ---- requests -----------------------------------------------------------------------------

const JSON_HEADERS = { 'content-type': 'application/json' };
const post = (
  path: string,
  body: string | Buffer,
  statuses: number[],
  kind: string,
  extra: Partial<FuzzRequest> = {},
): FuzzRequest => ({
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
  const env = (rest: string) =>
    `{"protocol":${PROTOCOL_VERSION},"clientId":"c-bad-${nextCounter()}",${rest}}`;
  const one =
    '{"seq":1,"collection":"notes","id":"bad","op":"insert","data":{"ownerId":"alice","title":"x"}}';
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
    Buffer.concat([
      Buffer.from(p.text.slice(0, 20)),
      Buffer.from([0xed, 0xa0, 0x80, 0xff]),
      Buffer.from(p.text.slice(20)),
    ]),
    env(
      `"mutations":[${Array.from({ length: 501 }, (_, i) => one.replace('"seq":1', `"seq":${i + 1}`)).join(',')}]`,
    ),
    `\ufeff${p.text.slice(0, -1)}`,
  ];
  return post('/sync/push', bodies[which]!, [400, 409, 413, 426], 'bad push');
});

/** More than the body cap, with its length declared or streamed: 413. */
const hugeBody = fc
  .tuple(fc.boolean(), fc.constantFrom('/sync/push', '/sync/pull'))
  .map(([chunked, path]) => {
    const pad = 'x'.repeat(FUZZ_LIMITS.maxBodyBytes + 1024);
    const text = `{"protocol":${PROTOCOL_VERSION},"clientId":"huge-${nextCounter()}","mutations":[{"seq":1,"collection":"notes","id":"huge","op":"insert","data":{"ownerId":"alice","title":"${pad}"}}]}`;
    // 0: the server's close after its 413 reset the connection before the answer was read (fuzz.ts).
    return post(path, text, [413, 0], 'huge body', { chunked });
  });

/** Other methods on the sync routes, carrying a valid push: 4xx, nothing applied. */
const oddMethod = fc
  .tuple(
    mutations,
    fc.constantFrom('PUT', 'DELETE', 'PATCH', 'TRACE', 'PROPFIND', 'GET'),
    fc.constantFrom('/sync/push', '/sync/pull', '/sync/info'),
  )
  .filter(([, method, path]) => !(method === 'GET' && path === '/sync/info'))
  .map(([plans, method, path]) => ({
    ...post(path, pushText(plans).text, [400, 404, 405], 'odd method'),
    method,
  }));

/** A valid mixed push under another content type: processed as JSON (200), or refused whole (415). */
const oddType = fc
  .tuple(
    mutations,
    fc.constantFrom(
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/json; charset=utf-16',
      'application/xml',
      '',
    ),
  )
  .map(([plans, type]) => {
    const p = pushText(plans);
    return {
      ...post('/sync/push', p.text, [200, 415], 'odd content type', { results: p.results, valid: p.valid }),
      headers: type ? { 'content-type': type } : {},
    };
  });

/** Pulls naming hostile collections, checking hostile ids, with forged cursors and odd limits. */
const hostilePull = fc
  .record({
    names: fc.array(fc.oneof(hostile, protoName, fc.constant('notes')), { maxLength: 4 }),
    ids: fc.array(fc.oneof(hostile, protoName, storable(10)), { maxLength: 4 }),
    cursor: fc.oneof(
      fc.constant('null'),
      fc.string().map(q),
      fc.constantFrom(
        '"k2.e30"',
        '"k2.W10"',
        '"public.0"',
        '"all.-1"',
        `"k2.${Buffer.from('{"g":[[["ownerId:mallory"],null]],"l":[]}').toString('base64url')}"`,
      ),
    ),
    limit: fc.constantFrom(
      '',
      ',"limit":0',
      ',"limit":-1',
      ',"limit":1e309',
      ',"limit":18446744073709551616',
      ',"limit":"5"',
      ',"limit":1.5',
      ',"limit":3',
    ),
  })
  .map(({ names, ids, cursor, limit }) => {
    const check = obj(ids.map((id) => [id, '0']));
    const collections = obj([
      ['notes', `{"cursor":${cursor},"check":${check}}`],
      ...names.map((n) => [n, '{"cursor":null}'] as const),
    ]);
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
