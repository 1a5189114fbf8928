import { expect, test } from 'vitest';
import { decodeGroups, encodeGroups, fromTokens, mergeGroups, reconcile, toTokens } from './cursor.ts';

test('a group cursor round-trips; anything else decodes to null (and the pull then resets)', () => {
  const state = { groups: [{ keys: ['listId:a', 'listId:b'], position: 'g:12' }], lost: ['listId:c'] };
  expect(decodeGroups(encodeGroups(state))).toEqual(state);
  for (const bad of [
    'k2.',
    'k2.!!!',
    `k2.${Buffer.from('{"g":[[["x"],5]],"l":[]}').toString('base64url')}`,
    'abc.1',
  ])
    expect(decodeGroups(bad)).toBeNull();
});

test('reconcile: lost keys leave their group for `lost`, gained keys form a backfill group, regained keys leave `lost`', () => {
  const state = { groups: [{ keys: ['k:a', 'k:b'], position: 'p1' }], lost: ['k:z'] };
  expect(reconcile(state, ['k:a', 'k:c', 'k:z'])).toEqual({
    groups: [
      { keys: ['k:a'], position: 'p1' },
      { keys: ['k:c', 'k:z'], position: null },
    ],
    lost: ['k:b'],
  });
  // Nothing held any more: no group, every key to revoke.
  expect(reconcile(state, [])).toEqual({ groups: [], lost: ['k:a', 'k:b', 'k:z'] });
});

test('groups at one position merge; a backfill (null) merges with nothing', () => {
  expect(
    mergeGroups([
      { keys: ['k:b'], position: 'p' },
      { keys: ['k:a'], position: 'p' },
      { keys: ['k:c'], position: null },
      { keys: ['k:d'], position: 'q' },
    ]),
  ).toEqual([
    { keys: ['k:a', 'k:b'], position: 'p' },
    { keys: ['k:c'], position: null },
    { keys: ['k:d'], position: 'q' },
  ]);
});

test('tokens carry the column; a token of an unknown column selects nothing', () => {
  const keys = new Map([
    ['userId', ['bob']],
    ['listId', ['l:1']],
  ]);
  const tokens = toTokens(keys);
  expect(tokens).toEqual(['listId:l:1', 'userId:bob']);
  expect(fromTokens([...tokens, 'gone:x'], ['userId', 'listId'])).toEqual(keys);
});
