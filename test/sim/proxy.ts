/**
 * The loopback variant's network: the sim server behind the real Node listener
 * (`listen(server, { port: 0 })`), reached through a small TCP proxy on 127.0.0.1 that, per HTTP
 * request seen on a connection, may drop it (never forwarded), lose the answer (forwarded, then
 * the connection is cut before any answer byte), cut the answer in the middle, or hold it for a
 * few real milliseconds. Clients use the real `fetchTransport`, so the real HTTP paths run.
 * WebSocket realtime does not exist yet in this codebase, so only HTTP is covered.
 *
 * Not deterministic: sockets and timers are real. A seed fixes the workload and the fault
 * decisions, not the interleaving; the oracles are the same.
 */
import { connect, createServer, type Socket } from 'node:net';
import { fetchTransport, type Transport } from '@syncline/client';
import { DEFAULT_LIMITS, listen, type SyncServer } from '@syncline/server';
import type { SimServer } from './server.ts';

export type ProxyFault = 'drop-request' | 'drop-response' | 'cut-response' | 'delay';

export interface LoopbackNet {
  transport(name: string): Transport;
  close(): Promise<void>;
}

export async function startLoopback(
  sim: SimServer,
  fault: () => ProxyFault | null,
  count: (f: string) => void,
): Promise<LoopbackNet> {
  // A facade that always reaches the current server instance, across sim restarts.
  const facade: SyncServer = {
    handler: (req) => sim.handler(req),
    limits: DEFAULT_LIMITS,
    get store(): never {
      throw new Error('not used by the listener');
    },
    close: async () => {},
  };
  const listener = await listen(facade, { port: 0, metrics: false });
  const upstream = new URL(listener.url);
  const sockets = new Set<Socket>();
  const proxy = createServer((down) => {
    const up = connect(Number(upstream.port), upstream.hostname);
    sockets.add(down).add(up);
    const kill = () => {
      down.destroy();
      up.destroy();
    };
    down.on('error', kill).on('close', kill);
    up.on('error', kill).on('close', kill);
    let answer: ProxyFault | null = null;
    down.on('data', (chunk: Buffer) => {
      // A chunk that starts with a method is a new request: decide its fate once.
      const f = /^(GET|POST) /.test(chunk.subarray(0, 5).toString('latin1')) ? fault() : null;
      if (f) count(`proxy:${f}`);
      if (f === 'drop-request') return kill();
      if (f === 'drop-response' || f === 'cut-response') answer = f;
      if (f === 'delay') {
        down.pause();
        setTimeout(() => {
          up.write(chunk);
          down.resume();
        }, 10);
        return;
      }
      up.write(chunk);
    });
    up.on('data', (chunk: Buffer) => {
      if (answer === 'drop-response') return kill();
      if (answer === 'cut-response') {
        down.write(chunk.subarray(0, Math.max(1, chunk.length >> 1)));
        return kill();
      }
      down.write(chunk);
    });
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const addr = proxy.address();
  if (addr === null || typeof addr === 'string') throw new Error('proxy has no port');
  const base = `http://127.0.0.1:${addr.port}/sync`;
  return {
    transport: () => fetchTransport(base),
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
      await listener.close();
    },
  };
}
