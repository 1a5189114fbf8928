/**
 * The in-memory Transport with a fault layer: each request goes to `server.handler(new Request)`
 * in-process, unless the seeded fault plan drops, duplicates, delays or fails it.
 *
 * Fault model (per request):
 * - drop-request:  not delivered; the client sees a network error.
 * - drop-response: delivered and committed; the answer is lost, the client sees a network error.
 * - duplicate:     delivered twice (a retrying proxy); the client gets the second answer.
 * - delay:         the client times out (network error) while the request is held; the harness
 *                  delivers it later, after newer requests: a stale request arriving late.
 * - unavailable:   a 503 answer without touching the store.
 */

import type { SyncPath, Transport, TransportRequest, TransportResponse } from '@syncline/client';
import { SynclineError } from '@syncline/core';
import { deliverToHandler } from '../helpers/in-process.ts';
import type { SimServer } from './server.ts';

export const FAULTS = ['drop-request', 'drop-response', 'duplicate', 'delay', 'unavailable'] as const;
export type Fault = (typeof FAULTS)[number];

/** A request held by a `delay` fault, waiting for the harness to deliver it. */
export interface HeldRequest {
  label: string;
  deliver(): Promise<void>;
}

export interface SimTransportOptions {
  server: () => SimServer;
  /** The fault for the next request (null: deliver normally). */
  fault: (path: string) => Fault | null;
  held: HeldRequest[];
  trace: (line: string) => void;
  name: string;
  /** The sim clock: a held request remembers when it was sent. */
  now: () => number;
}

const networkError = (why: string) => new SynclineError('network', `simulated: ${why}`, { retryable: true });

export function simTransport(o: SimTransportOptions): Transport {
  const deliver = async (path: SyncPath, init: TransportRequest, sentAt: number | null = null) => {
    const server = o.server();
    const body = init.body as { mutations?: Array<{ seq: number }> } | undefined;
    server.setRequest({ firstSeq: path === '/push' ? (body?.mutations?.[0]?.seq ?? null) : null, sentAt });
    try {
      return await deliverToHandler(server.handler, 'http://sim.local/sync', path, init);
    } finally {
      server.setRequest(null);
    }
  };
  return {
    async request(path, init): Promise<TransportResponse> {
      const fault = o.fault(path);
      o.trace(`${o.name} ${path} ${fault ?? 'ok'}`);
      switch (fault) {
        case 'drop-request':
          throw networkError('request dropped');
        case 'drop-response':
          await deliver(path, init);
          throw networkError('response dropped');
        case 'duplicate':
          await deliver(path, init);
          return deliver(path, init);
        case 'delay': {
          const sentAt = o.now();
          o.held.push({
            label: `${o.name} ${path}`,
            deliver: async () => void (await deliver(path, init, sentAt)),
          });
          throw networkError('timed out (request held)');
        }
        case 'unavailable':
          return { status: 503, body: { error: { code: 'unavailable', message: 'simulated' } }, headers: {} };
        default:
          return deliver(path, init);
      }
    },
  };
}
