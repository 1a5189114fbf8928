import { pushRequest, SynclineError } from '@syncline/core';
import { expect, test } from 'vitest';
import { parseMessage } from './body.ts';

function issuesOf(body: unknown): unknown {
  try {
    parseMessage(JSON.stringify(body), pushRequest);
  } catch (e) {
    expect(e).toBeInstanceOf(SynclineError);
    return (e as SynclineError & { details: { issues: unknown } }).details.issues;
  }
  throw new Error('expected a 400');
}

// zod/mini loads no locale (every message would be "Invalid input"); the server's 400 bodies must
// keep the English messages classic zod gave, whatever the global zod config.
test('400 issues carry English messages, as with classic zod', () => {
  const issues = issuesOf({
    protocol: 1,
    clientId: 'x'.repeat(129),
    mutations: [
      { seq: 1, collection: 'a', id: 'b', op: 'upsert' },
      { seq: 'a', collection: '', id: 'b', op: 'insert', data: 1 },
    ],
  });
  expect(issues).toEqual([
    { path: 'clientId', message: 'Too big: expected string to have <=128 characters' },
    {
      path: 'mutations.0.op',
      message: "Invalid discriminator value. Expected 'insert' | 'update' | 'delete'",
    },
    { path: 'mutations.1.seq', message: 'Invalid input: expected number, received string' },
    { path: 'mutations.1.collection', message: 'Too small: expected string to have >=1 characters' },
    { path: 'mutations.1.data', message: 'Invalid input: expected record, received number' },
  ]);
  expect(
    issuesOf({
      protocol: 1,
      clientId: 'c',
      mutations: [{ seq: 1.5, collection: 'a', id: 'b', op: 'delete', baseVersion: 0 }],
    }),
  ).toContainEqual({
    path: 'mutations.0.seq',
    message: 'Invalid input: expected int, received number',
  });
});
