/**
 * Column builders. A column is plain data (kind, nullable, default) plus a phantom type so that
 * row types can be inferred from a schema. Optional columns are `T | null` and always present.
 *
 * @example
 * const columns = { title: t.text(), dueAt: t.timestamp().optional(), done: t.boolean().default(false) };
 */
export const COLUMN_KINDS = ['text', 'integer', 'real', 'boolean', 'timestamp', 'json'] as const;
/** The storage kind of a column: one of {@link COLUMN_KINDS}. */
export type ColumnKind = (typeof COLUMN_KINDS)[number];

/** A JSON value: what a `t.json()` column holds. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** A column as plain data: its kind, whether it may be null, and its default. Made with {@link t}. */
export interface ColumnDef<T = unknown, HasDefault extends boolean = boolean> {
  /** How the column is stored and validated. */
  readonly kind: ColumnKind;
  /** Whether the column may hold `null` (made with `.optional()`). */
  readonly nullable: boolean;
  /** Value used when an insert omits the column. `undefined` means the column is required. */
  readonly defaultValue: T | undefined;
  /** Phantom field carrying the TypeScript type; never set at run time. */
  readonly __type?: T;
  /** Phantom field: whether inserts may omit the column (optional or defaulted). */
  readonly __hasDefault?: HasDefault;
}

/**
 * A column under construction: a {@link ColumnDef} with `.optional()` and `.default(value)`.
 *
 * @example
 * const dueAt = t.timestamp().optional(); // string | null
 * const done = t.boolean().default(false);
 */
export interface ColumnBuilder<T, HasDefault extends boolean = false> extends ColumnDef<T, HasDefault> {
  /** The column may be `null`; an insert that omits it stores `null`. */
  optional(): ColumnBuilder<T | null, true>;
  /** An insert that omits the column stores `value`. */
  default(value: T): ColumnBuilder<T, true>;
}

function column<T, D extends boolean = false>(
  kind: ColumnKind,
  nullable = false,
  defaultValue: T | undefined = undefined,
): ColumnBuilder<T, D> {
  return {
    kind,
    nullable,
    defaultValue,
    optional: () => column<T | null, true>(kind, true, defaultValue === undefined ? null : defaultValue),
    default: (value: T) => column<T, true>(kind, nullable, value),
  };
}

/**
 * Column type constructors, one per {@link ColumnKind}.
 *
 * @example
 * const columns = { title: t.text(), done: t.boolean().default(false), tags: t.json<string[]>().optional() };
 */
export const t = {
  text: () => column<string>('text'),
  integer: () => column<number>('integer'),
  real: () => column<number>('real'),
  boolean: () => column<boolean>('boolean'),
  /** ISO 8601 UTC string with milliseconds, e.g. `2026-11-25T13:00:00.000Z`. */
  timestamp: () => column<string>('timestamp'),
  json: <T extends Json = Json>() => column<T>('json'),
};

/** The TypeScript value type of a column definition, e.g. `string | null` for `t.text().optional()`. */
export type ColumnType<C> = C extends ColumnDef<infer T> ? T : never;
