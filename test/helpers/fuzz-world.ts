/**
 * The schema, rules and limits of the hostile-request fuzz (issue 14, done-when 3), shared by the
 * test (test/helpers/fuzz.ts) and the server it runs in a child process (fuzz-server.ts).
 */
import { defineSchema, t } from '@syncline/core';
import type { Rules } from '@syncline/server';

export const fuzzSchema = defineSchema({
  notes: {
    columns: {
      ownerId: t.text(),
      title: t.text(),
      n: t.real().optional(),
      k: t.integer().optional(),
      meta: t.json().optional(),
    },
  },
});
export const fuzzRules: Rules = { notes: { scope: 'ownerId' } };
/** The fuzzing user; `mallory` is another user whose scope the fuzz forges. */
export const FUZZ_USER = 'alice';
/** A smaller body cap than the default 4 MiB, so that bodies over it stay cheap to send. */
export const FUZZ_LIMITS = { maxBodyBytes: 512 * 1024, maxMutationBytes: 64 * 1024 };
