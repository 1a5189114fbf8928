/**
 * The attacks of the cross-tenant matrix (tenant-matrix.ts): case `i` is of kind
 * `KINDS[i % KINDS.length]`, so every kind gets its share; the attacker, its target and the
 * details come from the seeded generator. Pushes carry the attacker's legitimate writes (to its
 * sandbox list) at random places among the attacks.
 */
import { PROTOCOL_VERSION } from '@syncline/core';
import type { MatrixState, Step } from './tenant-matrix.ts';
import { NAMES, type Name, type Rng, type Row, USERS } from './tenant-world.ts';

export const KINDS = [
  'update foreign id',
  'delete foreign id',
  'insert with forged scope',
  'move own row into foreign scope',
  "another user's clientId",
  'replayed push under another token',
  'self-added membership',
  'id collision (would leak current)',
  'stale write to foreign row (would leak current)',
  'pull checking foreign ids',
  'pull with forged cursor',
  "pull with another user's cursor",
  'pull naming foreign collections',
] as const;

interface Planned {
  mutation: Record<string, unknown>;
  legit: boolean;
  unreadable: boolean;
}

const sandbox = (u: string) => `${u}.list.sandbox`;

export function planAttack(s: MatrixState, rng: Rng, i: number): { kind: string; steps: Step[] } {
  const kind = KINDS[i % KINDS.length]!;
  const u = rng.pick(USERS);
  const others = USERS.filter((v) => v !== u);
  const victim = rng.pick(others);
  const lists = s.rows.filter((r) => r.collection === 'lists');
  const visible = s.m.visible(u);
  const owned = s.m.owned(u);
  const foreignLists = lists.filter((l) => !visible.has(l.id)).map((l) => l.id);
  const notOwned = lists.filter((l) => !owned.has(l.id)).map((l) => l.id);
  const targets = s.rows.filter((r) => s.m.attackable(u, r));
  const version = (id: string) => s.versions.get(id) ?? 0;
  const fresh = () => `${u}.new.${s.nextId()}`;
  const attack = (row: Row | null, mutation: Record<string, unknown>): Planned => ({
    mutation,
    legit: false,
    unreadable: row === null || !s.m.readable(u, row),
  });

  const push = (planned: Planned[], opts: { clientId?: string; status?: number } = {}): Step => {
    // The attacker's own writes, at random places: new tasks in its sandbox, edits of earlier ones.
    const pool = [...s.legit.get(u)!];
    const all = [...planned];
    for (let k = rng.int(3); k > 0; k--) {
      const at = rng.int(all.length + 1);
      const reuse = pool.length > 0 && rng.chance(0.4) ? pool.splice(rng.int(pool.length), 1)[0]! : null;
      const mutation: Record<string, unknown> =
        reuse === null
          ? {
              collection: 'tasks',
              id: `${u}.legit.${s.nextId()}`,
              op: 'insert',
              data: { listId: sandbox(u), title: `legit ${rng.hex(4)}` },
            }
          : rng.chance(0.7)
            ? {
                collection: 'tasks',
                id: reuse,
                op: 'update',
                patch: { title: `legit edit ${rng.hex(4)}`, done: rng.chance(0.5) },
                baseVersion: version(reuse),
              }
            : { collection: 'tasks', id: reuse, op: 'delete', baseVersion: version(reuse) };
      all.splice(at, 0, { mutation, legit: true, unreadable: false });
    }
    const clientId = opts.clientId ?? `${u}.attack.${s.nextId()}`;
    const body = JSON.stringify({
      protocol: PROTOCOL_VERSION,
      clientId,
      mutations: all.map((p, seq) => ({ seq: seq + 1, ...p.mutation })),
    });
    return {
      user: u,
      path: '/push',
      body,
      status: opts.status ?? 200,
      legit: all.map((p) => p.legit),
      unreadable: all.map((p) => p.unreadable),
    };
  };

  const pull = (
    collections: Record<string, { cursor: string | null; check?: Record<string, number> }>,
    opts: { protocol?: number; unreadableChecks?: Step['unreadableChecks'] } = {},
  ): Step => ({
    user: u,
    path: '/pull',
    // Sometimes under another user's device id: a pull must not care whose it is.
    body: JSON.stringify({
      protocol: opts.protocol ?? PROTOCOL_VERSION,
      clientId: rng.chance(0.3) ? s.devices.get(victim) : `${u}.reader`,
      collections,
    }),
    status: 200,
    ...(opts.unreadableChecks ? { unreadableChecks: opts.unreadableChecks } : {}),
  });
  const everything = () => Object.fromEntries(NAMES.map((n) => [n, { cursor: null }]));

  /** A patch of `row` that changes it, or takes it over (its scope column set to the attacker's). */
  const hostilePatch = (row: Row): Record<string, unknown> => {
    const takeOver = rng.chance(0.5);
    if (row.collection === 'lists') return takeOver ? { ownerId: u } : { name: 'pwned' };
    if (row.collection === 'tasks') return takeOver ? { listId: sandbox(u) } : { title: 'pwned', done: true };
    return takeOver ? { userId: u } : { note: 'pwned' };
  };
  /** Data for `collection` that would be the attacker's own (so only the id collides). */
  const ownData = (collection: Name): Record<string, unknown> => {
    if (collection === 'lists') return { name: 'mine', ownerId: u };
    if (collection === 'tasks') return { listId: sandbox(u), title: 'mine' };
    return { listId: sandbox(u), userId: rng.pick(USERS), note: 'mine' };
  };

  switch (kind) {
    case 'update foreign id': {
      const t = rng.pick(targets);
      const m = {
        collection: t.collection,
        id: t.id,
        op: 'update',
        patch: hostilePatch(t),
        baseVersion: version(t.id),
      };
      return { kind, steps: [push([attack(t, m)])] };
    }
    case 'delete foreign id': {
      const t = rng.pick(targets);
      return {
        kind,
        steps: [
          push([attack(t, { collection: t.collection, id: t.id, op: 'delete', baseVersion: version(t.id) })]),
        ],
      };
    }
    case 'insert with forged scope': {
      const which = rng.pick(NAMES);
      const data =
        which === 'lists'
          ? { name: 'forged', ownerId: victim }
          : which === 'tasks'
            ? { listId: rng.pick(foreignLists), title: 'forged' }
            : { listId: rng.pick(notOwned), userId: rng.pick(USERS), note: 'forged' };
      return { kind, steps: [push([attack(null, { collection: which, id: fresh(), op: 'insert', data })])] };
    }
    case 'move own row into foreign scope': {
      // Rows the attacker can read and (but for the move) write: its lists, tasks it sees, members of its lists.
      const own = s.rows.filter(
        (r) =>
          !r.deleted &&
          ((r.collection === 'lists' && r.data.ownerId === u) ||
            (r.collection === 'tasks' && visible.has(String(r.data.listId))) ||
            (r.collection === 'members' && owned.has(String(r.data.listId)))),
      );
      const r = rng.pick(own);
      const patch =
        r.collection === 'lists'
          ? { ownerId: victim }
          : r.collection === 'tasks'
            ? // A member may not take a task out of a shared list, even into a list of its own.
              { listId: owned.has(String(r.data.listId)) ? rng.pick(foreignLists) : rng.pick([...visible]) }
            : { listId: rng.pick(notOwned) };
      if (r.collection === 'tasks' && patch.listId === r.data.listId) patch.listId = rng.pick(foreignLists);
      const m = { collection: r.collection, id: r.id, op: 'update', patch, baseVersion: version(r.id) };
      return { kind, steps: [push([attack(r, m)])] };
    }
    case "another user's clientId": {
      const t = rng.pick(targets);
      // (A push without mutations is answered before the client id is looked up: it does nothing.)
      const planned = [attack(t, { collection: t.collection, id: t.id, op: 'delete', baseVersion: 1 })];
      return {
        kind,
        steps: [push(planned, { clientId: s.devices.get(victim)!, status: 403 }), pull(everything())],
      };
    }
    case 'replayed push under another token': {
      const captured = rng.pick(s.captured.filter((c) => c.user !== u));
      const body = JSON.parse(captured.body) as {
        clientId: string;
        mutations: Array<Record<string, unknown>>;
      };
      const asIs = rng.chance(0.5);
      if (!asIs) {
        // Under a device id of its own (numbered from 1, or the server answers seq_gap).
        body.clientId = `${u}.replay.${s.nextId()}`;
        body.mutations = body.mutations.map((m, seq) => ({ ...m, seq: seq + 1 }));
      }
      const unreadable = body.mutations.map((m) => {
        const row = s.rows.find((r) => r.collection === m.collection && r.id === m.id)!;
        return !s.m.readable(u, row);
      });
      const step: Step = {
        user: u,
        path: '/push',
        body: JSON.stringify(body),
        status: asIs ? 403 : 200,
        legit: body.mutations.map(() => false),
        unreadable,
      };
      return { kind, steps: [step] };
    }
    case 'self-added membership': {
      const listId = rng.pick(foreignLists);
      const theirs = s.rows.filter((r) => r.collection === 'tasks' && r.data.listId === listId);
      const planned = [
        attack(null, {
          collection: 'members',
          id: fresh(),
          op: 'insert',
          data: { listId, userId: u, note: 'let me in' },
        }),
        attack(null, { collection: 'tasks', id: fresh(), op: 'insert', data: { listId, title: 'in' } }),
      ];
      const t = theirs.length > 0 ? rng.pick(theirs) : null;
      if (t)
        planned.push(
          attack(t, {
            collection: 'tasks',
            id: t.id,
            op: 'update',
            patch: { title: 'mine now' },
            baseVersion: version(t.id),
          }),
        );
      const check = Object.fromEntries(theirs.map((r) => [r.id, 0]));
      const collections = { ...everything(), tasks: { cursor: null, check } };
      return {
        kind,
        steps: [push(planned), pull(collections, { unreadableChecks: { tasks: theirs.map((r) => r.id) } })],
      };
    }
    case 'id collision (would leak current)': {
      const t = rng.pick(targets);
      return {
        kind,
        steps: [
          push([
            attack(t, { collection: t.collection, id: t.id, op: 'insert', data: ownData(t.collection) }),
          ]),
        ],
      };
    }
    case 'stale write to foreign row (would leak current)': {
      const t = rng.pick(targets.filter((r) => r.collection === 'tasks'));
      const base = rng.pick([0, Math.max(0, version(t.id) - 1), version(t.id) + 7]);
      const m = rng.chance(0.5)
        ? { collection: 'tasks', id: t.id, op: 'update', patch: { title: 'stale' }, baseVersion: base }
        : { collection: 'tasks', id: t.id, op: 'delete', baseVersion: base };
      return { kind, steps: [push([attack(t, m)])] };
    }
    case 'pull checking foreign ids': {
      const asked = Array.from({ length: 1 + rng.int(6) }, () => rng.pick(targets));
      const collections: Record<string, { cursor: null; check: Record<string, number> }> = {};
      const unreadableChecks: Partial<Record<Name, string[]>> = {};
      for (const t of asked) {
        collections[t.collection] ??= { cursor: null, check: {} };
        collections[t.collection]!.check[t.id] = rng.chance(0.5) ? 0 : version(t.id);
        if (!s.m.readable(u, t))
          unreadableChecks[t.collection] = [...(unreadableChecks[t.collection] ?? []), t.id];
      }
      return { kind, steps: [pull(collections, { unreadableChecks })] };
    }
    case 'pull with forged cursor': {
      const foreign = rng.pick(foreignLists);
      const tokens: Record<Name, string[]> = {
        lists: [`ownerId:${victim}`, `id:${foreign}`],
        tasks: [`listId:${foreign}`],
        members: [`userId:${victim}`, `listId:${foreign}`],
      };
      const theirs = s.cursors.get(victim)!.k2;
      const collections: Record<string, { cursor: string }> = {};
      for (const n of NAMES) {
        const position = rng.chance(0.5) ? null : decodePosition(theirs[n]!);
        const mine = { lists: `ownerId:${u}`, tasks: `listId:${sandbox(u)}`, members: `userId:${u}` }[n];
        const keys = rng.chance(0.5) ? tokens[n] : [...tokens[n], mine];
        const forged = rng.pick([
          `k2.${Buffer.from(JSON.stringify({ g: [[keys, position]], l: rng.chance(0.5) ? tokens[n] : [] })).toString('base64url')}`,
          `all.${position ?? '0'}`,
          `public.${position ?? '0'}`,
          'k2.not-json',
        ]);
        collections[n] = { cursor: forged };
      }
      return { kind, steps: [pull(collections)] };
    }
    case "pull with another user's cursor": {
      const theirs = s.cursors.get(victim)!;
      const p1 = rng.chance(0.4);
      const collections = Object.fromEntries(
        NAMES.map((n) => [n, { cursor: (p1 ? theirs.p1 : theirs.k2)[n]! }]),
      );
      return { kind, steps: [pull(collections, p1 ? { protocol: 1 } : {})] };
    }
    case 'pull naming foreign collections': {
      const odd = [
        '_syncline_clients',
        'sqlite_master',
        'pg_catalog.pg_tables',
        'Lists',
        'lists ',
        'constructor',
        'toString',
        'lists;--',
      ];
      const collections: Record<string, { cursor: null }> = { [rng.pick(NAMES)]: { cursor: null } };
      for (let k = 1 + rng.int(3); k > 0; k--) collections[rng.pick(odd)] = { cursor: null };
      return { kind, steps: [pull(collections)] };
    }
  }
}

/** The position of a `k2.` cursor's first group (a real position of another user's read). */
function decodePosition(cursor: string): string | null {
  const raw = JSON.parse(Buffer.from(cursor.slice(3), 'base64url').toString('utf8')) as {
    g: Array<[string[], string | null]>;
  };
  return raw.g[0]?.[1] ?? null;
}
