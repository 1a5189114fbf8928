/**
 * The clients of the push benchmark: each pushes batches of new rows plus updates of its own
 * earlier rows (with the right base version, so reject-stale applies them), numbered by seq.
 */
import os from 'node:os';

export interface BatchPlan {
  clients: number;
  /** Measured batches per client. */
  batches: number;
  /** Unmeasured batches per client first (JIT, pool, plan caches). */
  warmup: number;
  batchSize: number;
  updateFraction: number;
}

type PushAnswer = { results: Array<{ status: string; record?: { id: string; version: number } }> };
export type Push = (client: number, body: unknown) => Promise<PushAnswer>;

export interface RunResult {
  mutations: number;
  wallMs: number;
  /** Per measured batch, in ms. */
  latencies: number[];
  rejected: number;
  /** Share of the machine's CPU time that was busy during the measured phase (all processes). */
  machineBusy: number;
}

/** A row of the benchmark: the same shape for the pushes and the plain-SQL baseline. */
export function benchRow(owner: string, n: number) {
  return { owner, title: `task ${n} of ${owner}`, done: n % 3 === 0, rank: n };
}

export async function runClients(plan: BatchPlan, push: Push): Promise<RunResult> {
  const state = Array.from({ length: plan.clients }, () => ({
    seq: 0,
    rows: 0,
    versions: new Map<string, number>(),
  }));
  const batch = (c: number) => {
    const s = state[c]!;
    const owner = `user${c}`;
    const mutations: unknown[] = [];
    const updates = Math.min(Math.floor(plan.batchSize * plan.updateFraction), s.versions.size);
    // Update the oldest rows not yet touched in this batch: each at most once, so its base version is current.
    const targets = [...s.versions.entries()].slice(0, updates);
    for (const [id, version] of targets) {
      s.versions.delete(id);
      mutations.push({
        seq: ++s.seq,
        collection: 'tasks',
        id,
        op: 'update',
        patch: { done: true },
        baseVersion: version,
      });
    }
    while (mutations.length < plan.batchSize) {
      const id = `c${c}-${++s.rows}`;
      mutations.push({ seq: ++s.seq, collection: 'tasks', id, op: 'insert', data: benchRow(owner, s.rows) });
    }
    return { clientId: `bench-client-${c}`, mutations };
  };
  const send = async (c: number) => {
    const started = performance.now();
    const answer = await push(c, batch(c));
    const ms = performance.now() - started;
    let rejected = 0;
    for (const r of answer.results) {
      if (r.status === 'applied' && r.record) state[c]!.versions.set(r.record.id, r.record.version);
      else rejected++;
    }
    return { ms, rejected };
  };

  await Promise.all(
    state.map(async (_, c) => {
      for (let b = 0; b < plan.warmup; b++) await send(c);
    }),
  );
  const latencies: number[] = [];
  let rejected = 0;
  const cpu0 = cpuTimes();
  const started = performance.now();
  await Promise.all(
    state.map(async (_, c) => {
      for (let b = 0; b < plan.batches; b++) {
        const r = await send(c);
        latencies.push(r.ms);
        rejected += r.rejected;
      }
    }),
  );
  const wallMs = performance.now() - started;
  const cpu1 = cpuTimes();
  return {
    mutations: plan.clients * plan.batches * plan.batchSize,
    wallMs,
    latencies,
    rejected,
    machineBusy: 1 - (cpu1.idle - cpu0.idle) / (cpu1.total - cpu0.total),
  };
}

export function cpuTimes(): { idle: number; total: number } {
  let idle = 0;
  let total = 0;
  for (const c of os.cpus()) {
    idle += c.times.idle;
    total += c.times.idle + c.times.user + c.times.sys + c.times.nice + c.times.irq;
  }
  return { idle, total };
}
