/**
 * Test support: a scripted {@link Transport} that answers each request with canned protocol
 * answers (for unit tests of retry/413/seq_gap/401 handling — named "with scripted transport").
 */
import { defineSchema, type Mutation, PROTOCOL_VERSION, SynclineError, t } from '@syncline/core';
import { type ClientOptions, createClient } from '../src/client.ts';
import { manualClock } from '../src/clock.ts';
import { createMemoryStore } from '../src/memory-store.ts';
import { manualNetwork } from '../src/network.ts';
import type { TransportResponse } from '../src/transport.ts';

export const schema = defineSchema({ notes: { columns: { title: t.text() } } });

export interface Call {
  path: string;
  token: string | null;
  body:
    | { clientId?: string; mutations?: Mutation[]; collections?: Record<string, { cursor: string | null }> }
    | undefined;
}
export type Script = (
  call: Call,
  n: number,
) => TransportResponse | 'network' | Promise<TransportResponse | 'network'>;

export const ok = (body: unknown): TransportResponse => ({ status: 200, body, headers: {} });
export const fail = (
  status: number,
  code: string,
  details?: unknown,
  headers: Record<string, string> = {},
): TransportResponse => ({
  status,
  body: { error: { code, message: code, ...(details === undefined ? {} : { details }) } },
  headers,
});

let version = 100;
/** Applies every mutation: inserts and updates get a fresh version. */
export function applyAll(mutations: Mutation[]): TransportResponse {
  return ok({
    results: mutations.map((m) => ({
      seq: m.seq,
      status: 'applied',
      record: {
        id: m.id,
        version: ++version,
        updatedAt: '2026-11-25T13:00:00.000Z',
        deletedAt: m.op === 'delete' ? '2026-11-25T13:00:00.000Z' : null,
        title: m.op === 'insert' ? m.data.title : m.op === 'update' ? m.patch.title : 'x',
      },
    })),
  });
}

export const emptyPull = (cursor = 'c1') =>
  ok({ collections: { notes: { changes: [], cursor, hasMore: false, reset: false } }, remaining: 0 });

export const info = (limits: Partial<Record<string, number>> = {}) =>
  ok({
    protocol: { min: 1, max: PROTOCOL_VERSION },
    limits: {
      maxBodyBytes: 1 << 20,
      maxMutationBytes: 1 << 18,
      maxMutationsPerPush: 500,
      maxRowsPerPage: 1000,
      ...limits,
    },
    schemaHash: 'x',
  });

/** A client whose transport runs `script`; default answers: /info, applyAll, emptyPull. */
export function scriptedClient(
  script: Script = () => 'network',
  opts: {
    tokens?: string[];
    random?: () => number;
    /** More client options (e.g. `realtime`, `pollIntervalMs`). */
    client?: Partial<ClientOptions<typeof schema>>;
  } = {},
) {
  const calls: Call[] = [];
  const network = manualNetwork(true);
  const clock = manualClock(Date.parse('2026-11-25T13:00:00.000Z'));
  let n = 0;
  let tokenN = 0;
  const client = createClient({
    schema,
    store: createMemoryStore(),
    network,
    clock,
    random: opts.random ?? (() => 0.5),
    ids: () => `id-${++n}`,
    auth: {
      getToken: ({ forceRefresh }) => (opts.tokens ? opts.tokens[forceRefresh ? ++tokenN : tokenN]! : null),
    },
    transport: {
      async request(path, init) {
        const call: Call = { path, token: init.token, body: structuredClone(init.body) as Call['body'] };
        calls.push(call);
        const answer = await script(call, calls.length);
        if (answer === 'network')
          throw new SynclineError('network', 'unreachable (script)', { retryable: true });
        return answer;
      },
    },
    ...opts.client,
  });
  const pushes = () => calls.filter((c) => c.path === '/push').map((c) => c.body!);
  return Object.assign(client, { calls, pushes, network, clock });
}

/** The default answer of a well-behaved server. */
export function defaultAnswer(call: Call): TransportResponse {
  if (call.path === '/info') return info();
  if (call.path === '/push') return applyAll(call.body!.mutations!);
  return emptyPull();
}
