import * as z from 'zod/mini'; // a namespace import: bundlers tree-shake it, `import { z }` keeps all of zod

/**
 * A record as it travels: server metadata plus the collection's columns (camelCase).
 * `updatedBy` (protocol 3) is the user id whose push wrote the record last, null when plain SQL
 * wrote it; absent in tombstones of rows that left the caller's scope and for protocols 1 and 2.
 */
export const wireRecord = z.catchall(
  z.object({
    id: z.string().check(z.minLength(1), z.maxLength(128)),
    version: z.int().check(z.nonnegative()),
    updatedAt: z.optional(z.string()),
    updatedBy: z.optional(z.nullable(z.string())),
    deletedAt: z.nullable(z.string()),
  }),
  z.unknown(),
);
/**
 * A record on the wire: `id`, `version`, `updatedAt`, `updatedBy`, `deletedAt` and the columns (see
 * {@link wireRecord}).
 */
export type WireRecord = z.infer<typeof wireRecord>;
