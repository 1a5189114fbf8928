import { pushRequest } from '@syncline/core';
import { describe, expect, test } from 'vitest';
import { checkMessage } from './body.ts';
import { restoreDroppedKeys } from './dropped-keys.ts';
import { wellFormedPush } from './push-shape.ts';

const good = {
  protocol: 3,
  clientId: 'c1',
  schemaHash: 'h',
  mutations: [
    { seq: 1, collection: 'tasks', id: 't1', op: 'insert', data: { title: 'a', n: 1 } },
    { seq: 2, collection: 'tasks', id: 't1', op: 'update', patch: { done: true }, baseVersion: 4 },
    { seq: 3, collection: 'tasks', id: 't1', op: 'delete', baseVersion: 0 },
  ],
};
// biome-ignore lint/suspicious/noExplicitAny: the variants below break the body in every way
type Body = Record<string, any>;
const clone = (): Body => JSON.parse(JSON.stringify(good));

/** What the handler had before the fast check: zod, then the dropped keys put back; or the error. */
function viaZod(raw: unknown): unknown {
  try {
    return restoreDroppedKeys(raw, checkMessage(raw, pushRequest));
  } catch (err) {
    return { threw: (err as Error).message };
  }
}

const variants: Array<[string, (b: Body) => unknown]> = [
  ['as is', (b) => b],
  [
    'no schemaHash',
    (b) => {
      delete b.schemaHash;
      return b;
    },
  ],
  [
    'schemaHash null',
    (b) => {
      b.schemaHash = null;
      return b;
    },
  ],
  [
    'extra body key',
    (b) => {
      b.extra = 1;
      return b;
    },
  ],
  [
    'protocol too new',
    (b) => {
      b.protocol = 99;
      return b;
    },
  ],
  [
    'protocol fractional',
    (b) => {
      b.protocol = 2.5;
      return b;
    },
  ],
  [
    'empty clientId',
    (b) => {
      b.clientId = '';
      return b;
    },
  ],
  [
    'long id',
    (b) => {
      b.mutations[0].id = 'x'.repeat(129);
      return b;
    },
  ],
  [
    'seq 0',
    (b) => {
      b.mutations[0].seq = 0;
      return b;
    },
  ],
  [
    'seq unsafe',
    (b) => {
      b.mutations[0].seq = 2 ** 60;
      return b;
    },
  ],
  [
    'negative baseVersion',
    (b) => {
      b.mutations[1].baseVersion = -1;
      return b;
    },
  ],
  [
    'missing baseVersion',
    (b) => {
      delete b.mutations[2].baseVersion;
      return b;
    },
  ],
  [
    'unknown op',
    (b) => {
      b.mutations[0].op = 'upsert';
      return b;
    },
  ],
  [
    'data an array',
    (b) => {
      b.mutations[0].data = [1];
      return b;
    },
  ],
  [
    'extra mutation key',
    (b) => {
      b.mutations[0].patch = {};
      return b;
    },
  ],
  [
    'mutations not an array',
    (b) => {
      b.mutations = {};
      return b;
    },
  ],
  ['body an array', () => [good]],
  ['__proto__ in data', () => JSON.parse(JSON.stringify(good).replace('"title"', '"__proto__"'))],
  [
    '__proto__ in the body',
    () => JSON.parse(JSON.stringify(good).replace('"clientId"', '"__proto__":1,"clientId"')),
  ],
];

describe('the push body fast check', () => {
  for (const [name, make] of variants) {
    test(`${name}: answers what zod answers, or leaves it to zod`, () => {
      const fast = wellFormedPush(make(clone()));
      const reference = viaZod(make(clone()));
      if (fast !== null) expect(fast).toEqual(reference);
      else if (name === 'as is' || name === 'no schemaHash' || name === '__proto__ in data')
        throw new Error('a well-formed body must take the fast check');
    });
  }

  test('a "__proto__" data key stays an own key, as restoreDroppedKeys leaves it', () => {
    const fast = wellFormedPush(JSON.parse(JSON.stringify(good).replace('"title"', '"__proto__"')))!;
    const data = (fast.mutations[0] as { data: Record<string, unknown> }).data;
    expect(Object.hasOwn(data, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(data)).toBe(Object.prototype);
  });
});
