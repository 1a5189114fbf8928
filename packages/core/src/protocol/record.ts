import * as z from 'zod/mini'; // a namespace import: bundlers tree-shake it, `import { z }` keeps all of zod

/** A record as it travels: server metadata plus the collection's columns (camelCase). */
export const wireRecord = z.catchall(
  z.object({
    id: z.string().check(z.minLength(1), z.maxLength(128)),
    version: z.int().check(z.nonnegative()),
    updatedAt: z.optional(z.string()),
    deletedAt: z.nullable(z.string()),
  }),
  z.unknown(),
);
export type WireRecord = z.infer<typeof wireRecord>;
