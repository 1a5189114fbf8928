import { z } from 'zod';
import { wireRecord } from './record.ts';

/** `POST /sync/pull` body. A `null` cursor means "from the start". */
export const pullRequest = z.object({
  protocol: z.number().int(),
  clientId: z.string().min(1).max(128),
  collections: z.record(z.string().max(64), z.object({ cursor: z.string().max(1024).nullable() })),
  limit: z.number().int().positive().optional(),
});
export type PullRequest = z.infer<typeof pullRequest>;

/** Changes of one collection; `reset` means: mark local rows, re-download, sweep the unreceived. */
export const collectionChanges = z.object({
  changes: z.array(wireRecord),
  cursor: z.string(),
  hasMore: z.boolean(),
  reset: z.boolean(),
});
export type CollectionChanges = z.infer<typeof collectionChanges>;

/** `POST /sync/pull` 200 answer; `remaining` estimates rows left, for progress bars. */
export const pullResponse = z.object({
  collections: z.record(z.string(), collectionChanges),
  remaining: z.number().int().nonnegative(),
});
export type PullResponse = z.infer<typeof pullResponse>;
