import { SynclineError } from '../errors.ts';
import { stableHash } from '../hash.ts';
import type { ColumnDef, ColumnType } from './columns.ts';
import { IDENTIFIER, isReservedName } from './names.ts';

/** How the server settles concurrent writes to one record (ARCHITECTURE.md §5.1). */
export const CONFLICT_STRATEGIES = ['reject-stale', 'merge-fields', 'last-write-wins'] as const;
/**
 * How the server settles an update or delete built on an older version: one of
 * {@link CONFLICT_STRATEGIES}.
 */
export type ConflictStrategy = (typeof CONFLICT_STRATEGIES)[number];

/**
 * One collection as written in `defineSchema`: its columns, optional indexes (name → columns) and
 * conflict strategy (default `reject-stale`).
 */
export interface CollectionInput {
  /** The columns by camelCase name (`t.text()`, …); `id` and the metadata are implicit. */
  columns: Record<string, ColumnDef>;
  /** Local indexes by name: the columns each covers, in order. */
  indexes?: Record<string, readonly string[]>;
  /** How the server settles concurrent writes (default `reject-stale`; ARCHITECTURE.md §5.1). */
  conflicts?: ConflictStrategy;
}

/** One collection of a defined schema, with its name, columns, indexes, conflict strategy and fingerprint. */
export interface CollectionDef<C extends Record<string, ColumnDef> = Record<string, ColumnDef>> {
  /** The collection name (the key in the schema; the SQL table name in snake_case). */
  readonly name: string;
  /** The columns by name. */
  readonly columns: C;
  /** Indexes by name. */
  readonly indexes: Readonly<Record<string, readonly string[]>>;
  /** The conflict strategy (default filled in). */
  readonly conflicts: ConflictStrategy;
  /** Changes whenever the columns change; a client resets a collection whose fingerprint changed. */
  readonly fingerprint: string;
}

/**
 * A schema made by {@link defineSchema}: the collections by name and a hash of them, in one module
 * shared by client and server. The type parameter carries the columns, so rows, inserts and patches
 * are typed ({@link RowOf}, {@link InsertOf}, {@link PatchOf}).
 *
 * @example
 * export const schema = defineSchema({ tasks: { columns: { title: t.text(), done: t.boolean() } } });
 * type Task = RowOf<typeof schema, 'tasks'>; // { id, version, updatedAt, updatedBy, deletedAt, title, done }
 */
export type SchemaDef<S extends Record<string, CollectionInput> = Record<string, CollectionInput>> = {
  readonly collections: { readonly [K in keyof S & string]: CollectionDef<S[K]['columns']> };
  /** Hash of every collection's fingerprint; sent with pushes to detect a client ahead of the server. */
  readonly hash: string;
};

/** Server-owned metadata present on every record. */
export interface RecordMeta {
  /** The record id (clients make UUIDv7s; at most 128 characters). */
  id: string;
  /** Server-assigned, new on every write, unique per database. */
  version: number;
  /** Server time of the last write (ISO 8601 UTC, milliseconds). */
  updatedAt: string;
  /** The user id whose push wrote the record last; null when plain SQL (or an older server) wrote it. */
  updatedBy: string | null;
  /** When the record was deleted (a tombstone), or null while it is alive. */
  deletedAt: string | null;
}

/** The columns of a collection as a TypeScript object type. */
export type ColumnValues<C extends Record<string, ColumnDef>> = {
  -readonly [K in keyof C]: ColumnType<C[K]>;
};

/** A full record of collection `K` of schema `S`. */
export type RowOf<S extends SchemaDef, K extends keyof S['collections']> = RecordMeta &
  ColumnValues<S['collections'][K]['columns']>;

type RequiredKeys<C extends Record<string, ColumnDef>> = {
  [K in keyof C]: C[K] extends { readonly __hasDefault?: true } ? never : K;
}[keyof C];

/** What `insert` takes: required columns, optional ones with a default or `null`, and an optional `id`. */
export type InsertOf<S extends SchemaDef, K extends keyof S['collections']> = {
  [P in RequiredKeys<S['collections'][K]['columns']>]: ColumnType<S['collections'][K]['columns'][P]>;
} & {
  [P in keyof S['collections'][K]['columns']]?: ColumnType<S['collections'][K]['columns'][P]>;
} & { id?: string };

/** What `update` takes: any subset of the columns. */
export type PatchOf<S extends SchemaDef, K extends keyof S['collections']> = Partial<
  ColumnValues<S['collections'][K]['columns']>
>;

/**
 * Declares the collections shared by client and server. Safe to ship in a browser bundle.
 *
 * @example
 * export const schema = defineSchema({
 *   tasks: { columns: { title: t.text(), done: t.boolean().default(false) }, conflicts: 'merge-fields' },
 * });
 */
export function defineSchema<const S extends Record<string, CollectionInput>>(input: S): SchemaDef<S> {
  const collections: Record<string, CollectionDef> = {};
  for (const [name, def] of Object.entries(input)) {
    if (!IDENTIFIER.test(name) || isReservedName(name)) {
      throw new SynclineError(
        'invalid_schema',
        `Collection name "${name}" is not allowed: use camelCase letters and digits, not a reserved name (id, version, updatedAt, deletedAt, __proto__, constructor, prototype).`,
      );
    }
    for (const col of Object.keys(def.columns)) {
      if (!IDENTIFIER.test(col) || isReservedName(col)) {
        throw new SynclineError(
          'invalid_schema',
          `Column "${name}.${col}" is not allowed: names must be camelCase and must not be id, version, updatedAt, updatedBy, deletedAt, __proto__, constructor, prototype or start with "_".`,
        );
      }
    }
    for (const [index, cols] of Object.entries(def.indexes ?? {})) {
      for (const col of cols) {
        if (!(col in def.columns) && col !== 'id' && col !== 'updatedAt') {
          throw new SynclineError(
            'invalid_schema',
            `Index "${name}.${index}" names unknown column "${col}".`,
          );
        }
      }
    }
    const conflicts = def.conflicts ?? 'reject-stale';
    const shape = Object.entries(def.columns)
      .map(([c, d]) => `${c}:${d.kind}:${d.nullable ? 'null' : 'nn'}`)
      .sort()
      .join(',');
    collections[name] = {
      name,
      columns: def.columns,
      indexes: def.indexes ?? {},
      conflicts,
      fingerprint: stableHash(shape),
    };
  }
  const hash = stableHash(
    Object.values(collections)
      .map((c) => `${c.name}=${c.fingerprint}`)
      .sort()
      .join(';'),
  );
  return { collections, hash } as unknown as SchemaDef<S>;
}

/** Looks up a collection by name, or `undefined` when the schema has none of that name. */
export function getCollection(schema: SchemaDef, name: string): CollectionDef | undefined {
  return Object.hasOwn(schema.collections, name)
    ? (schema.collections as Record<string, CollectionDef>)[name]
    : undefined;
}
