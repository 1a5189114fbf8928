/**
 * Issue 14, done-when 2, shared by both stores: a generated cross-tenant matrix over real HTTP on
 * loopback. The world (tenant-world.ts) is written through the protocol, each user's full pull
 * checks the rules model, then every case is one attack by one user, mixed with that user's
 * legitimate writes: foreign ids, forged scope columns, moves into foreign lists, another user's
 * clientId, replayed pushes, self-added memberships, id collisions and stale writes whose
 * `current` would leak, pulls naming foreign keys, cursors, collections and ids.
 *
 * Asserted for every case: no canary of a row the attacker may not read appears anywhere in the
 * raw answer text; every attack is refused (and carries no `current` of an unreadable row); the
 * legitimate writes are applied. At the end the database tables are compared with a snapshot
 * taken before the attacks: the world's rows are byte-for-byte equal, and the only other rows
 * are the legitimate writes, as written.
 */
import { PROTOCOL_VERSION } from '@syncline/core';
import type { ServerStore } from '@syncline/server';
import { expect } from 'vitest';
import { serveStore } from './server.ts';
import { planAttack } from './tenant-attacks.ts';
import {
  CANARY,
  model,
  NAMES,
  type Name,
  planWorld,
  prng,
  type Row,
  tenantRules,
  tenantSchema,
  USERS,
} from './tenant-world.ts';

// biome-ignore lint/suspicious/noExplicitAny: answers are read loosely; the assertions check their shape.
export type Json = Record<string, any>;

/** What the attacks need to know about the world and the run so far. */
export interface MatrixState {
  rows: readonly Row[];
  m: ReturnType<typeof model>;
  /** Current version of every world row and live legitimate task. */
  versions: Map<string, number>;
  /** Push bodies (JSON text) sent during setup, and by whom. */
  captured: Array<{ user: string; body: string }>;
  /** The device client id each user wrote the world with. */
  devices: Map<string, string>;
  /** Per user, the cursors its full pull ended with (protocol 3), and a protocol-1 cursor. */
  cursors: Map<string, { k2: Record<string, string>; p1: Record<string, string> }>;
  /** Live legitimate tasks per user (ids). */
  legit: Map<string, string[]>;
  nextId(): string;
}

/** One HTTP request a case sends, and what must come back. */
export interface Step {
  user: string;
  path: '/push' | '/pull';
  body: string;
  /** For a push answered 200: per mutation, whether it is the attacker's legitimate write. */
  legit?: boolean[];
  /** Whether the mutation at that index targets a row the attacker may not read (no `current`). */
  unreadable?: boolean[];
  status: number;
  /** Pull only: ids of `check` the attacker may not read, per collection (must be `unreadable`). */
  unreadableChecks?: Partial<Record<Name, string[]>>;
}

export interface MatrixResult {
  cases: number;
  requests: number;
  kinds: Record<string, number>;
  legitApplied: number;
  ms: number;
}

async function call(url: string, token: string, path: string, body: string) {
  const res = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body,
  });
  return { status: res.status, text: await res.text() };
}

const snake = (s: string) => s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** Every row of the three tables, every column (bookkeeping included), as JSON text per id. */
async function snapshot(store: ServerStore): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  await store.read(async (db) => {
    for (const name of NAMES) {
      for (const row of await db.all(`SELECT * FROM ${name} ORDER BY id`)) {
        const text = JSON.stringify(row, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v));
        out.set(`${name}/${String(row.id)}`, text);
      }
    }
  });
  return out;
}

export async function runTenantMatrix(opts: { store: ServerStore; cases: number; seed: number }) {
  const started = performance.now();
  const rng = prng(opts.seed);
  const world = planWorld(rng);
  const served = await serveStore({ store: opts.store, schema: tenantSchema, rules: tenantRules });
  try {
    const tokens = new Map<string, string>();
    for (const u of USERS) tokens.set(u, await served.token(u));
    const state: MatrixState = {
      rows: world.rows,
      m: model(world.rows),
      versions: new Map(),
      captured: [],
      devices: new Map(USERS.map((u) => [u, `${u}.device`])),
      cursors: new Map(),
      legit: new Map(USERS.map((u) => [u, []])),
      nextId: (() => {
        let n = 0;
        return () => String(n++);
      })(),
    };
    const seqs = new Map<string, number>();
    let requests = 0;

    // ---- the world, through the protocol ------------------------------------------------------
    for (const push of [...world.pushes, ...world.deletes]) {
      const seq0 = seqs.get(push.user) ?? 0;
      const mutations = push.mutations.map((m, i) => ({
        seq: seq0 + i + 1,
        ...m,
        ...(m.op === 'delete' ? { baseVersion: state.versions.get(String(m.id)) } : {}),
      }));
      seqs.set(push.user, seq0 + mutations.length);
      const body = JSON.stringify({
        protocol: PROTOCOL_VERSION,
        clientId: state.devices.get(push.user),
        mutations,
      });
      state.captured.push({ user: push.user, body });
      const r = await call(served.url, tokens.get(push.user)!, '/push', body);
      requests++;
      expect(r.status, r.text).toBe(200);
      for (const result of JSON.parse(r.text).results as Json[]) {
        expect(result.status, JSON.stringify(result)).toBe('applied');
        state.versions.set(result.record.id, result.record.version);
      }
    }

    // ---- positive control: each user reads exactly what the model says -------------------------
    const allowed = new Map<string, Set<string>>();
    for (const u of USERS) {
      const mine = new Set(world.rows.filter((r) => state.m.readable(u, r)).map((r) => r.canary));
      allowed.set(u, mine);
      const seen = new Set<string>();
      const k2: Record<string, string> = {};
      // On PostgreSQL a fresh row waits for the xid watermark (decision 0005): pull again until all came.
      for (let attempt = 0; attempt < 200 && seen.size < mine.size; attempt++) {
        const cursors: Record<string, string | null> = Object.fromEntries(NAMES.map((n) => [n, null]));
        for (let page = 0; page < 50; page++) {
          const collections = Object.fromEntries(NAMES.map((n) => [n, { cursor: cursors[n] }]));
          const r = await call(
            served.url,
            tokens.get(u)!,
            '/pull',
            JSON.stringify({ protocol: PROTOCOL_VERSION, clientId: state.devices.get(u), collections }),
          );
          requests++;
          expect(r.status, r.text).toBe(200);
          for (const c of r.text.match(CANARY) ?? []) seen.add(c);
          const answer = JSON.parse(r.text) as Json;
          for (const n of NAMES) cursors[n] = answer.collections[n].cursor;
          if (!NAMES.some((n) => answer.collections[n].hasMore)) break;
        }
        Object.assign(k2, cursors);
      }
      expect([...seen].sort(), `${u} reads what the model says`).toEqual([...mine].sort());
      const p1: Record<string, string> = {};
      const r = await call(
        served.url,
        tokens.get(u)!,
        '/pull',
        JSON.stringify({
          protocol: 1,
          clientId: state.devices.get(u),
          collections: Object.fromEntries(NAMES.map((n) => [n, { cursor: null }])),
        }),
      );
      requests++;
      for (const n of NAMES) p1[n] = (JSON.parse(r.text) as Json).collections[n].cursor;
      state.cursors.set(u, { k2, p1 });
    }
    // Every user may read some rows and not others: the scan below is never vacuous.
    for (const u of USERS) expect(allowed.get(u)!.size).toBeGreaterThan(0);
    const before = await snapshot(opts.store);
    expect(before.size).toBe(world.rows.length);

    // ---- the matrix ------------------------------------------------------------------------
    const kinds: Record<string, number> = {};
    const legitRows = new Map<string, Record<string, unknown>>();
    let legitApplied = 0;
    for (let i = 0; i < opts.cases; i++) {
      const attack = planAttack(state, rng, i);
      kinds[attack.kind] = (kinds[attack.kind] ?? 0) + 1;
      for (const step of attack.steps) {
        const where = `case ${i} (${attack.kind}, ${step.user} ${step.path}; replay with TENANT_SEED=${opts.seed})`;
        const r = await call(served.url, tokens.get(step.user)!, step.path, step.body);
        requests++;
        const leaked = (r.text.match(CANARY) ?? []).filter((c) => !allowed.get(step.user)!.has(c));
        expect(leaked, `${where}: canaries crossed in ${r.text.slice(0, 400)}`).toEqual([]);
        expect(r.status, `${where}: ${r.text.slice(0, 400)}`).toBe(step.status);
        if (r.status !== 200) continue;
        const answer = JSON.parse(r.text) as Json;
        if (step.path === '/push') {
          const sent = (JSON.parse(step.body) as Json).mutations as Json[];
          (answer.results as Json[]).forEach((res, j) => {
            const legit = step.legit?.[j] ?? false;
            expect(res.status, `${where}, mutation ${j}: ${JSON.stringify(res)}`).toBe(
              legit ? 'applied' : 'rejected',
            );
            if (!legit && step.unreadable?.[j]) expect(res, where).not.toHaveProperty('current');
            if (!legit) return;
            legitApplied++;
            const record = res.record as Json;
            const m = sent[j]!;
            state.versions.set(record.id, record.version);
            if (m.op === 'insert') state.legit.get(step.user)!.push(record.id);
            if (m.op === 'delete')
              state.legit.set(
                step.user,
                state.legit.get(step.user)!.filter((id) => id !== record.id),
              );
            legitRows.set(record.id, record);
          });
        } else {
          for (const [name, c] of Object.entries(answer.collections as Record<string, Json>)) {
            expect(NAMES, where).toContain(name);
            for (const change of c.changes as Json[]) {
              const row = world.rows.find((w) => w.collection === name && w.id === change.id);
              const ok = row
                ? state.m.readable(step.user, row)
                : change.listId === `${step.user}.list.sandbox`;
              expect(ok, `${where}: ${name}/${change.id} is not readable by ${step.user}`).toBe(true);
            }
            const asked = step.unreadableChecks?.[name as Name] ?? [];
            for (const id of asked) expect(c.unreadable ?? [], where).toContain(id);
          }
        }
      }
    }

    // ---- the database: the world unchanged, plus exactly the legitimate writes ------------------
    const after = await snapshot(opts.store);
    for (const [key, text] of before) expect(after.get(key), `${key} changed`).toBe(text);
    const extra = [...after.keys()].filter((k) => !before.has(k)).sort();
    expect(extra).toEqual([...legitRows.keys()].map((id) => `tasks/${id}`).sort());
    for (const [id, record] of legitRows) {
      const row = JSON.parse(after.get(`tasks/${id}`)!) as Json;
      expect(row.title, id).toBe(record.title);
      expect(row[snake('listId')], id).toBe(record.listId);
      expect(Boolean(row.done), id).toBe(record.done);
      expect(row[snake('deletedAt')] !== null, id).toBe(record.deletedAt !== null);
    }
    return {
      cases: opts.cases,
      requests,
      kinds,
      legitApplied,
      ms: Math.round(performance.now() - started),
    } satisfies MatrixResult;
  } finally {
    await served.close();
  }
}
