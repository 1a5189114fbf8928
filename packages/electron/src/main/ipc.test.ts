/**
 * `exposeSyncClient`'s Electron wiring with fakes of `ipcMain`, `MessageChannelMain` and
 * `WebContents` (Electron is not run here): the fake channel is a `worker_threads` MessageChannel
 * whose ports emit messages as `{ data }` events, as `MessagePortMain` does.
 */
import { EventEmitter } from 'node:events';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { createClient, createMemoryStore } from '@syncline/client';
import { defineSchema, SynclineError, t } from '@syncline/core';
import { afterEach, expect, test } from 'vitest';
import { nodePort } from '../ports.ts';
import { createRendererClient } from '../renderer/client.ts';
import { exposeSyncClient } from './ipc.ts';

const schema = defineSchema({ tasks: { columns: { title: t.text(), done: t.boolean().default(false) } } });
const offline = {
  request: async () => {
    throw new SynclineError('network', 'offline in this test', { retryable: true });
  },
};
const clients: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const c of clients.splice(0)) await c.close();
});

/** A fake `MessagePortMain` over a Node port: `message` events carry `{ data }`; needs `start()`. */
class FakePortMain extends EventEmitter {
  started = false;
  constructor(readonly inner: MessagePort) {
    super();
    inner.on('message', (data) => this.emit('message', { data }));
    inner.on('close', () => this.emit('close'));
  }
  postMessage(m: unknown) {
    this.inner.postMessage(m);
  }
  start() {
    this.started = true;
  }
  close() {
    this.inner.close();
  }
}
class FakeMessageChannelMain {
  readonly port1: FakePortMain;
  readonly port2: FakePortMain;
  constructor() {
    const { port1, port2 } = new MessageChannel();
    this.port1 = new FakePortMain(port1);
    this.port2 = new FakePortMain(port2);
  }
}
/** A fake `WebContents`: records the port it is sent; `destroy()` fires `destroyed`. */
class FakeWebContents extends EventEmitter {
  ports: FakePortMain[] = [];
  constructor(readonly id: number) {
    super();
  }
  postMessage(channel: string, _message: unknown, transfer: FakePortMain[] = []) {
    expect(channel).toBe('syncline:port');
    this.ports.push(...transfer);
  }
  destroy() {
    this.emit('destroyed');
  }
}

function setup() {
  const client = createClient({ schema, store: createMemoryStore(), transport: offline, realtime: false });
  clients.push(client);
  const fakeIpcMain = new EventEmitter();
  const exposed = exposeSyncClient(client, {
    ipcMain: fakeIpcMain as never,
    MessageChannelMain: FakeMessageChannelMain,
  });
  /** What the preload's `connect()` does: ask on `syncline:connect`; main answers with a port. */
  const ask = (sender: FakeWebContents) => {
    fakeIpcMain.emit('syncline:connect', { sender });
    const port = sender.ports.at(-1)!;
    return createRendererClient({ schema, port: nodePort(port.inner), events: false });
  };
  return { client, exposed, ask, fakeIpcMain };
}

test('a window that asks gets a port to the client; its reload ends the previous connection first', async () => {
  const { exposed, ask } = setup();
  const win = new FakeWebContents(1);
  const first = ask(win);
  await first.ready();
  await first.db.tasks.insert({ title: 'Milk' });
  first.db.tasks.watch({}, () => {});
  expect(exposed.stats).toMatchObject({ connections: 1 });
  // The same window asks again (a reload): one connection, the old live query gone.
  const second = ask(win);
  await second.ready();
  expect(exposed.stats).toEqual({ connections: 1, watches: 0, listeners: 4 });
  expect((await second.db.tasks.find()).map((r) => r.title)).toEqual(['Milk']);
  second.close();
  first.close();
});

test('a destroyed window ends its connection; close() stops answering', async () => {
  const { exposed, ask, fakeIpcMain } = setup();
  const win = new FakeWebContents(2);
  const renderer = ask(win);
  await renderer.ready();
  win.destroy();
  expect(exposed.stats).toEqual({ connections: 0, watches: 0, listeners: 0 });
  exposed.close();
  expect(fakeIpcMain.listenerCount('syncline:connect')).toBe(0);
  renderer.close();
});

test('a window the allow hook refuses gets no port', () => {
  const client = createClient({ schema, store: createMemoryStore(), transport: offline, realtime: false });
  clients.push(client);
  const fakeIpcMain = new EventEmitter();
  exposeSyncClient(client, {
    ipcMain: fakeIpcMain as never,
    MessageChannelMain: FakeMessageChannelMain,
    allow: (sender) => sender.id !== 3,
  });
  const win = new FakeWebContents(3);
  fakeIpcMain.emit('syncline:connect', { sender: win });
  expect(win.ports).toEqual([]);
});
