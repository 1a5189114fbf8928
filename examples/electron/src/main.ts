// examples/electron/src/main.ts: the main process. One Syncline client on SQLite (one outbox,
// one sync loop) for every window; windows reach it through the preload bridge.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient, fetchTransport } from '@syncline/client';
import { electronNetwork, exposeSyncClient } from '@syncline/electron/main';
import { createSqliteLocalStore } from '@syncline/store-sqlite';
import { app, BrowserWindow, ipcMain, MessageChannelMain, net } from 'electron';
import { schema } from './schema.ts';

const SYNC_URL = process.env.SYNCLINE_URL ?? 'http://127.0.0.1:8787/sync';
/** The demo's user; a real app signs someone in (and tells the window who). */
const USER = 'alice';
const here = fileURLToPath(new URL('.', import.meta.url));

/** A dev token from the demo server (`POST /dev/token`, dev mode only); your app signs in instead. */
async function devToken(): Promise<string | null> {
  const res = await net.fetch(new URL('../dev/token', `${SYNC_URL}/`).href, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ userId: USER }),
  });
  return res.ok ? ((await res.json()) as { token: string }).token : null;
}

async function main(): Promise<void> {
  await app.whenReady();
  const network = electronNetwork({ net });
  let token: string | null = null;
  const client = createClient({
    schema,
    // One database per user, in the app's data folder (better-sqlite3, rebuilt for Electron).
    store: createSqliteLocalStore({ path: join(app.getPath('userData'), `syncline-${USER}.db`) }),
    url: SYNC_URL,
    transport: network.observe(fetchTransport(SYNC_URL)),
    network,
    auth: {
      getToken: async ({ forceRefresh }) => {
        if (token === null || forceRefresh) token = await devToken().catch(() => null);
        return token;
      },
    },
  });
  const bridge = exposeSyncClient(client, { ipcMain, MessageChannelMain, network });
  await client.start();

  const open = () => {
    const win = new BrowserWindow({
      width: 480,
      height: 640,
      webPreferences: {
        preload: createRequire(import.meta.url).resolve('@syncline/electron/preload'),
        contextIsolation: true,
        sandbox: true,
        nodeIntegration: false,
      },
    });
    void win.loadFile(join(here, '..', 'index.html'));
  };
  open();
  app.on('activate', () => BrowserWindow.getAllWindows().length === 0 && open());
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('will-quit', () => {
    bridge.close();
    void client.close();
  });
}

void main();
