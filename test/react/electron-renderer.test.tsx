// @vitest-environment happy-dom
/**
 * @syncline/react's hooks and components, unchanged, on an Electron renderer client
 * (`createRendererClient`) whose main-process client is a real client of an in-process server.
 * The two halves talk over a `worker_threads` MessageChannel through the bridge's `nodePort`
 * adapter, in this one thread (Electron's ipcRenderer/MessagePortMain bindings are not run here;
 * test/electron-bridge.test.ts runs the halves in separate threads).
 */
import { MessageChannel } from 'node:worker_threads';
import { nodePort } from '@syncline/electron';
import { serveClient } from '@syncline/electron/main';
import { createRendererClient, type RendererClient } from '@syncline/electron/renderer';
import { OfflineIndicator, SynclineProvider, useQuery, useSyncStatus } from '@syncline/react';
import { act, cleanup, render, screen, waitFor } from '@testing-library/react';
import { StrictMode } from 'react';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { schema, startTeamServer, type TeamServer } from './harness.ts';

let team: TeamServer;
let renderer: RendererClient<typeof schema>;
beforeEach(async () => {
  team = await startTeamServer();
});
afterEach(async () => {
  cleanup();
  renderer?.close();
  await team.close();
});

function Tasks({ client }: { client: RendererClient<typeof schema> }) {
  const { data, isLoading } = useQuery(client.db.notes, {
    where: { teamId: 'team' },
    orderBy: [['title', 'asc']],
  });
  const { pending } = useSyncStatus();
  if (isLoading) return <p>Loading</p>;
  return (
    <ul aria-label={`${pending} pending`}>
      {data?.map((n) => (
        <li key={n.id}>{n.title}</li>
      ))}
    </ul>
  );
}

test('useQuery, useSyncStatus and OfflineIndicator work on a renderer client; unmounting ends the watch in main', async () => {
  const main = team.client('ann');
  await main.ready();
  const host = serveClient(main, { network: { report: (online) => main.network.set(online) } });
  const { port1, port2 } = new MessageChannel();
  host.connect(nodePort(port1));
  renderer = createRendererClient({ schema, port: nodePort(port2), events: false });
  await renderer.ready();

  const view = render(
    <StrictMode>
      <SynclineProvider client={renderer}>
        <OfflineIndicator />
        <Tasks client={renderer} />
      </SynclineProvider>
    </StrictMode>,
  );
  await screen.findByRole('list');
  await act(() => renderer.db.notes.insert({ teamId: 'team', title: 'Milk' }));
  await screen.findByText('Milk');
  await screen.findByRole('list', { name: '1 pending' });
  // One query in main however often StrictMode mounted the hook.
  expect(host.stats.watches).toBe(1);

  await act(async () => main.network.set(false));
  await waitFor(() => expect(screen.getByRole('status').textContent).toMatch(/offline/i));
  await act(async () => main.network.set(true));
  await waitFor(() => expect(screen.getByRole('status').textContent).not.toMatch(/offline/i));

  await act(() => renderer.sync());
  await screen.findByRole('list', { name: '0 pending' });

  view.unmount();
  await waitFor(() => expect(host.stats.watches).toBe(0));
  renderer.close();
  await waitFor(() => expect(host.stats).toEqual({ connections: 0, watches: 0, listeners: 0 }));
});
