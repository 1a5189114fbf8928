/**
 * The demo's service worker: caches the app shell (every file of the build, listed in
 * `/shell.json`) so a reload while offline still opens the app, and pushes the outbox on the
 * Background Sync event with every tab closed (the same lock as the leader tab).
 */
import { createClient } from '@syncline/client';
import { createIndexedDbStore } from '@syncline/store-indexeddb';
import {
  channelName,
  handleBackgroundSync,
  type SyncScope,
  sharedStore,
  syncLockName,
} from '@syncline/web/service-worker';
import { schema } from '../schema.ts';
import { databaseName, LOCK_DATABASE } from './database-name.ts';
import { loadSession, sessionTokens } from './session.ts';

/** The worker scope subset used here (the WebWorker lib is not in this project's types). */
interface WorkerScope extends SyncScope {
  addEventListener(type: 'sync', cb: Parameters<SyncScope['addEventListener']>[1]): void;
  addEventListener(type: 'install' | 'activate', cb: (event: ExtendableEvent) => void): void;
  addEventListener(type: 'fetch', cb: (event: FetchEvent) => void): void;
  skipWaiting(): Promise<void>;
  readonly clients: { claim(): Promise<void> };
  readonly location: Location;
}
interface ExtendableEvent extends Event {
  waitUntil(p: Promise<unknown>): void;
}
interface FetchEvent extends ExtendableEvent {
  readonly request: Request;
  respondWith(r: Promise<Response>): void;
}

const scope = self as unknown as WorkerScope;
const SHELL = 'syncline-demo-shell-v1';

async function cacheShell(): Promise<void> {
  const files = (await (await fetch('/shell.json', { cache: 'no-store' })).json()) as string[];
  const cache = await caches.open(SHELL);
  await cache.addAll(['/', ...files]);
}

/** Network first (the newest build when online), the cached shell when the network fails. */
async function shellResponse(request: Request): Promise<Response> {
  const cache = await caches.open(SHELL);
  try {
    const response = await fetch(request);
    if (response.ok) await cache.put(request.mode === 'navigate' ? '/' : request, response.clone());
    return response;
  } catch (error) {
    const cached = await cache.match(request.mode === 'navigate' ? '/' : request);
    if (cached) return cached;
    throw error;
  }
}

scope.addEventListener('install', (event) => {
  event.waitUntil(cacheShell().then(() => scope.skipWaiting()));
});
scope.addEventListener('activate', (event) => {
  event.waitUntil(scope.clients.claim());
});
scope.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  const api = url.pathname.startsWith('/sync/') || url.pathname.startsWith('/dev/');
  if (event.request.method !== 'GET' || url.origin !== scope.location.origin || api) return;
  event.respondWith(shellResponse(event.request));
});

handleBackgroundSync(scope, {
  lock: syncLockName(LOCK_DATABASE),
  push: async () => {
    const session = await loadSession();
    if (session === null) return; // nobody signed in: nothing to push
    const name = databaseName(session.userId);
    const store = sharedStore(createIndexedDbStore({ name }), new BroadcastChannel(channelName(name)));
    const client = createClient({
      schema,
      store,
      url: '/sync',
      auth: sessionTokens(session),
      realtime: false,
    });
    try {
      await client.sync();
    } finally {
      await client.close();
    }
  },
});
