// @vitest-environment happy-dom
/**
 * The components of @syncline/react: their roles, their default messages, and how an app
 * replaces them — against a real client and a real in-process server.
 */
import {
  OfflineIndicator,
  PendingBadge,
  RejectionNotice,
  RejectionNotices,
  SynclineProvider,
} from '@syncline/react';
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import type { ReactNode } from 'react';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { startTeamServer, type TeamClient, type TeamServer } from './harness.ts';

const OFFLINE = "You are offline. Your changes have been saved and will be synced when you're back online.";

let team: TeamServer;
beforeEach(async () => {
  team = await startTeamServer();
});
afterEach(async () => {
  cleanup();
  await team.close();
});

const inProvider = (client: TeamClient, ui: ReactNode) =>
  render(<SynclineProvider client={client}>{ui}</SynclineProvider>);

/** Alice's edit of a note loses to Bob's: one stored conflict on Alice's client. */
async function conflict() {
  const alice = team.client('alice');
  const bob = team.client('bob');
  const note = await alice.db.notes.insert({ teamId: 'team', title: 'Milk' });
  await alice.sync();
  await bob.sync();
  await alice.db.notes.update(note.id, { title: 'Oat milk' });
  await bob.db.notes.update(note.id, { title: 'Soy milk' });
  await bob.sync();
  await alice.sync();
  const [rejection] = await alice.rejections();
  return { alice, bob, note, rejection: rejection! };
}

describe('OfflineIndicator', () => {
  test('a polite live region, always present, that speaks only while offline', () => {
    const alice = team.client('alice');
    inProvider(alice, <OfflineIndicator className="banner" />);
    const region = screen.getByRole('status');
    expect(region.getAttribute('aria-live')).toBe('polite');
    expect(region.className).toBe('banner');
    expect(region.textContent).toBe('');
    act(() => alice.network.set(false));
    expect(screen.getByRole('status').textContent).toBe(OFFLINE);
    expect(region.getAttribute('data-online')).toBe('false');
    act(() => alice.network.set(true));
    expect(screen.getByRole('status').textContent).toBe('');
  });

  test('an app replaces the message, or renders the content itself', () => {
    const alice = team.client('alice', { online: false });
    inProvider(
      alice,
      <>
        <OfflineIndicator messages={{ offline: 'Hors ligne.' }} />
        <OfflineIndicator>
          {({ online, message }) => (online ? null : <em>{message.length} chars</em>)}
        </OfflineIndicator>
      </>,
    );
    const [first, second] = screen.getAllByRole('status');
    expect(first!.textContent).toBe('Hors ligne.');
    expect(second!.textContent).toBe(`${OFFLINE.length} chars`);
  });
});

describe('PendingBadge', () => {
  test('shows "Not synced yet" while the record is pending, nothing once synced', async () => {
    const alice = team.client('alice');
    const note = await alice.db.notes.insert({ teamId: 'team', title: 'Milk' });
    inProvider(
      alice,
      <p>
        Milk <PendingBadge id={note.id} collection="notes" className="badge" />
      </p>,
    );
    const badge = await screen.findByText('Not synced yet');
    expect(badge.className).toBe('badge');
    expect(badge.getAttribute('title')).toMatch(/Saved on this device/);
    await act(() => alice.sync());
    await waitFor(() => expect(screen.queryByText('Not synced yet')).toBeNull());
  });

  test('messages and render prop replace the default', async () => {
    const alice = team.client('alice');
    const note = await alice.db.notes.insert({ teamId: 'team', title: 'Milk' });
    inProvider(
      alice,
      <>
        <PendingBadge id={note.id} messages={{ pending: 'En attente' }} />
        <PendingBadge id={note.id}>{() => <i>syncing…</i>}</PendingBadge>
      </>,
    );
    await screen.findByText('En attente');
    await screen.findByText('syncing…');
  });
});

describe('RejectionNotice', () => {
  test('a conflict: what happened, who saved the winner, both versions, and the two buttons', async () => {
    const { alice, rejection } = await conflict();
    const reapplied: string[] = [];
    const dismissed: string[] = [];
    inProvider(
      alice,
      <RejectionNotice
        rejection={rejection}
        userName={(id) => (id === 'bob' ? 'Bob' : id)}
        onReapply={(k) => reapplied.push(k)}
        onDismiss={(k) => dismissed.push(k)}
      />,
    );
    const notice = screen.getByRole('alert', { name: 'Your change was not saved' });
    const text = notice.textContent ?? '';
    expect(text).toContain('Your change to this note was not saved because someone else changed it first.');
    expect(text).toContain('The current version was saved by Bob.');
    const field = within(notice).getByText('Title').parentElement!;
    expect(field.textContent).toContain('Current version: Soy milk');
    expect(field.textContent).toContain('Your change: Oat milk');
    fireEvent.click(within(notice).getByRole('button', { name: 'Re-apply mine' }));
    fireEvent.click(within(notice).getByRole('button', { name: 'Dismiss' }));
    expect(reapplied).toEqual([rejection.key]);
    expect(dismissed).toEqual([rejection.key]);
  });

  test('the winner saved by this very user reads "by you"; a plain-SQL winner reads "outside the app"', async () => {
    const { alice, rejection } = await conflict();
    const { unmount } = inProvider(alice, <RejectionNotice rejection={rejection} currentUserId="bob" />);
    expect(screen.getByRole('alert').textContent).toContain('saved by you, on another device or tab');
    unmount();
    inProvider(
      alice,
      <RejectionNotice rejection={{ ...rejection, current: { ...rejection.current!, updatedBy: null } }} />,
    );
    expect(screen.getByRole('alert').textContent).toContain('written on the server, outside the app');
    // Without handlers there are no buttons.
    expect(screen.queryByRole('button')).toBeNull();
  });

  test('messages and render prop replace the defaults', async () => {
    const { alice, rejection } = await conflict();
    inProvider(
      alice,
      <>
        <RejectionNotice
          rejection={rejection}
          messages={{ title: () => 'Conflit', reapply: 'Réappliquer' }}
          onReapply={() => undefined}
        />
        <RejectionNotice rejection={rejection}>
          {(view) => (
            <output>{`${view.who} / ${view.fields.map((f) => `${f.field}=${f.theirs}`).join()}`}</output>
          )}
        </RejectionNotice>
      </>,
    );
    screen.getByRole('alert', { name: 'Conflit' });
    screen.getByRole('button', { name: 'Réappliquer' });
    expect(screen.getByRole('status').textContent).toBe(
      'The current version was saved by bob. / title=Soy milk',
    );
  });

  test('RejectionNotices lists stored rejections; "Re-apply mine" resolves and both converge', async () => {
    const { alice, bob, note } = await conflict();
    inProvider(alice, <RejectionNotices userName={(id) => id.toUpperCase()} />);
    const notice = await screen.findByRole('alert');
    expect(notice.textContent).toContain('saved by BOB');
    await act(async () => {
      fireEvent.click(within(notice).getByRole('button', { name: 'Re-apply mine' }));
    });
    await waitFor(() => expect(screen.queryByRole('alert')).toBeNull());
    await act(() => alice.sync());
    await bob.sync();
    expect(await bob.db.notes.get(note.id)).toMatchObject({ title: 'Oat milk', updatedBy: 'alice' });
    expect(await alice.db.notes.get(note.id)).toMatchObject({ title: 'Oat milk', updatedBy: 'alice' });
  });

  test('a refusal that cannot be re-applied offers only Dismiss, which removes it', async () => {
    const alice = team.client('alice');
    const bob = team.client('bob');
    const note = await alice.db.notes.insert({ teamId: 'team', title: 'Milk' });
    await alice.sync();
    await bob.sync();
    await alice.db.notes.update(note.id, { title: 'Oat milk' });
    await bob.db.notes.delete(note.id);
    await bob.sync();
    await alice.sync();
    inProvider(alice, <RejectionNotices />);
    const notice = await screen.findByRole('alert');
    expect(notice.textContent).toContain('it was deleted by someone else');
    expect(within(notice).queryByRole('button', { name: 'Re-apply mine' })).toBeNull();
    await act(async () => {
      fireEvent.click(within(notice).getByRole('button', { name: 'Dismiss' }));
    });
    await waitFor(() => expect(screen.queryByRole('alert')).toBeNull());
    expect(await alice.rejections()).toEqual([]);
  });
});
