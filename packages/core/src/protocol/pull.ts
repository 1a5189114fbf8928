import * as z from 'zod/mini'; // a namespace import: bundlers tree-shake it, `import { z }` keeps all of zod
import { wireRecord } from './record.ts';

/** `POST /sync/pull` body. A `null` cursor means "from the start". */
export const pullRequest = z.object({
  protocol: z.int(),
  clientId: z.string().check(z.minLength(1), z.maxLength(128)),
  collections: z.record(
    z.string().check(z.maxLength(64)),
    z.object({ cursor: z.nullable(z.string().check(z.maxLength(1024))) }),
  ),
  limit: z.optional(z.int().check(z.positive())),
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
  remaining: z.int().check(z.nonnegative()),
});
export type PullResponse = z.infer<typeof pullResponse>;
