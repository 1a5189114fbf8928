import type { ClientRejection } from '@syncline/client';
import { expect, test } from 'vitest';
import { defaultRejectionMessages as messages } from './messages.ts';
import { humanize, rejectionView } from './rejection-view.ts';

const current = {
  id: 't1',
  version: 7,
  updatedAt: '2026-11-25T13:00:00.000Z',
  updatedBy: 'bob',
  deletedAt: null,
  title: 'Soy milk',
  dueAt: null,
  tags: ['x'],
};
const conflict: ClientRejection = {
  key: 'c:1',
  collection: 'tasks',
  id: 't1',
  code: 'conflict',
  message: 'Your change to this task was not saved because someone else changed it first.',
  current,
  dropped: [
    { op: 'update', patch: { title: 'Oat' }, baseVersion: 3 },
    { op: 'update', patch: { title: 'Oat milk', dueAt: '2026-12-01T00:00:00.000Z' }, baseVersion: 3 },
  ],
  issues: [],
  createdAt: 0,
};

test('humanize turns a camelCase field into a label', () => {
  expect(humanize('dueAt')).toBe('Due at');
  expect(humanize('title')).toBe('Title');
});

test('a conflict: who, and each field the dropped ops touched with both versions (last write wins)', () => {
  const view = rejectionView(conflict, { messages, userName: (id) => id.toUpperCase() });
  expect(view).toMatchObject({
    title: 'Your change was not saved',
    what: conflict.message,
    who: 'The current version was saved by BOB.',
    canReapply: true,
    fields: [
      { field: 'title', label: 'Title', theirs: 'Soy milk', mine: 'Oat milk' },
      { field: 'dueAt', label: 'Due at', theirs: '(empty)', mine: '2026-12-01T00:00:00.000Z' },
    ],
  });
});

test('who: by the signed-in user, outside the app (null), or unknown (a server before protocol 3)', () => {
  expect(rejectionView(conflict, { messages, currentUserId: 'bob' }).who).toBe(messages.byYou);
  const bySql = { ...conflict, current: { ...current, updatedBy: null } };
  expect(rejectionView(bySql, { messages }).who).toMatch(/outside the app/);
  const { updatedBy: _, ...old } = current;
  expect(rejectionView({ ...conflict, current: old }, { messages }).who).toBeNull();
});

test('no current (not_found, forbidden): no who, no fields, no re-apply; a dropped delete reads as such', () => {
  const gone: ClientRejection = { ...conflict, code: 'not_found', current: null };
  expect(rejectionView(gone, { messages })).toMatchObject({ who: null, fields: [], canReapply: false });
  const deleted: ClientRejection = {
    ...conflict,
    dropped: [
      { op: 'update', patch: { title: 'x' }, baseVersion: 3 },
      { op: 'delete', baseVersion: 3 },
    ],
  };
  expect(rejectionView(deleted, { messages }).fields).toEqual([
    { field: 'title', label: 'Title', theirs: 'Soy milk', mine: 'You deleted it.' },
  ]);
});
