/**
 * Issue 15, done-when 2: the preload exposes only the port. The published file
 * (`dist/preload.cjs`, built by the same script as the package build) runs in a bare `vm`
 * context, as a sandboxed preload would: `require` is a fake that records what is asked for and
 * answers `electron` with fakes of `contextBridge` and `ipcRenderer` (Electron itself is not run
 * here); `window` is a fake that records `postMessage`.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, expect, test } from 'vitest';

const pkg = new URL('../..', import.meta.url).pathname;
const out = mkdtempSync(join(tmpdir(), 'syncline-preload-'));
const file = join(out, 'preload.cjs');
let code = '';

beforeAll(async () => {
  await promisify(execFile)(process.execPath, [join(pkg, 'scripts/bundle-preload.mjs'), file]);
  code = readFileSync(file, 'utf8');
});
afterAll(() => rmSync(out, { recursive: true, force: true }));

/** Runs the bundle with fakes of Electron's preload API; returns what it did. */
function runPreload() {
  const required: string[] = [];
  const exposed: Record<string, unknown> = {};
  const sent: string[] = [];
  const portListeners = new Map<string, (event: { ports: unknown[] }) => void>();
  const posted: Array<{ message: unknown; origin: string; transfer: unknown[] | undefined }> = [];
  const fakeElectron = {
    contextBridge: {
      exposeInMainWorld: (key: string, api: unknown) => {
        exposed[key] = api;
      },
    },
    ipcRenderer: {
      send: (channel: string, ...rest: unknown[]) => {
        expect(rest).toEqual([]);
        sent.push(channel);
      },
      on: (channel: string, cb: (event: { ports: unknown[] }) => void) => {
        portListeners.set(channel, cb);
      },
    },
  };
  const fakeWindow = {
    postMessage: (message: unknown, origin: string, transfer?: unknown[]) =>
      posted.push({ message, origin, transfer }),
  };
  const context = {
    require: (id: string) => {
      required.push(id);
      if (id !== 'electron') throw new Error(`a sandboxed preload cannot require ${id}`);
      return fakeElectron;
    },
    window: fakeWindow,
    module: { exports: {} },
    exports: {},
  };
  runInNewContext(code, context, { filename: 'preload.cjs' });
  return { required, exposed, sent, portListeners, posted };
}

test('the built preload is one CommonJS file that requires only electron', () => {
  expect(code).toMatch(/^"use strict";/);
  expect(code).not.toMatch(/\bimport\s*[({'"]|\bexport\s/);
  expect([...code.matchAll(/\brequire\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1])).toEqual(['electron']);
  expect(runPreload().required).toEqual(['electron']);
});

test('with fakes of contextBridge and ipcRenderer, the preload exposes one key holding one function, and nothing else', () => {
  const { exposed, sent, portListeners } = runPreload();
  expect(Object.keys(exposed)).toEqual(['synclineBridge']);
  const bridge = exposed.synclineBridge as Record<string, unknown>;
  expect(Object.keys(bridge)).toEqual(['connect']);
  expect(typeof bridge.connect).toBe('function');
  // No ipcRenderer, no Node, no way to send main anything but the request for a port.
  expect(JSON.stringify(Object.getOwnPropertyNames(bridge))).toBe('["connect"]');
  expect(sent).toEqual([]);
  expect((bridge.connect as (...a: unknown[]) => unknown)('ignored', { also: 'ignored' })).toBeUndefined();
  expect(sent).toEqual(['syncline:connect']);
  expect([...portListeners.keys()]).toEqual(['syncline:port']);
});

test('a port main sends is posted to the page with the Syncline tag, and a message without one is dropped', () => {
  const { portListeners, posted } = runPreload();
  const port = { fake: 'MessagePort' };
  portListeners.get('syncline:port')!({ ports: [port] });
  portListeners.get('syncline:port')!({ ports: [] });
  expect(posted).toEqual([{ message: { syncline: 'port' }, origin: '*', transfer: [port] }]);
});
