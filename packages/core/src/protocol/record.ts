import { z } from 'zod';

/** A record as it travels: server metadata plus the collection's columns (camelCase). */
export const wireRecord = z
  .object({
    id: z.string().min(1).max(128),
    version: z.number().int().nonnegative(),
    updatedAt: z.string().optional(),
    deletedAt: z.string().nullable(),
  })
  .catchall(z.unknown());
export type WireRecord = z.infer<typeof wireRecord>;
