/**
 * The body-idle watcher on a request answered before its body was read (an early 413): once the
 * connection goes, nothing of the request is kept. Before the fix its timer found half a body
 * buffered and waited again, forever, holding the request, its socket and the bytes (the
 * 10,000-request hostile fuzz grew the heap 1.7x that way).
 */
import { createServer, type IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { expect, test } from 'vitest';
import { listenOnSqlite } from '../../test/listen-sqlite.ts';
import { signDevToken } from '../auth/index.ts';
import { watchBodyIdle } from './limits.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

test('a request answered unread is released when its connection closes; its watcher stops', async () => {
  const IDLE = 50;
  let ref: WeakRef<IncomingMessage> | undefined;
  let stalls = 0;
  const server = createServer((req, res) => {
    watchBodyIdle(req, IDLE, () => stalls++);
    ref = new WeakRef(req);
    // Answered from the headers alone, as a body over the cap is; the body is never read.
    res.writeHead(413, { 'content-type': 'text/plain', connection: 'close' }).end('too large');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  try {
    const socket = connect(port, '127.0.0.1');
    socket.on('error', () => undefined);
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    let received = '';
    socket.on('data', (d) => {
      received += d.toString('latin1');
    });
    socket.write('POST /sync/push HTTP/1.1\r\nHost: x\r\ncontent-length: 10000000\r\n\r\n');
    socket.write('x'.repeat(200_000));
    await new Promise<void>((resolve) => socket.once('close', () => resolve()));
    expect(received).toMatch(/^HTTP\/1\.1 413/);
    // Several idle periods: the old watcher would have re-armed itself each time.
    await new Promise((resolve) => setTimeout(resolve, IDLE * 6));
    for (let i = 0; i < 3; i++) {
      gc();
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(ref).toBeDefined();
    expect(ref!.deref(), 'the answered request is still reachable').toBeUndefined();
    expect(stalls).toBe(0);
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

test('the listener closes a connection whose body it answered unread (a push over the cap: 413)', async () => {
  const secret = 'body-idle-test-secret-long-enough-for-hs256';
  // No idle timeout: only the answer's `connection: close` can end this connection.
  const { listener, cleanup } = await listenOnSqlite(secret, { bodyIdleTimeoutMs: 0 });
  try {
    const token = await signDevToken(secret, 'alice', '1h');
    const socket = connect(listener.port, '127.0.0.1');
    socket.on('error', () => undefined);
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    let received = '';
    socket.on('data', (d) => {
      received += d.toString('latin1');
    });
    socket.write(
      `POST /sync/push HTTP/1.1\r\nHost: x\r\nauthorization: Bearer ${token}\r\ncontent-type: application/json\r\ncontent-length: 10000000\r\n\r\n{"protocol":3`,
    );
    await new Promise<void>((resolve) => socket.once('close', () => resolve()));
    expect(received).toMatch(/^HTTP\/1\.1 413/);
    expect(received.toLowerCase()).toContain('connection: close');
  } finally {
    await cleanup();
  }
});
