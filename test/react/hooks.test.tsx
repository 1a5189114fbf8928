// @vitest-environment happy-dom
/**
 * The hooks of @syncline/react against a real client (memory store) and a real in-process
 * server (issue 13, done-when 4). Deterministic: no sleeps; every step awaits the client's own
 * promises inside `act`, or a DOM state through `waitFor`.
 */
import type { FindQuery, Row } from '@syncline/client';
import {
  type LiveCollection,
  OfflineIndicator,
  type SynclineClientLike,
  SynclineProvider,
  useInitialSync,
  useOnline,
  usePending,
  useQuery,
  useRecord,
  useRejections,
  useSyncStatus,
} from '@syncline/react';
import { act, cleanup, render, screen, waitFor } from '@testing-library/react';
import { type ReactNode, StrictMode, useState } from 'react';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { type schema, startTeamServer, type TeamClient, type TeamServer } from './harness.ts';

type Note = Row<typeof schema, 'notes'>;

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

/** A collection that counts its live subscriptions: the same API, as any bridge would offer. */
function counted<R>(inner: LiveCollection<R>) {
  const c = {
    active: 0,
    started: 0,
    watch(query: FindQuery<R>, cb: (rows: R[]) => void, onError?: (e: unknown) => void) {
      c.active++;
      c.started++;
      const stop = inner.watch(query, cb, onError);
      let stopped = false;
      return () => {
        if (stopped) return;
        stopped = true;
        c.active--;
        stop();
      };
    },
  };
  return c;
}

describe('useQuery', () => {
  test('re-renders only when its result changes; unrelated writes cause no render', async () => {
    const alice = team.client('alice');
    const renders: Array<ReturnType<typeof useQuery<Note>>> = [];
    let bumpParent: () => void = () => {};
    function Milk() {
      const result = useQuery(alice.db.notes, { where: { title: { in: ['Milk', 'Oat milk'] } } });
      renders.push(result);
      return <p>{result.isLoading ? 'loading' : result.data?.map((n) => n.title).join(',') || 'none'}</p>;
    }
    function Parent() {
      const [n, setN] = useState(0);
      bumpParent = () => setN(n + 1);
      return <Milk />;
    }
    inProvider(alice, <Parent />);
    expect(renders.at(-1)).toMatchObject({ isLoading: true, data: undefined, error: null });
    await screen.findByText('none');
    const settled = renders.length;

    // A write to another collection, and one to this collection that leaves the result alone.
    await act(() => alice.db.cards.insert({ teamId: 'team', color: 'red' }));
    await act(() => alice.db.notes.insert({ teamId: 'team', title: 'Bread' }));
    // Then one that changes it: live query runs never overlap, so once it shows, the runs of the
    // two writes before it are done, and they rendered nothing.
    await act(() => alice.db.notes.insert({ teamId: 'team', title: 'Milk' }));
    await screen.findByText('Milk');
    expect(renders.length).toBe(settled + 1);

    // A parent render re-renders the child, which gets the very same result object back.
    const before = renders.at(-1);
    act(() => bumpParent());
    expect(renders.length).toBe(settled + 2);
    expect(renders.at(-1)).toBe(before);
  });

  test('unmounting unsubscribes: every live query started is stopped', async () => {
    const alice = team.client('alice');
    const notes = counted(alice.db.notes);
    function Titles({ done }: { done: boolean }) {
      const { data } = useQuery(notes, { where: { done } });
      return <p>{data === undefined ? 'loading' : `${done ? 'done' : 'open'}: ${data.length}`}</p>;
    }
    const { unmount } = inProvider(
      alice,
      <>
        <Titles done={false} />
        <Titles done={true} />
      </>,
    );
    await screen.findByText('open: 0');
    expect(notes.active).toBe(2);
    await act(() => alice.db.notes.insert({ teamId: 'team', title: 'Milk' }));
    await screen.findByText('open: 1');
    unmount();
    expect(notes.active).toBe(0);
    expect(notes.started).toBe(2);
    // Writes after the unmount reach no listener (React would warn of an update on nothing).
    await alice.db.notes.insert({ teamId: 'team', title: 'Bread' });
  });

  test('under StrictMode (effects run twice) one live query stays subscribed, then none', async () => {
    const alice = team.client('alice');
    const notes = counted(alice.db.notes);
    function Count() {
      const { data } = useQuery(notes, {});
      return <p>{data === undefined ? 'loading' : `${data.length} notes`}</p>;
    }
    const { unmount } = render(
      <StrictMode>
        <SynclineProvider client={alice}>
          <Count />
        </SynclineProvider>
      </StrictMode>,
    );
    await screen.findByText('0 notes');
    expect(notes.active).toBe(1);
    await act(() => alice.db.notes.insert({ teamId: 'team', title: 'Milk' }));
    await screen.findByText('1 notes');
    unmount();
    expect(notes.active).toBe(0);
  });

  test('an invalid query reports its error instead of loading forever', async () => {
    const alice = team.client('alice');
    function Bad() {
      const { error, isLoading } = useQuery(alice.db.notes, { where: { colour: 'red' } as never });
      return <p>{isLoading ? 'loading' : error instanceof Error ? error.message : 'no error'}</p>;
    }
    inProvider(alice, <Bad />);
    expect(await screen.findByText(/Unknown column "colour"/)).toBeTruthy();
  });
});

describe('useRecord', () => {
  test('follows one record: loading, the row, its updates, then null once deleted', async () => {
    const alice = team.client('alice');
    const note = await alice.db.notes.insert({ teamId: 'team', title: 'Milk' });
    function Title() {
      const { data } = useRecord(alice.db.notes, note.id);
      return <p>{data === undefined ? 'loading' : data === null ? 'gone' : data.title}</p>;
    }
    inProvider(alice, <Title />);
    await screen.findByText('Milk');
    await act(() => alice.db.notes.update(note.id, { title: 'Oat milk' }));
    await screen.findByText('Oat milk');
    await act(() => alice.db.notes.delete(note.id));
    await screen.findByText('gone');
  });
});

describe('status hooks', () => {
  test('useSyncStatus and useOnline follow the network going offline and back', async () => {
    const alice = team.client('alice');
    let onlineRenders = 0;
    function Online() {
      const online = useOnline();
      onlineRenders++;
      return <p>online: {String(online)}</p>;
    }
    function Status() {
      const s = useSyncStatus();
      return (
        <p>
          status: {s.online ? 'online' : 'offline'}, {s.pending} pending
        </p>
      );
    }
    inProvider(
      alice,
      <>
        <Online />
        <Status />
      </>,
    );
    screen.getByText('online: true');
    screen.getByText('status: online, 0 pending');
    act(() => alice.network.set(false));
    screen.getByText('online: false');
    screen.getByText('status: offline, 0 pending');
    // Other status changes re-render useSyncStatus, not useOnline.
    const rendersOffline = onlineRenders;
    await act(() => alice.db.notes.insert({ teamId: 'team', title: 'Milk' }));
    screen.getByText('status: offline, 1 pending');
    expect(onlineRenders).toBe(rendersOffline);
    act(() => alice.network.set(true));
    screen.getByText('online: true');
    await act(() => alice.sync());
    screen.getByText('status: online, 0 pending');
  });

  test('usePending is true for a local write and turns false once the push is answered', async () => {
    const alice = team.client('alice');
    const mine = await alice.db.notes.insert({ teamId: 'team', title: 'Milk' });
    const other = await alice.db.notes.insert({ teamId: 'team', title: 'Bread' });
    await alice.sync();
    function Badge({ id }: { id: string }) {
      return (
        <p>
          {id === mine.id ? 'mine' : 'other'}: {usePending(id, 'notes') ? 'pending' : 'synced'}
        </p>
      );
    }
    inProvider(
      alice,
      <>
        <Badge id={mine.id} />
        <Badge id={other.id} />
      </>,
    );
    await act(() => alice.db.notes.update(mine.id, { done: true }));
    await screen.findByText('mine: pending');
    screen.getByText('other: synced');
    await act(() => alice.sync());
    await screen.findByText('mine: synced');
    screen.getByText('other: synced');
  });

  test('useInitialSync reports progress page by page, then done', async () => {
    const alice = team.client('alice');
    for (let i = 0; i < 6; i++) await alice.db.notes.insert({ teamId: 'team', title: `n${i}` });
    await alice.sync();
    const bob = team.client('bob', { pullLimit: 2 });
    function Progress() {
      const s = useInitialSync();
      return <p>{s.done ? 'done' : s.inProgress ? `syncing ${s.progress.toFixed(2)}` : 'not started'}</p>;
    }
    inProvider(bob, <Progress />);
    screen.getByText('not started');
    // Each pull waits for the test, so the UI is looked at between every two pages.
    const pulls = bob.holdPulls();
    let finished = false;
    const syncing = bob.sync().then(() => {
      finished = true;
    });
    const shown: string[] = [];
    for (;;) {
      await act(() => Promise.race([pulls.waiting(), syncing]));
      if (finished) break;
      shown.push(screen.getByRole('paragraph').textContent ?? '');
      pulls.release();
    }
    screen.getByText('done');
    // Three pages of two rows (and the server's estimate of what remains after each).
    expect(shown).toEqual(['syncing 0.00', 'syncing 0.33', 'syncing 0.67']);
  });
});

describe('any client with the same API', () => {
  test('a bridge that forwards only SynclineClientLike and watch drives the hooks and components', async () => {
    const alice = team.client('alice');
    // What an Electron renderer would hold: plain objects forwarding to a client elsewhere.
    const bridge: SynclineClientLike = {
      get status() {
        return alice.status;
      },
      subscribe: (cb) => alice.subscribe(cb),
      on: (event, cb) => alice.on(event, cb),
      isPending: (id, collection) => alice.isPending(id, collection as 'notes' | undefined),
      rejections: () => alice.rejections(),
      dismiss: (key) => alice.dismiss(key),
      reapply: (key) => alice.reapply(key),
    };
    const notes: LiveCollection<Note> = { watch: (q, cb, onError) => alice.db.notes.watch(q, cb, onError) };
    function Titles() {
      const { data } = useQuery(notes, { orderBy: [['title', 'asc']] });
      const online = useOnline();
      return <p>{`${online ? 'online' : 'offline'}: [${data?.map((n) => n.title).join(',') ?? '…'}]`}</p>;
    }
    render(
      <SynclineProvider client={bridge}>
        <OfflineIndicator />
        <Titles />
      </SynclineProvider>,
    );
    await screen.findByText('online: []');
    await act(() => alice.db.notes.insert({ teamId: 'team', title: 'Milk' }));
    act(() => alice.network.set(false));
    await screen.findByText('offline: [Milk]');
    expect(screen.getByRole('status').textContent).toMatch(/^You are offline/);
  });

  test('a hook outside a provider says what to do', () => {
    function Lost() {
      useOnline();
      return null;
    }
    // React also reports the render error on the console; keep the test output clean.
    const quiet = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      expect(() => render(<Lost />)).toThrow(/outside <SynclineProvider client=\{client\}>/);
    } finally {
      quiet.mockRestore();
    }
  });
});

describe('useRejections', () => {
  test('shows a conflict with the other version and who saved it; reapply resolves it', async () => {
    const alice = team.client('alice');
    const bob = team.client('bob');
    const note = await alice.db.notes.insert({ teamId: 'team', title: 'Milk' });
    await alice.sync();
    await bob.sync();
    await alice.db.notes.update(note.id, { title: 'Oat milk' });
    await bob.db.notes.update(note.id, { title: 'Soy milk' });
    await bob.sync();

    let api: ReturnType<typeof useRejections> | undefined;
    function Conflicts() {
      api = useRejections();
      return (
        <ul>
          {api.rejections.map((r) => (
            <li key={r.key}>
              {r.code}: theirs {String(r.current?.title)} by {String(r.current?.updatedBy)}
            </li>
          ))}
        </ul>
      );
    }
    inProvider(alice, <Conflicts />);
    await act(() => alice.sync());
    await screen.findByText('conflict: theirs Soy milk by bob');
    expect(await alice.db.notes.get(note.id)).toMatchObject({ title: 'Soy milk', updatedBy: 'bob' });

    const [rejection] = api!.rejections;
    await act(() => api!.reapply(rejection!.key));
    await waitFor(() => expect(screen.queryByRole('listitem')).toBeNull());
    expect(await alice.db.notes.get(note.id)).toMatchObject({ title: 'Oat milk' });
    await act(() => alice.sync());
    await bob.sync();
    expect(await bob.db.notes.get(note.id)).toMatchObject({ title: 'Oat milk', updatedBy: 'alice' });
    expect(await alice.rejections()).toEqual([]);
  });

  test('dismiss forgets a rejection', async () => {
    const alice = team.client('alice');
    const bob = team.client('bob');
    const note = await alice.db.notes.insert({ teamId: 'team', title: 'Milk' });
    await alice.sync();
    await bob.sync();
    await alice.db.notes.update(note.id, { title: 'A' });
    await bob.db.notes.update(note.id, { title: 'B' });
    await bob.sync();
    await alice.sync();
    let api: ReturnType<typeof useRejections> | undefined;
    function Count() {
      api = useRejections();
      return <p>{api.rejections.length} refused</p>;
    }
    inProvider(alice, <Count />);
    await screen.findByText('1 refused');
    await act(() => api!.dismiss(api!.rejections[0]!.key));
    await screen.findByText('0 refused');
    expect(await alice.db.notes.get(note.id)).toMatchObject({ title: 'B' });
  });
});
