import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterEach, expect, test } from 'vitest';
import { nodeTransport } from './node-transport.ts';

let server: Server | null = null;
afterEach(async () => {
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  server = null;
});

/** A server on a free port; answers with `answer(path, body, headers)`. */
async function serve(
  answer: (req: { path: string; body: string; headers: Record<string, unknown> }) => {
    status?: number;
    body: string | Buffer;
    headers?: Record<string, string>;
  },
): Promise<{ url: string; sockets: Set<unknown> }> {
  const sockets = new Set<unknown>();
  server = createServer((req, res) => {
    sockets.add(req.socket);
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString();
    });
    req.on('end', () => {
      const a = answer({ path: req.url ?? '', body, headers: req.headers });
      res.writeHead(a.status ?? 200, a.headers ?? { 'content-type': 'application/json' });
      res.end(a.body);
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/sync/`, sockets };
}

test('node transport: POSTs the JSON body with the token, parses the answer, keeps the socket alive', async () => {
  const { url, sockets } = await serve(({ path, body, headers }) => ({
    body: JSON.stringify({ path, got: JSON.parse(body), auth: headers.authorization }),
    headers: { 'content-type': 'application/json', 'Retry-After': '3' },
  }));
  const t = nodeTransport(url);
  const res = await t.request('/push', { method: 'POST', token: 'tok', body: { a: 'é' } });
  expect(res).toMatchObject({
    status: 200,
    body: { path: '/sync/push', got: { a: 'é' }, auth: 'Bearer tok' },
  });
  expect(res.headers['retry-after']).toBe('3');
  await t.request('/pull', { method: 'POST', token: 'tok', body: {} });
  expect(sockets.size).toBe(1);
});

test('node transport: a gzip answer is decoded; a non-JSON body is null; statuses pass through', async () => {
  let n = 0;
  const { url } = await serve(() =>
    ++n === 1
      ? {
          body: gzipSync('{"ok":1}'),
          headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
        }
      : { status: 503, body: 'nope', headers: { 'content-type': 'text/plain' } },
  );
  const t = nodeTransport(url);
  expect((await t.request('/info', { method: 'GET', token: null })).body).toEqual({ ok: 1 });
  expect(await t.request('/info', { method: 'GET', token: null })).toMatchObject({ status: 503, body: null });
});

test('node transport: an unreachable server is `network`, an aborted request `aborted`', async () => {
  const { url } = await serve(() => ({ body: '{}' }));
  const port = new URL(url).port;
  await new Promise((resolve) => server!.close(resolve));
  server = null;
  await expect(
    nodeTransport(`http://127.0.0.1:${port}/sync`).request('/info', { method: 'GET', token: null }),
  ).rejects.toMatchObject({ code: 'network', retryable: true });
  const slow = await serve(() => ({ body: '{}' }));
  server!.removeAllListeners('request');
  server!.on('request', () => {}); // never answers
  const controller = new AbortController();
  const pending = nodeTransport(slow.url).request('/pull', {
    method: 'POST',
    token: null,
    body: {},
    signal: controller.signal,
  });
  setTimeout(() => controller.abort(), 20);
  await expect(pending).rejects.toMatchObject({ code: 'aborted' });
  server!.closeAllConnections();
});
