/**
 * The loopback variant's network: the sim server behind the real Node listener
 * (`listen(server, { port: 0 })`), reached through a small TCP proxy on 127.0.0.1 that, per HTTP
 * request seen on a connection, may drop it (never forwarded), lose the answer (forwarded, then
 * the connection is cut before any answer byte), cut the answer in the middle, or hold it for a
 * few real milliseconds. Clients use the real `fetchTransport`, so the real HTTP paths run, and
 * the real realtime socket (`ws`), whose upgrades and frames go through `ws-faults.ts`.
 *
 * Not deterministic: sockets and timers are real. A seed fixes the workload and the fault
 * decisions, not the interleaving; the oracles are the same.
 */
import { connect, createServer, type Socket } from 'node:net';
import { fetchTransport, type Transport } from '@syncline/client';
import { DEFAULT_LIMITS, listen, type SyncServer } from '@syncline/server';
import type { SimServer } from './server.ts';
import { proxyWebSocket, type WsFaultPlan } from './ws-faults.ts';

export type ProxyFault = 'drop-request' | 'drop-response' | 'cut-response' | 'delay';

export interface LoopbackNet {
  transport(name: string): Transport;
  /** The realtime socket's URL through the proxy. */
  readonly socketUrl: string;
  close(): Promise<void>;
}

export async function startLoopback(
  sim: SimServer,
  fault: () => ProxyFault | null,
  wsFault: WsFaultPlan,
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
    // The realtime hub of whichever instance runs now: a restart closes the sockets (1001) and
    // the clients reconnect to the next one.
    realtime: {
      path: '/sync/ws',
      accept: (peer) => {
        const hub = sim.realtime;
        if (hub) return hub.accept(peer);
        peer.close(1013, 'No hub.');
        return { message: () => undefined, closed: () => undefined };
      },
      stats: () => sim.realtime?.stats() ?? { connections: 0, pokes: 0, pokesByUser: new Map() },
      close: async () => {},
    },
  };
  const listener = await listen(facade, { port: 0, metrics: false });
  const upstream = new URL(listener.url);
  const sockets = new Set<Socket>();
  const proxy = createServer((down) => {
    const up = connect(Number(upstream.port), upstream.hostname);
    sockets.add(down).add(up);
    // Without this, Nagle's algorithm and delayed ACKs hold each split write ~40 ms.
    down.setNoDelay(true);
    up.setNoDelay(true);
    const kill = () => {
      down.destroy();
      up.destroy();
    };
    down.on('error', kill).on('close', kill);
    up.on('error', kill).on('close', kill);
    let answer: ProxyFault | null = null;
    let mode: 'http' | 'ws' = 'http';
    down.on('data', (chunk: Buffer) => {
      if (mode === 'ws') return void up.write(chunk);
      if (chunk.subarray(0, 13).toString('latin1') === 'GET /sync/ws ') {
        // The realtime socket: its own fault layer from here on (ws-faults.ts).
        mode = 'ws';
        proxyWebSocket(down, up, chunk, wsFault, count, kill);
        return;
      }
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
      if (mode === 'ws') return;
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
    socketUrl: `ws://127.0.0.1:${addr.port}/sync/ws`,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
      await listener.close();
    },
  };
}
