/**
 * Issue 14, part of done-when 3: hostile strings (U+0000, lone surrogates, `__proto__`,
 * `constructor`, `prototype`) in ids, collection names, data/patch keys and values, mixed with
 * valid mutations in one push, on both stores. Every answer is a 4xx or a per-mutation `invalid`,
 * never a 5xx; the valid mutations of the same push are applied; valid ids (any Unicode, astral
 * included) round-trip exactly; at the end the database holds exactly the legitimate writes.
 *
 * Seeded: `HOSTILE_SEED` replays a run (the seed is printed), `HOSTILE_RUNS` sets the number of
 * pushes per store (default 150; e.g. `HOSTILE_RUNS=10000` for a long run).
 */
import { defineSchema, PROTOCOL_VERSION, t } from '@syncline/core';
import { isStorableText } from '@syncline/core/internal';
import { createJwtAuth, createSyncServer, type Rules, type SyncServer, signDevToken } from '@syncline/server';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { backends } from './helpers/backends.ts';
import { tempDir } from './helpers/server.ts';

const schema = defineSchema({
  notes: { columns: { ownerId: t.text(), title: t.text(), meta: t.json().optional() } },
});
const rules: Rules = { notes: { scope: 'ownerId' } };
const SECRET = 'hostile-input-secret-that-is-long-enough-for-hs256';
const USER = 'alice';

const RUNS = Number(process.env.HOSTILE_RUNS ?? 150);
const SEED = Number(process.env.HOSTILE_SEED ?? 20261201);
/** Long runs get time in proportion (PostgreSQL takes ~20 ms a push here). */
const TIMEOUT_MS = 60_000 + RUNS * 100;

const dir = tempDir('syncline-hostile-');
afterAll(() => dir.cleanup());

// ---- strings -------------------------------------------------------------------------------

/** Any Unicode text a store keeps exactly (astral characters included), short. */
const storable = (max: number) =>
  fc.string({ unit: 'binary', minLength: 0, maxLength: max }).filter(isStorableText);

/** One code unit no store keeps exactly: U+0000 or a lone surrogate. */
const poison = fc.oneof(
  fc.constant('\u0000'),
  fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)),
);

/** Text with at least one poisoned code unit somewhere (never repaired by its neighbours). */
const hostile = fc
  .tuple(storable(6), poison, storable(6), fc.option(poison, { nil: '' }))
  .map(([a, p, b, q]) => `${a}${p}${b}${q}`)
  .filter((s) => !isStorableText(s) && s.length <= 60);

const prototypeName = fc.constantFrom('__proto__', 'constructor', 'prototype');

// ---- mutations ---------------------------------------------------------------------------------

/** A mutation without its seq, and what the server must answer for it. */
interface Planned {
  mutation: Record<string, unknown>;
  expect: 'applied' | 'invalid';
}

let counter = 0;
/** A prefix unique to each execution (shrinking re-runs get new ones, so ids never collide). */
const nextPrefix = () => `r${counter++}`;

/** An object with `key` as an own property even for `__proto__` (so JSON.stringify sends it). */
function withKey(base: Record<string, unknown>, key: string, value: unknown): Record<string, unknown> {
  const out = { ...base };
  Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  return out;
}

const insert = (id: string, data: Record<string, unknown>, collection = 'notes') => ({
  collection,
  id,
  op: 'insert',
  data,
});

type Plan = (prefix: string, i: number) => Planned;

const plans: fc.Arbitrary<Plan> = fc.oneof(
  // Valid inserts: the id and title are arbitrary Unicode and must come back exactly.
  {
    weight: 4,
    arbitrary: fc.tuple(storable(20), storable(20)).map(
      ([idPart, title]): Plan =>
        (prefix, i) => ({
          mutation: insert(`${prefix}.${i}-${idPart}`, { ownerId: USER, title, meta: { title, n: [i] } }),
          expect: 'applied',
        }),
    ),
  },
  {
    weight: 1,
    arbitrary: hostile.map(
      (h): Plan =>
        () => ({ mutation: insert(h, { ownerId: USER, title: 'x' }), expect: 'invalid' }),
    ),
  },
  {
    weight: 1,
    arbitrary: hostile.map(
      (h): Plan =>
        (prefix, i) => ({
          mutation: insert(`${prefix}.${i}`, { ownerId: USER, title: 'x' }, h),
          expect: 'invalid',
        }),
    ),
  },
  {
    weight: 1,
    arbitrary: fc.oneof(hostile, prototypeName).map(
      (key): Plan =>
        (prefix, i) => ({
          mutation: insert(`${prefix}.${i}`, withKey({ ownerId: USER, title: 'x' }, key, { polluted: true })),
          expect: 'invalid',
        }),
    ),
  },
  {
    weight: 1,
    arbitrary: hostile.map(
      (h): Plan =>
        (prefix, i) => ({
          mutation: insert(`${prefix}.${i}`, { ownerId: USER, title: h }),
          expect: 'invalid',
        }),
    ),
  },
  {
    weight: 1,
    // Hostile JSON: a string or key, or a nested "__proto__" key (a computed key is an own property).
    arbitrary: fc
      .tuple(fc.oneof(hostile, fc.constant('__proto__')), fc.boolean())
      .filter(([h, asKey]) => asKey || !isStorableText(h))
      .map(
        ([h, asKey]): Plan =>
          (prefix, i) => ({
            mutation: insert(`${prefix}.${i}`, {
              ownerId: USER,
              title: 'x',
              meta: asKey ? { [h]: 1 } : { a: [h] },
            }),
            expect: 'invalid',
          }),
      ),
  },
  {
    // Hostile patches and ids of updates and deletes; the seed record must never change.
    weight: 1,
    arbitrary: fc
      .tuple(fc.oneof(hostile, prototypeName), fc.constantFrom('key', 'value', 'id', 'delete'))
      // A prototype name is a fine id or title (any text is): only as a key is it refused.
      .filter(([h, where]) => where === 'key' || !isStorableText(h))
      .map(
        ([h, where]): Plan =>
          () => {
            if (where === 'delete')
              return {
                mutation: { collection: 'notes', id: h, op: 'delete', baseVersion: 1 },
                expect: 'invalid',
              };
            const patch = where === 'key' ? withKey({}, h, 'x') : { title: h };
            const id = where === 'id' ? h : 'seed';
            if (where === 'id') patch.title = 'x';
            return {
              mutation: { collection: 'notes', id, op: 'update', patch, baseVersion: 1 },
              expect: 'invalid',
            };
          },
      ),
  },
);

const request = fc.record({
  plans: fc.array(plans, { minLength: 1, maxLength: 8 }),
  schemaHash: fc.constantFrom<string | undefined>(undefined, schema.hash, 'not-the-server-hash'),
  badClientId: fc.option(hostile, { freq: 10, nil: null }),
  pullNoise: fc.array(hostile, { maxLength: 3 }),
});

/** Whether every string and key in `value` is storable text (JSON.stringify would hide it). */
function allStorable(value: unknown): boolean {
  if (typeof value === 'string') return isStorableText(value);
  if (Array.isArray(value)) return value.every(allStorable);
  if (typeof value === 'object' && value !== null)
    return Object.entries(value).every(([k, v]) => isStorableText(k) && allStorable(v));
  return true;
}

// ---- the property ------------------------------------------------------------------------------

// biome-ignore lint/suspicious/noExplicitAny: answers are read loosely; the assertions check their shape.
type Json = Record<string, any>;

async function post(server: SyncServer, path: string, token: string, body: unknown) {
  const res = await server.handler(
    new Request(`http://localhost/sync${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      // JSON.stringify escapes lone surrogates and U+0000, and the server's JSON.parse restores them.
      body: JSON.stringify(body),
    }),
  );
  return { status: res.status, body: (await res.json()) as Json };
}

for (const backend of backends(dir.path, 'sl_hostile')) {
  describe.skipIf(backend.skip !== null)(
    `hostile input on ${backend.name}${backend.skip ? ` — ${backend.skip}` : ''}`,
    () => {
      let server: SyncServer;
      let dispose: () => Promise<void>;
      let token: string;
      let seed: Record<string, unknown>;

      beforeAll(async () => {
        const made = backend.make(schema, rules);
        await made.store.migrate();
        server = createSyncServer({
          schema,
          rules,
          store: made.store,
          auth: createJwtAuth({ secret: SECRET }),
        });
        dispose = async () => {
          await made.store.close();
          await made.dispose();
        };
        token = await signDevToken(SECRET, USER, 3600);
        const pushed = await post(server, '/push', token, {
          protocol: PROTOCOL_VERSION,
          clientId: 'seeder',
          mutations: [{ seq: 1, ...insert('seed', { ownerId: USER, title: 'seed' }) }],
        });
        seed = pushed.body.results[0].record;
      });
      afterAll(() => dispose());

      test('the cases of issue 14 are refused per mutation while the valid one in the same push applies', async () => {
        const carol = await signDevToken(SECRET, 'carol', 3600);
        const mutations = [
          insert('\ud800-x', { ownerId: 'carol', title: 'lone surrogate id' }),
          insert('c1', { ownerId: 'carol', title: 'x' }, 'no\u0000tes'),
          insert('c2', { ownerId: 'carol', title: 'x' }, '\udc00notes'),
          insert('c3', { ownerId: 'carol', title: 'x', 'a\u0000': 1 }),
          insert('c4', { ownerId: 'carol', title: 'x', 'a\ud800': 1 }),
          insert('c5', withKey({ ownerId: 'carol', title: 'x' }, '__proto__', { polluted: true })),
          insert('ok-🥛-\u00e9', { ownerId: 'carol', title: 'valid 牛奶 🥛' }),
        ];
        const push = await post(server, '/push', carol, {
          protocol: PROTOCOL_VERSION,
          clientId: 'issue-14',
          schemaHash: 'not-the-server-hash',
          mutations: mutations.map((m, i) => ({ seq: i + 1, ...m })),
        });
        expect(push.status).toBe(200);
        const results = push.body.results as Array<Record<string, unknown>>;
        expect(results.map((r) => r.code ?? r.status)).toEqual([
          'invalid',
          'invalid',
          'invalid',
          'invalid',
          'invalid',
          'invalid',
          'applied',
        ]);
        expect(results[5]).toMatchObject({
          issues: [{ path: '__proto__', message: expect.stringMatching(/reserved/) }],
        });
        expect(allStorable(results)).toBe(true);
        expect(results[6]).toMatchObject({ record: { id: 'ok-🥛-\u00e9', title: 'valid 牛奶 🥛' } });
        // The recorded outcomes are answered again, exactly, for a re-sent push (they were stored).
        const again = await post(server, '/push', carol, {
          protocol: PROTOCOL_VERSION,
          clientId: 'issue-14',
          mutations: mutations.map((m, i) => ({ seq: i + 1, ...m })),
        });
        expect(again.body.results).toEqual(results);
      });

      test(
        `${RUNS} pushes mixing hostile and valid mutations: no 5xx, valid ones applied and exact`,
        async () => {
          console.log(
            `hostile input on ${backend.name}: seed=${SEED} runs=${RUNS} (replay with HOSTILE_SEED=${SEED})`,
          );
          const applied = new Map<string, string>([['seed', 'seed']]);
          await fc.assert(
            fc.asyncProperty(request, async (r) => {
              const prefix = nextPrefix();
              const planned = r.plans.map((plan, i) => plan(prefix, i));
              const clientId = r.badClientId ?? `client-${prefix}`;
              const body = {
                protocol: PROTOCOL_VERSION,
                clientId,
                ...(r.schemaHash === undefined ? {} : { schemaHash: r.schemaHash }),
                mutations: planned.map((p, i) => ({ seq: i + 1, ...p.mutation })),
              };
              const push = await post(server, '/push', token, body);
              expect(push.status).toBeLessThan(500);
              const valid = planned
                .filter((p) => p.expect === 'applied')
                .map((p) => p.mutation as ReturnType<typeof insert>);
              if (r.badClientId !== null) {
                expect(push.status).toBe(400);
              } else {
                expect(push.status, JSON.stringify(push.body).slice(0, 300)).toBe(200);
                const results = push.body.results as Array<Json>;
                expect(results.map((x) => x.status === 'applied' || x.code)).toEqual(
                  planned.map((p) => (p.expect === 'applied' ? true : 'invalid')),
                );
                // Stored outcomes hold no raw hostile text (PostgreSQL keeps them as jsonb).
                expect(allStorable(results.filter((x) => x.status === 'rejected'))).toBe(true);
                for (const m of valid) applied.set(m.id, m.data.title as string);
              }
              // A pull naming hostile collections and checking hostile ids is answered, and valid ids
              // written by this push come back exactly as sent.
              const check: Record<string, number> = {};
              for (const m of valid) check[m.id] = 0;
              for (const h of r.pullNoise) check[h] = 0;
              const collections: Record<string, unknown> = { notes: { cursor: null, check } };
              for (const h of r.pullNoise) collections[h] = { cursor: null };
              const pull = await post(server, '/pull', token, {
                protocol: PROTOCOL_VERSION,
                clientId,
                collections,
                limit: 1,
              });
              expect(pull.status, JSON.stringify(pull.body).slice(0, 300)).toBe(200);
              const got = new Map<string, Record<string, unknown>>(
                (pull.body.collections.notes.changes as Array<Record<string, unknown>>).map((c) => [
                  c.id as string,
                  c,
                ]),
              );
              for (const m of valid) {
                const record = got.get(m.id);
                if (r.badClientId !== null) expect(record).toBeUndefined();
                else expect(record).toMatchObject({ id: m.id, title: m.data.title, meta: m.data.meta });
              }
            }),
            { numRuns: RUNS, seed: SEED, endOnFailure: true },
          );

          // The database holds exactly the legitimate writes; the seed record never changed.
          const all = new Map<string, Record<string, unknown>>();
          let cursor: string | null = null;
          for (let page = 0; page < 1000; page++) {
            const pull = await post(server, '/pull', token, {
              protocol: PROTOCOL_VERSION,
              clientId: 'auditor',
              collections: { notes: { cursor } },
            });
            expect(pull.status).toBe(200);
            const notes = pull.body.collections.notes;
            for (const c of notes.changes) all.set(c.id, c);
            cursor = notes.cursor;
            if (!notes.hasMore) break;
          }
          expect([...all.keys()].sort()).toEqual([...applied.keys()].sort());
          for (const [id, title] of applied) expect(all.get(id)?.title).toBe(title);
          expect(all.get('seed')).toEqual(seed);
        },
        TIMEOUT_MS,
      );
    },
  );
}
