/**
 * The baseline of the push benchmark: the same rows as plain multi-row INSERTs through pg, one
 * statement (one transaction) per 500-row batch, with as many concurrent connections as clients,
 * into the same table with the same triggers. What a push adds on top is the sync server's cost.
 */
import pg from 'pg';
import type { BatchPlan, RunResult } from './push-load.ts';
import { benchRow, cpuTimes } from './push-load.ts';

export async function baselineInsert(url: string, pgSchema: string, plan: BatchPlan): Promise<RunResult> {
  const clients = await Promise.all(
    Array.from({ length: plan.clients }, async () => {
      const c = new pg.Client({ connectionString: url, options: `-c search_path=${pgSchema}` });
      await c.connect();
      return c;
    }),
  );
  const insert = async (c: number, b: number) => {
    const params: unknown[] = [];
    const values: string[] = [];
    for (let i = 0; i < plan.batchSize; i++) {
      const n = b * plan.batchSize + i;
      const row = benchRow(`user${c}`, n);
      const at = params.push(`base-c${c}-${n}`, row.owner, row.title, row.done, row.rank);
      values.push(`($${at - 4}, $${at - 3}, $${at - 2}, $${at - 1}, $${at})`);
    }
    const started = performance.now();
    await clients[c]!.query(
      `INSERT INTO tasks (id, owner, title, done, rank) VALUES ${values.join(', ')}`,
      params,
    );
    return performance.now() - started;
  };
  try {
    await Promise.all(
      clients.map(async (_, c) => {
        for (let b = 0; b < plan.warmup; b++) await insert(c, b);
      }),
    );
    const latencies: number[] = [];
    const cpu0 = cpuTimes();
    const started = performance.now();
    await Promise.all(
      clients.map(async (_, c) => {
        for (let b = plan.warmup; b < plan.warmup + plan.batches; b++) latencies.push(await insert(c, b));
      }),
    );
    const wallMs = performance.now() - started;
    const cpu1 = cpuTimes();
    return {
      mutations: plan.clients * plan.batches * plan.batchSize,
      wallMs,
      latencies,
      rejected: 0,
      machineBusy: 1 - (cpu1.idle - cpu0.idle) / (cpu1.total - cpu0.total),
    };
  } finally {
    for (const c of clients) await c.end();
  }
}
