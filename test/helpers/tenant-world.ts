/**
 * The world of the cross-tenant matrix (issue 14, done-when 2): three tenants, each an owner and
 * a member sharing lists through memberships under the demo's rules (apps/demo/schema.ts), with
 * a canary string in every row. The demo's tables, plus a text column on `members`, so that a
 * membership row carries a canary too. `readable` and `attackable` model the demo's rules; a
 * full pull per user checks the model against the server before any attack.
 */
import { defineSchema, t } from '@syncline/core';
import { rules as demoRules, schema as demoSchema } from '../../apps/demo/schema.ts';

const demo = demoSchema.collections;
export const tenantSchema = defineSchema({
  lists: { columns: demo.lists.columns },
  tasks: { columns: demo.tasks.columns, indexes: demo.tasks.indexes, conflicts: demo.tasks.conflicts },
  members: { columns: { ...demo.members.columns, note: t.text() } },
});

/** The demo's rules, unchanged: they read `lists.owner_id`, `members.list_id` and `members.user_id`. */
export const tenantRules = demoRules;

export type Name = 'lists' | 'tasks' | 'members';
export const NAMES: readonly Name[] = ['lists', 'tasks', 'members'];

/** A row of the world as the model knows it. */
export interface Row {
  collection: Name;
  id: string;
  data: Record<string, unknown>;
  deleted: boolean;
  /** The canary in its text (`name`, `title` or `note`). */
  canary: string;
}

/** Seeded PRNG (mulberry32): the whole matrix, canaries included, follows from one seed. */
export function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  return {
    next,
    int,
    pick: <T>(xs: readonly T[]): T => {
      if (xs.length === 0) throw new Error('pick from an empty list');
      return xs[int(xs.length)]!;
    },
    chance: (p: number) => next() < p,
    hex: (n: number) => Array.from({ length: n }, () => int(16).toString(16)).join(''),
  };
}
export type Rng = ReturnType<typeof prng>;

/** Every canary has this shape, so an answer is scanned with one regular expression. */
export const CANARY = /CANARY[0-9a-f]{12}/g;

export const TENANTS = ['a', 'b', 'c'] as const;
export const USERS = TENANTS.flatMap((t) => [`${t}-owner`, `${t}-member`]);

/** A setup push: who sends it, and the mutations (without seq) it carries. */
export interface SetupPush {
  user: string;
  mutations: Array<Record<string, unknown>>;
}

/**
 * The rows of the world and the pushes that write them. Per tenant: the owner's lists `shared`
 * (the member belongs to it), `private`, `gone` (with a task and a membership, deleted
 * afterwards) and `sandbox`; the member's `private` and `sandbox`; three tasks in every live list
 * but the sandboxes. The sandboxes take each user's legitimate writes during the matrix.
 */
export function planWorld(rng: Rng): { rows: Row[]; pushes: SetupPush[]; deletes: SetupPush[] } {
  const rows: Row[] = [];
  const pushes: SetupPush[] = [];
  const deletes: SetupPush[] = [];
  const add = (collection: Name, id: string, data: Record<string, unknown>, text: string): Row => {
    const canary = `CANARY${rng.hex(12)}`;
    const row: Row = {
      collection,
      id,
      data: { ...data, [text]: `${text} ${canary}` },
      deleted: false,
      canary,
    };
    rows.push(row);
    return row;
  };
  for (const t of TENANTS) {
    for (const user of [`${t}-owner`, `${t}-member`]) {
      const owner = user.endsWith('-owner');
      const mine: Row[] = [];
      for (const kind of owner ? ['shared', 'private', 'gone', 'sandbox'] : ['private', 'sandbox']) {
        const list = add('lists', `${user}.list.${kind}`, { ownerId: user }, 'name');
        mine.push(list);
        if (kind === 'sandbox') continue;
        for (let i = 0; i < (kind === 'gone' ? 1 : 3); i++)
          mine.push(
            add('tasks', `${list.id}.task.${i}`, { listId: list.id, done: false, dueAt: null }, 'title'),
          );
        if (kind === 'shared' || kind === 'gone')
          mine.push(add('members', `${list.id}.member`, { listId: list.id, userId: `${t}-member` }, 'note'));
      }
      // One push per collection in dependency order, as a client would send them.
      for (const c of NAMES) {
        const ofC = mine.filter((r) => r.collection === c);
        if (ofC.length > 0)
          pushes.push({
            user,
            mutations: ofC.map((r) => ({ collection: c, id: r.id, op: 'insert', data: r.data })),
          });
      }
      const gone = mine.find((r) => r.id.endsWith('.list.gone'));
      if (gone) {
        gone.deleted = true;
        deletes.push({
          user,
          mutations: [{ collection: 'lists', id: gone.id, op: 'delete', baseVersion: 0 }],
        });
      }
    }
  }
  return { rows, pushes, deletes };
}

/** What the demo's rules let `user` read and write, over the world's rows. */
export function model(rows: readonly Row[]) {
  const lists = rows.filter((r) => r.collection === 'lists');
  const liveList = (id: unknown) => lists.some((l) => l.id === id && !l.deleted);
  const owned = (u: string) =>
    new Set(lists.filter((l) => !l.deleted && l.data.ownerId === u).map((l) => l.id));
  const memberOf = (u: string) =>
    new Set(
      rows
        .filter(
          (r) => r.collection === 'members' && !r.deleted && r.data.userId === u && liveList(r.data.listId),
        )
        .map((r) => String(r.data.listId)),
    );
  const visible = (u: string) => new Set([...owned(u), ...memberOf(u)]);
  const readable = (u: string, r: Row): boolean => {
    if (r.collection === 'lists') return r.data.ownerId === u || memberOf(u).has(r.id);
    if (r.collection === 'tasks') return visible(u).has(String(r.data.listId));
    return r.data.userId === u || visible(u).has(String(r.data.listId));
  };
  /** Rows `user` may not change at all (so every write to them is an attack). */
  const attackable = (u: string, r: Row): boolean => {
    if (r.collection === 'lists') return r.data.ownerId !== u;
    if (r.collection === 'tasks') return !visible(u).has(String(r.data.listId));
    return r.data.userId !== u && !owned(u).has(String(r.data.listId));
  };
  return { owned, visible, readable, attackable };
}
