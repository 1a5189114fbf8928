import { MessageChannel } from 'node:worker_threads';
import { createClient, createMemoryStore } from '@syncline/client';
import { defineSchema, SynclineError, t } from '@syncline/core';
import { afterEach, expect, test } from 'vitest';
import { type BridgePort, type DomMessagePortLike, domPort, electronPort, nodePort } from '../ports.ts';

/** A DOM MessagePort (lib.dom's type) is a DomMessagePortLike as it is. */
export const domTyped: (port: MessagePort) => BridgePort = domPort;

import { createRendererClient } from '../renderer/client.ts';
import { serveClient } from './host.ts';

const schema = defineSchema({ tasks: { columns: { title: t.text(), done: t.boolean().default(false) } } });
const offline = {
  request: async () => {
    throw new SynclineError('network', 'Could not reach the sync server.', { retryable: true });
  },
};
const clients: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const c of clients.splice(0)) await c.close();
});

function pair() {
  const client = createClient({ schema, store: createMemoryStore(), transport: offline, realtime: false });
  clients.push(client);
  const host = serveClient(client);
  const { port1, port2 } = new MessageChannel();
  host.connect(nodePort(port1));
  const raw = port2;
  const renderer = createRendererClient({ schema, port: nodePort(port2), events: false });
  return { client, host, renderer, raw };
}

test('only the collection API and the listed client methods are served', async () => {
  const { renderer, raw } = pair();
  await renderer.ready();
  const answers: unknown[] = [];
  raw.on(
    'message',
    (m: { t: string; id?: number }) => m.t === 'result' && (m.id ?? 0) >= 900 && answers.push(m),
  );
  raw.postMessage({ t: 'call', id: 900, method: 'close', args: [] });
  raw.postMessage({ t: 'call', id: 901, collection: 'tasks', method: 'watch', args: [] });
  raw.postMessage({ t: 'call', id: 902, collection: 'nope', method: 'find', args: [] });
  await renderer.db.tasks.find(); // answered after the three above: one port, in order
  expect(answers).toMatchObject([
    { id: 900, ok: false, error: { code: 'invalid', message: expect.stringContaining('"close"') } },
    { id: 901, ok: false, error: { code: 'invalid', message: expect.stringContaining('db.tasks.watch') } },
    {
      id: 902,
      ok: false,
      error: { code: 'invalid', details: { collection: 'nope', collections: ['tasks'] } },
    },
  ]);
  renderer.close();
});

test("the status is mirrored synchronously, with the engine's SynclineError rebuilt", async () => {
  const { renderer } = pair();
  await renderer.ready();
  const seen = new Promise<void>((resolve) => {
    const off = renderer.subscribe((s) => {
      if (s.error) {
        off();
        resolve();
      }
    });
  });
  await expect(renderer.sync()).rejects.toMatchObject({ name: 'SynclineError', code: 'network' });
  await seen;
  expect(renderer.status.error).toBeInstanceOf(SynclineError);
  expect(renderer.status.error).toMatchObject({ code: 'network', retryable: true });
  expect(renderer.status).toBe(renderer.status);
  renderer.close();
});

test('two watchers of one query share one live query in main, and the second gets the mirrored rows', async () => {
  const { host, renderer } = pair();
  await renderer.db.tasks.insert({ title: 'Milk' });
  const first = new Promise<unknown[]>((resolve) => {
    renderer.db.tasks.watch({ where: { done: false } }, resolve);
  });
  expect(await first).toHaveLength(1);
  const second = await new Promise<unknown[]>((resolve) => {
    renderer.db.tasks.watch({ where: { done: false } }, resolve);
  });
  expect(second).toEqual(await first);
  expect(host.stats.watches).toBe(1);
  renderer.close();
});

test('batch writes cross the bridge: one transaction in main, a refused row named by its index', async () => {
  const { client, renderer } = pair();
  const rows = await renderer.db.tasks.insertMany([{ title: 'Milk' }, { title: 'Eggs' }]);
  expect(rows.map((r) => r.title)).toEqual(['Milk', 'Eggs']);
  await renderer.db.tasks.updateMany([{ id: rows[1]!.id, patch: { done: true } }]);
  expect(await client.db.tasks.get(rows[1]!.id)).toMatchObject({ done: true });
  await expect(
    renderer.db.tasks.insertMany([{ title: 'Bread' }, { title: 7 as unknown as string }]),
  ).rejects.toMatchObject({ name: 'SynclineError', code: 'invalid', details: { index: 1 } });
  await renderer.db.tasks.deleteMany([rows[0]!.id]);
  expect((await client.db.tasks.find()).map((r) => r.title)).toEqual(['Eggs']);
  renderer.close();
});

test('calls after the main end is gone reject with a closed SynclineError', async () => {
  const { host, renderer } = pair();
  await renderer.ready();
  host.close();
  await expect(renderer.db.tasks.find()).rejects.toMatchObject({
    code: 'closed',
    message: expect.stringContaining('the main process closed the connection'),
  });
  const error = await new Promise((resolve) => renderer.db.tasks.watch({}, () => {}, resolve));
  expect(error).toMatchObject({ name: 'SynclineError', code: 'closed' });
});

test('the same logic over each adapter: main on electronPort (a fake MessagePortMain), the window on domPort', async () => {
  const client = createClient({ schema, store: createMemoryStore(), transport: offline, realtime: false });
  clients.push(client);
  const host = serveClient(client);
  const { port1, port2 } = new MessageChannel();
  // A fake of Electron's MessagePortMain over port1: `message` events carry `{ data }`, and
  // nothing arrives before `start()`.
  let started = false;
  const queued: unknown[] = [];
  const listeners = new Set<(e: { data: unknown }) => void>();
  port1.on('message', (data) => {
    if (!started) queued.push(data);
    else for (const l of listeners) l({ data });
  });
  const fakePortMain = {
    postMessage: (m: unknown) => port1.postMessage(m),
    on: (event: string, cb: never) => {
      if (event === 'message') listeners.add(cb);
      else port1.on('close', cb);
    },
    off: (event: string, cb: never) => {
      if (event === 'message') listeners.delete(cb);
      else port1.off('close', cb);
    },
    start: () => {
      started = true;
      for (const data of queued.splice(0)) for (const l of listeners) l({ data });
    },
    close: () => port1.close(),
  };
  host.connect(electronPort(fakePortMain));
  expect(started).toBe(true);
  // Node's MessagePort is also an EventTarget with start(), as a DOM MessagePort is (its types
  // say `Event` where the DOM's say `MessageEvent`, hence the cast; a DOM port needs none).
  const renderer = createRendererClient({
    schema,
    port: domPort(port2 as unknown as DomMessagePortLike),
    events: false,
  });
  await renderer.db.tasks.insert({ title: 'Milk' });
  expect((await renderer.db.tasks.find()).map((r) => r.title)).toEqual(['Milk']);
  renderer.close();
  await new Promise<void>((resolve) => {
    if (host.stats.connections === 0) resolve();
    else host.onStats((s) => s.connections === 0 && resolve());
  });
});
