import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { SynclineError } from '@syncline/core';
import { afterEach, describe, expect, test } from 'vitest';
import { recordingLogger } from '../../test/logger.ts';
import { DEFAULT_LIMITS, type SyncServer } from '../api.ts';
import { json } from '../handler/errors.ts';
import type { ServerStore } from '../stores/types.ts';
import { type Listener, type ListenOptions, listen } from './listen.ts';

/** A deferred promise, to sequence steps without sleeping. */
function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** A stand-in sync server: the handler is the test's, the store answers `read` unless told to fail. */
function fakeServer(handler: (request: Request) => Promise<Response>, opts: { storeFails?: boolean } = {}) {
  const events: string[] = [];
  const logger = recordingLogger();
  const store = {
    kind: 'sqlite',
    async read(fn: (db: { all: () => Promise<unknown[]> }) => Promise<unknown>) {
      if (opts.storeFails) throw new Error('disk on fire');
      return fn({ all: async () => [{ ok: 1 }] });
    },
    async close() {
      events.push('store closed');
    },
  } as unknown as ServerStore;
  const server: SyncServer = {
    handler,
    limits: DEFAULT_LIMITS,
    store,
    logger,
    async close() {
      events.push('server closed');
      await store.close();
    },
  };
  return { server, events, logger };
}

const listeners: Listener[] = [];
async function start(server: SyncServer, options: Partial<ListenOptions> = {}): Promise<Listener> {
  const listener = await listen(server, { port: 0, ...options });
  listeners.push(listener);
  return listener;
}
afterEach(async () => {
  await Promise.all(listeners.splice(0).map((l) => l.close()));
});

describe('listen', () => {
  test('binds loopback on a free port, logs its address and answers /healthz and /readyz', async () => {
    const { server, logger } = fakeServer(async () => new Response('nope', { status: 404 }));
    const listener = await start(server);
    expect(listener.url).toBe(`http://127.0.0.1:${listener.port}`);
    expect(listener.port).toBeGreaterThan(0);
    expect(logger.at('info')).toEqual([
      {
        level: 'info',
        fields: { url: listener.url, host: '127.0.0.1', port: listener.port },
        message: `listening at ${listener.url}`,
      },
    ]);
    for (const probe of ['/healthz', '/readyz']) {
      const res = await fetch(`${listener.url}${probe}`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ ok: true });
    }
  });

  test('/readyz answers 503 when the store does not answer; /healthz (alive) still 200', async () => {
    const { server, logger } = fakeServer(async () => new Response(null, { status: 404 }), {
      storeFails: true,
    });
    const listener = await start(server);
    const res = await fetch(`${listener.url}/readyz`);
    expect(res.status).toBe(503);
    const body = (await res.json()) as { ok: boolean; error: { code: string; message: string } };
    expect(body.ok).toBe(false);
    expect(body.error.code).toBe('unavailable');
    expect(body.error.message).toMatch(/disk on fire/);
    expect(logger.at('warn').map((l) => l.message)).toEqual([expect.stringMatching(/disk on fire/)]);
    expect((await fetch(`${listener.url}/healthz`)).status).toBe(200);
  });

  test('passes method, path, query, headers, content-length and the streamed body to the handler', async () => {
    const { server } = fakeServer(async (request) => {
      const url = new URL(request.url);
      const body = await request.text();
      return Response.json({
        method: request.method,
        origin: url.origin,
        path: url.pathname,
        query: url.search,
        auth: request.headers.get('authorization'),
        contentLength: request.headers.get('content-length'),
        body,
      });
    });
    const listener = await start(server);
    const payload = JSON.stringify({ protocol: 1, big: 'x'.repeat(200_000) });
    const res = await fetch(`${listener.url}/sync/push?a=1`, {
      method: 'POST',
      headers: { authorization: 'Bearer t0k', 'content-type': 'application/json', host: 'evil.example' },
      body: payload,
    });
    expect(res.status).toBe(200);
    const echoed = (await res.json()) as Record<string, string>;
    expect(echoed).toMatchObject({
      method: 'POST',
      origin: listener.url, // never the Host header
      path: '/sync/push',
      query: '?a=1',
      auth: 'Bearer t0k',
      contentLength: String(Buffer.byteLength(payload)),
    });
    expect(echoed.body).toBe(payload);
  });

  test('streams the response body and copies status and headers, including several cookies', async () => {
    const { server } = fakeServer(async () => {
      const chunks = ['one,', 'two,', 'three'];
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          const next = chunks.shift();
          if (next === undefined) controller.close();
          else controller.enqueue(new TextEncoder().encode(next));
        },
      });
      const headers = new Headers({ 'x-test': 'yes', 'content-type': 'text/plain' });
      headers.append('set-cookie', 'a=1');
      headers.append('set-cookie', 'b=2');
      return new Response(body, { status: 207, headers });
    });
    const listener = await start(server);
    const res = await fetch(`${listener.url}/anything`);
    expect(res.status).toBe(207);
    expect(res.headers.get('x-test')).toBe('yes');
    expect(res.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
    expect(await res.text()).toBe('one,two,three');
  });

  test('an unexpected handler error is a 500 internal answer, logged, and the server keeps serving', async () => {
    let calls = 0;
    const { server, logger } = fakeServer(async () => {
      calls += 1;
      if (calls === 1) throw new Error('bug');
      return new Response('fine');
    });
    const listener = await start(server);
    const res = await fetch(`${listener.url}/sync/pull`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(500);
    const body = (await res.json()) as {
      error: { code: string; message: string; details: { requestId: string } };
    };
    expect(body.error.code).toBe('internal');
    expect(body.error.message).not.toMatch(/bug/); // internals stay in the log
    const requestId = res.headers.get('x-request-id');
    expect(body.error.details.requestId).toBe(requestId);
    expect(logger.at('error')).toEqual([
      expect.objectContaining({
        fields: expect.objectContaining({ requestId, error: expect.objectContaining({ message: 'bug' }) }),
      }),
    ]);
    expect(await (await fetch(`${listener.url}/x`)).text()).toBe('fine');
  });

  test('a thrown request-level SynclineError keeps its status and code', async () => {
    const { server } = fakeServer(async () => {
      throw new SynclineError('unauthenticated', 'The token has expired.', { status: 401 });
    });
    const listener = await start(server);
    const res = await fetch(`${listener.url}/sync/pull`);
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({
      error: { code: 'unauthenticated', message: 'The token has expired.' },
    });
  });

  test('extra routes answer their exact method and path; other requests reach the handler', async () => {
    const { server } = fakeServer(
      async (r) => new Response(`handler ${r.method} ${new URL(r.url).pathname}`),
    );
    const listener = await start(server, {
      extraRoutes: [
        { method: 'POST', path: '/dev/token', handler: async (r) => Response.json({ got: await r.json() }) },
      ],
    });
    const res = await fetch(`${listener.url}/dev/token`, { method: 'POST', body: '{"userId":"alice"}' });
    expect(await res.json()).toEqual({ got: { userId: 'alice' } });
    expect(await (await fetch(`${listener.url}/dev/token`)).text()).toBe('handler GET /dev/token');
  });

  test('requests Fetch cannot represent are 400 bad_request, never 500', async () => {
    const { server, logger } = fakeServer(async () => new Response('handler'));
    const listener = await start(server);
    const raw = (head: string) =>
      new Promise<string>((resolve, reject) => {
        const socket = connect(listener.port, '127.0.0.1', () => socket.end(head));
        let text = '';
        socket.on('data', (d) => {
          text += d.toString();
        });
        socket.on('end', () => resolve(text));
        socket.on('error', reject);
      });
    for (const head of [
      'GET http://elsewhere.example/sync/info HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
      'TRACE /sync/info HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    ]) {
      const answer = await raw(head);
      expect(answer).toMatch(/^HTTP\/1\.1 400 /);
      expect(answer).toContain('"code":"bad_request"');
    }
    expect(logger.at('error')).toEqual([]);
  });

  test('a caller that hangs up aborts the request signal the handler sees', async () => {
    const started = deferred();
    const aborted = deferred<boolean>();
    const { server } = fakeServer(async (request) => {
      started.resolve();
      await new Promise<void>((resolve) => request.signal.addEventListener('abort', () => resolve()));
      aborted.resolve(true);
      return new Response('late');
    });
    const listener = await start(server);
    // node:http rather than fetch: undici keeps an aborted request's socket open until its keep-alive ends.
    const caller = httpRequest(`${listener.url}/sync/pull`);
    const failed = new Promise((resolve) => caller.on('error', resolve));
    caller.end();
    await started.promise;
    caller.destroy();
    expect(await aborted.promise).toBe(true);
    await failed;
  });
});

describe('listener.close', () => {
  test('lets an in-flight request finish, refuses new ones, then closes the server and store', async () => {
    const started = deferred();
    const release = deferred();
    const { server, events } = fakeServer(async () => {
      started.resolve();
      await release.promise;
      events.push('answered');
      return new Response('done');
    });
    const listener = await listen(server, { port: 0 });
    const inFlight = fetch(`${listener.url}/slow`).then((r) => r.text());
    await started.promise;
    const closing = listener.close();
    // Not accepting any more: a new connection is refused while the slow one runs.
    await expect(fetch(`${listener.url}/healthz`)).rejects.toThrow();
    expect(events).toEqual([]);
    release.resolve();
    expect(await inFlight).toBe('done');
    await closing;
    expect(events).toEqual(['answered', 'server closed', 'store closed']);
    await listener.close(); // idempotent
  });

  test('is bounded: a request that never ends is cut after shutdownTimeoutMs', async () => {
    const started = deferred();
    const { server, events } = fakeServer(async () => {
      started.resolve();
      return new Promise<Response>(() => {});
    });
    const listener = await listen(server, { port: 0, shutdownTimeoutMs: 100 });
    const stuck = fetch(`${listener.url}/stuck`).catch((e: unknown) => e);
    await started.promise;
    await listener.close();
    expect(events).toEqual(['server closed', 'store closed']);
    expect(await stuck).toBeInstanceOf(Error);
  });

  test('a port in use is a clear error', async () => {
    const { server } = fakeServer(async () => new Response(null));
    const first = await start(server);
    await expect(listen(server, { port: first.port })).rejects.toThrow(/already in use/);
  });
});

describe('listen: JSON answers of the handler', () => {
  test('are written whole with their content-length, and other bodies still stream', async () => {
    const body = { rows: Array.from({ length: 2000 }, (_, i) => ({ id: `r${i}`, title: 'é'.repeat(20) })) };
    const { server } = fakeServer(async (request) =>
      new URL(request.url).pathname === '/json' ? json(200, body) : new Response('streamed'),
    );
    const listener = await start(server);
    const get = (path: string) =>
      new Promise<{ headers: Record<string, unknown>; text: string }>((resolve, reject) => {
        httpRequest(`${listener.url}${path}`, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({ headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }),
          );
        })
          .on('error', reject)
          .end();
      });
    const answer = await get('/json');
    expect(JSON.parse(answer.text)).toEqual(body);
    expect(answer.headers['content-type']).toBe('application/json; charset=utf-8');
    // Written in one call: a length, not chunked transfer encoding.
    expect(answer.headers['content-length']).toBe(String(Buffer.byteLength(answer.text)));
    expect(answer.headers['transfer-encoding']).toBeUndefined();
    const other = await get('/other');
    expect(other.text).toBe('streamed');
    // The Response is still an ordinary one for other runtimes.
    expect(await json(200, body).json()).toEqual(body);
  });
});
