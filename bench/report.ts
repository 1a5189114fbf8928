/**
 * The tables of `npm run bench`: figures and ratios against each peer and against the limit
 * (the raw baselines, the protocol ceiling), in Markdown, for the console and BENCHMARKS.md.
 * Where Syncline loses, the ratio says so in words ("Syncline loses").
 */
import type { RunOutcome } from './child.ts';
import type { InitialSyncSize, SyncResult } from './initial-sync.ts';
import { medianOf } from './interleave.ts';
import type { LocalWrites } from './local-writes.ts';
import type { RunResult } from './push-load.ts';
import { percentile } from './push-report.ts';
import type { Realtime } from './realtime.ts';
import { latencies } from './realtime.ts';

export interface PushEntry {
  name: string;
  label: string;
  outcome:
    | { status: 'ok'; run: RunResult; serverCpuMs?: number }
    | { status: 'skipped' | 'failed' | 'dnf'; why: string };
}

const int = (x: number) => Math.round(x).toLocaleString('en');
const secs = (ms: number) => (ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${(ms / 1000).toFixed(2)} s`);
const mib = (b: number) => `${Math.round(b / 1024 / 1024)} MiB`;
const ratio = (x: number) => (x >= 10 ? x.toFixed(0) : x >= 2 ? x.toFixed(1) : x.toFixed(2));
const ms2 = (x: number) => (x < 1 ? x.toFixed(3) : x.toFixed(1));

export function failure(runs: ReadonlyArray<RunOutcome<unknown>>): string {
  const bad = runs.find((r) => r.status !== 'ok');
  if (!bad) return '';
  return bad.status === 'dnf'
    ? `did not finish in ${bad.capMs / 1000} s`
    : `failed (${bad.error.split('\n')[0]!.slice(0, 80)})`;
}

/** How Syncline compares with a contender on a figure where less is better (a time). */
export function versus(syncline: number | null, other: number | null, otherDnf: boolean): string {
  if (syncline === null) return 'Syncline did not finish';
  if (other === null) return otherDnf ? 'Syncline wins (this did not finish)' : '—';
  if (syncline <= other) return `Syncline ${ratio(other / syncline)}x faster`;
  return `**Syncline loses: ${ratio(syncline / other)}x slower**`;
}

export function initialSyncTable(size: InitialSyncSize): string[] {
  const ms = new Map(size.contenders.map((c) => [c.name, medianOf<SyncResult>(c.runs, (r) => r.ms)]));
  const mine = ms.get('syncline') ?? null;
  const reps = Math.max(...size.contenders.map((c) => c.runs.length));
  const lines = [
    `**S1 — initial sync of ${int(size.rows)} rows** (~150 B each; server → a fresh client process; time until every row is queryable; median of ${reps}, cap ${size.capMs / 1000} s)`,
    '',
    '| contender | time | rows/s | client peak RSS | bytes/row on the wire | Syncline vs this |',
    '| --- | ---: | ---: | ---: | ---: | --- |',
  ];
  for (const c of size.contenders) {
    const t = ms.get(c.name) ?? null;
    const rss = medianOf<SyncResult>(c.runs, (r) => r.peakRssBytes);
    const wire = medianOf<SyncResult>(c.runs, (r) => (r.wireBytes ?? Number.NaN) / r.rows);
    const perRow = wire === null || Number.isNaN(wire) ? '—' : wire.toFixed(1);
    if (t === null) {
      lines.push(
        `| ${c.label} | ${failure(c.runs)} | — | — | — | ${c.kind === 'peer' ? versus(mine, null, true) : '—'} |`,
      );
      continue;
    }
    let cmp = '—';
    if (c.kind === 'peer') cmp = versus(mine, t, false);
    else if ((c.kind === 'share' || c.kind === 'variant') && mine !== null)
      cmp = `${Math.round((t / mine) * 100)}% of Syncline's time`;
    else if (c.kind === 'baseline' && mine !== null) cmp = `Syncline takes ${ratio(mine / t)}x this`;
    lines.push(
      `| ${c.label} | ${secs(t)} | ${int(size.rows / (t / 1000))} | ${rss === null ? '—' : mib(rss)} | ${perRow} | ${cmp} |`,
    );
  }
  return lines;
}

export function localWritesTable(w: LocalWrites): string[] {
  const get = (name: string) => w.contenders.find((c) => c.name === name);
  const p50 = (name: string) => medianOf(get(name)?.runs ?? [], (r) => r.singles.p50);
  const bulkMs = (name: string) => medianOf(get(name)?.runs ?? [], (r) => r.bulk.ms);
  const reps = Math.max(...w.contenders.map((c) => c.runs.length));
  const lines = [
    `**S2 — local writes** (fresh process each; ${int(w.singles)} single awaited inserts, then ${int(w.bulk)} rows the fastest way the API allows; median of ${reps})`,
    '',
    '| contender | single insert p50 | p99 | bulk rows/s | bulk API | Syncline vs this (single p50; bulk) |',
    '| --- | ---: | ---: | ---: | --- | --- |',
  ];
  for (const c of w.contenders) {
    const s50 = p50(c.name);
    const s99 = medianOf(c.runs, (r) => r.singles.p99);
    const b = bulkMs(c.name);
    if (s50 === null || b === null) {
      lines.push(`| ${c.label} | ${failure(c.runs)} | — | — | — | — |`);
      continue;
    }
    const how = c.runs[0]?.status === 'ok' ? c.runs[0].result.bulk.how : '';
    const mine50 = p50('syncline');
    const mineBulk = bulkMs('syncline');
    const cmp =
      c.kind === 'syncline'
        ? '—'
        : c.kind === 'baseline'
          ? mine50 === null || mineBulk === null
            ? '—'
            : `Syncline takes ${ratio(mine50 / s50)}x this; ${ratio(mineBulk / b)}x this`
          : `${versus(mine50, s50, false)}; ${versus(mineBulk, b, false)}`;
    lines.push(
      `| ${c.label} | ${ms2(s50)} ms | ${ms2(s99 ?? 0)} ms | ${int(w.bulk / (b / 1000))} | ${how} | ${cmp} |`,
    );
  }
  return lines;
}

export function pushTable(
  entries: readonly PushEntry[],
  plan: { clients: number; batches: number; batchSize: number },
): string[] {
  const rate = (e: PushEntry) =>
    e.outcome.status === 'ok' ? e.outcome.run.mutations / (e.outcome.run.wallMs / 1000) : null;
  const ceiling = entries.find((e) => e.name === 'ceiling');
  const top = ceiling ? rate(ceiling) : null;
  const lines = [
    `**S3 — server push throughput** (${plan.clients} clients × ${plan.batches} batches × ${plan.batchSize} mutations over HTTP, 20% updates after the first batch; one server process)`,
    '',
    '| path | mutations/s | p50 / p99 batch | server CPU per mutation | vs the protocol ceiling |',
    '| --- | ---: | ---: | ---: | --- |',
  ];
  for (const e of entries) {
    if (e.outcome.status !== 'ok') {
      lines.push(
        `| ${e.label} | ${e.outcome.status === 'skipped' ? 'skipped' : e.outcome.status === 'dnf' ? 'did not finish' : 'failed'}: ${e.outcome.why} | — | — | — |`,
      );
      continue;
    }
    const r = rate(e)!;
    const cpu =
      e.outcome.serverCpuMs === undefined
        ? '—'
        : `${int((e.outcome.serverCpuMs * 1000) / e.outcome.run.mutations)} µs`;
    const cmp =
      e.name === 'ceiling' || e.name === 'pg-insert' || top === null
        ? '—'
        : `${Math.round((r / top) * 100)}% of it`;
    lines.push(
      `| ${e.label} | ${int(r)} | ${int(percentile(e.outcome.run.latencies, 50))} / ${int(percentile(e.outcome.run.latencies, 99))} ms | ${cpu} | ${cmp} |`,
    );
  }
  return lines;
}

export function realtimeTable(rt: Realtime): string[] {
  const head =
    '**S4 — write → visible latency** (the realtime fan-out bench, `bench/realtime-fanout.ts`, on SQLite)';
  if (!rt.available) return [head, '', 'not run: `bench/realtime-fanout.ts` is not in this checkout.'];
  const o = rt.outcome;
  if (o?.status !== 'ok')
    return [
      head,
      '',
      o?.status === 'dnf'
        ? `did not finish in ${o.capMs / 1000} s`
        : `failed: ${o?.status === 'failed' ? o.error.slice(0, 300) : ''}`,
    ];
  const r = o.result;
  const row = (clients: number, who: string, poke: string | null, visible: string) => {
    const p = poke === null ? null : latencies(poke);
    const v = latencies(visible);
    return `| ${int(clients)} | ${who} | ${p ? `${p.p50} / ${p.p99 ?? '—'} ms` : '—'} | ${v.p50} / ${v.p99 ?? '—'} ms |`;
  };
  const many = r.load.clients ?? r.load.sockets;
  const missed = (n: number) => (n > 0 ? ` (${n} not seen in 5 s)` : '');
  return [
    head,
    '',
    '| clients | measured by | write → poke p50 / p99 | write → visible p50 / p99 |',
    '| ---: | --- | ---: | ---: |',
    ...(r.full
      ? [
          row(
            1,
            `full clients: A's insert() → B's watch${missed(r.full.one.missed)}`,
            null,
            r.full.one.visible,
          ),
          row(
            r.full.load.clients,
            `the same, while ${int(r.load.sockets)} protocol-level sockets load the server${missed(r.full.load.missed)}`,
            null,
            r.full.load.visible,
          ),
        ]
      : []),
    row(
      1,
      'protocol-level socket: HTTP push → poke, → row in the poked pull',
      r.oneSocket.poke,
      r.oneSocket.visible,
    ),
    row(many, `the same, at the ${int(r.load.sockets)} sockets`, r.load.poke, r.load.visible),
    ...(r.idle
      ? [
          '',
          `Idle sockets: ${int(r.idle.sockets)}, ${int(r.idle.rssPerSocketBytes)} B RSS and ${int(r.idle.heapPerSocketBytes)} B heap per socket on the server.`,
        ]
      : []),
  ];
}

/** One line per contest Syncline lost, for the summary. */
export function losses(s1: readonly InitialSyncSize[], s2: LocalWrites | null): string[] {
  const out: string[] = [];
  for (const size of s1) {
    const mine = medianOf<SyncResult>(
      size.contenders.find((c) => c.name === 'syncline')?.runs ?? [],
      (r) => r.ms,
    );
    for (const c of size.contenders.filter((x) => x.kind === 'peer')) {
      const t = medianOf<SyncResult>(c.runs, (r) => r.ms);
      if (mine !== null && t !== null && t < mine)
        out.push(`S1 ${int(size.rows)} rows: ${c.label} syncs ${ratio(mine / t)}x faster than Syncline`);
    }
  }
  if (s2) {
    const get = (n: string) => s2.contenders.find((c) => c.name === n)?.runs ?? [];
    const p50 = medianOf(get('syncline'), (r) => r.singles.p50);
    const bulk = medianOf(get('syncline'), (r) => r.bulk.ms);
    for (const c of s2.contenders.filter((x) => x.kind === 'peer')) {
      const s = medianOf(c.runs, (r) => r.singles.p50);
      const b = medianOf(c.runs, (r) => r.bulk.ms);
      if (p50 !== null && s !== null && s < p50)
        out.push(`S2 single insert p50: ${c.label} is ${ratio(p50 / s)}x faster`);
      if (bulk !== null && b !== null && b < bulk)
        out.push(`S2 bulk writes: ${c.label} is ${ratio(bulk / b)}x faster`);
    }
  }
  return out;
}
