/**
 * One seeded run of the deterministic simulation: 3–5 real client engines on SQLite files, 1–2
 * users, a real server (SQLite or PostgreSQL) in-process, a fault layer, crashes at failpoints,
 * offline periods and server restarts; then healing and the oracles. Everything random comes
 * from `seededRandom(seed)` and time from one manual clock, and every step is awaited before the
 * next, so a seed replays exactly (its trace hash is printed to prove it).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FAILPOINTS, type FailpointName, manualClock } from '@syncline/client/testing';
import { seededRandom } from '@syncline/core/internal';
import { openSlot, restartSlot, type Slot, type SlotDeps } from './clients.ts';
import { checkFresh, checkScope } from './fresh.ts';
import { newModel } from './model.ts';
import { check, type Verdict } from './oracles.ts';
import { checkPokes } from './pokes.ts';
import { type LoopbackNet, type ProxyFault, startLoopback } from './proxy.ts';
import type { Control } from './recorder.ts';
import { type Grants, SPACES } from './schema.ts';
import { createSimServer, type StoreKind } from './server.ts';
import { FAULTS, type Fault, type HeldRequest, simTransport } from './transport.ts';
import { checkPending, localWrite } from './workload.ts';
import type { WsFault } from './ws-faults.ts';

export interface SimOptions {
  store: StoreKind;
  pgUrl?: string;
  control?: Control | null;
  /** Chaos steps before healing (default 80). */
  steps?: number;
  /**
   * Real HTTP through the loopback TCP fault proxy instead of the in-memory transport, and the
   * realtime socket through it too (clients' loops run, poll an hour away, pokes pull).
   */
  loopback?: boolean;
  /** Loopback negative control: the proxy drops every poke, so `unpoked` must catch it. */
  dropPokes?: boolean;
  /** Keep the trace lines in the result (for debugging a seed). */
  keepTrace?: boolean;
}

export interface SeedResult {
  seed: number;
  verdict: Verdict;
  /** sha1 of the trace: equal for two runs of one seed on SQLite. */
  traceHash: string;
  trace?: string[];
  stats: Record<string, number>;
}

/** Failpoints a crash during sync is armed at; the named ones are drawn half the time. */
const NAMED: FailpointName[] = [
  'push:after-send-before-response', // after the server commit, before the answer is applied
  'pull:apply:before-commit', // in the middle of applying a pull page
  'push:apply:before-commit',
  'push:reject:before-commit',
  'rejected:notified:before-commit',
];
const SYNC_POINTS = FAILPOINTS.filter((f) => !f.startsWith('write:') && !f.startsWith('open:'));

const scratch = () => mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'syncline-sim-'));

export async function runSeed(seed: number, o: SimOptions): Promise<SeedResult> {
  const rng = seededRandom(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)]!;
  const trace: string[] = [];
  const log = (line: string) => trace.push(line);
  const stats: Record<string, number> = {};
  const count = (k: string) => {
    stats[k] = (stats[k] ?? 0) + 1;
  };
  const dir = scratch();
  const lagRng = seededRandom(seed ^ 0x5bd1e995);
  const clock = manualClock(Date.parse('2026-11-25T13:00:00.000Z'));
  const server = await createSimServer({
    kind: o.store,
    dir,
    ...(o.pgUrl ? { pgUrl: o.pgUrl } : {}),
    control: o.control ?? null,
    // Transactions take 0–1.5 s between begin (the row's timestamp) and commit; a separate
    // stream, so the workload of a seed is the same with and without the control.
    txStart: () => clock.now() - Math.floor(lagRng() * 1500),
    now: () => clock.now(),
  });
  let net: LoopbackNet | null = null;
  try {
    // Per-seed fault rates, so some seeds are gentle and some brutal.
    const rates: Array<[Fault, number]> = [
      ['drop-request', 0.03 + rng() * 0.06],
      ['drop-response', 0.05 + rng() * 0.08],
      ['duplicate', 0.03 + rng() * 0.06],
      ['delay', 0.02 + rng() * 0.05],
      ['unavailable', rng() * 0.03],
    ];
    let chaos = true;
    const held: HeldRequest[] = [];
    // Every seed loses at least one push answer and duplicates one push early on: the faults
    // that expose a server without idempotency then happen in (nearly) every seed.
    const forced = new Map<number, Fault>([
      [1 + Math.floor(rng() * 4), 'drop-response'],
      [5 + Math.floor(rng() * 4), 'duplicate'],
    ]);
    let pushes = 0;
    const fault = (path: string): Fault | null => {
      if (!chaos) return null;
      const f = path === '/push' ? forced.get(++pushes) : undefined;
      if (f) {
        count(f);
        return f;
      }
      let r = rng();
      for (const [f, p] of rates) {
        if (r < p) {
          count(f);
          return f;
        }
        r -= p;
      }
      return null;
    };
    const nClients = 3 + Math.floor(rng() * 3);
    // Two users only with 4+ clients: every user has at least two devices that can collide.
    const users = nClients >= 4 && rng() < 0.6 ? ['u0', 'u1'] : ['u0'];
    // The loopback network's faults come from their own seeded stream: real sockets make the
    // number of requests (background cycles, pokes) timing-dependent, and the workload stream
    // must not shift with it.
    const netRng = seededRandom(seed ^ 0x2545f491);
    const proxyFault = (): ProxyFault | null => {
      if (!chaos) return null;
      const r = netRng();
      return r < 0.05
        ? 'drop-request'
        : r < 0.1
          ? 'drop-response'
          : r < 0.14
            ? 'cut-response'
            : r < 0.2
              ? 'delay'
              : null;
    };
    const wsRates = {
      handshake: [
        ['ws-refuse', 0.05 + netRng() * 0.1],
        ['ws-cut-handshake', 0.05 + netRng() * 0.1],
      ],
      poke: [
        ['poke-drop', 0.1 + netRng() * 0.2],
        ['poke-duplicate', 0.05 + netRng() * 0.15],
        ['poke-delay', 0.05 + netRng() * 0.15],
        ['ws-cut', 0.02 + netRng() * 0.06],
      ],
      frame: [['ws-cut', 0.02 + netRng() * 0.06]],
    } as const satisfies Record<string, ReadonlyArray<readonly [WsFault, number]>>;
    const wsFault = (at: keyof typeof wsRates): WsFault | null => {
      if (o.dropPokes && at === 'poke') return 'poke-drop';
      if (!chaos) return null;
      let r = netRng();
      for (const [f, p] of wsRates[at]) {
        if (r < p) return f;
        r -= p;
      }
      return null;
    };
    net = o.loopback ? await startLoopback(server, proxyFault, wsFault, count) : null;
    const transport = (name: string) =>
      net
        ? net.transport(name)
        : simTransport({ server: () => server, fault, held, trace: log, name, now: () => clock.now() });
    const slots: Slot[] = [];
    const deps = (name: string): SlotDeps => ({
      dir,
      transport: transport(name),
      clock,
      seed,
      ...(net ? { socketUrl: net.socketUrl } : {}),
    });
    for (let i = 0; i < nClients; i++) {
      const name = `c${i}`;
      slots.push(await openSlot(name, users[i % users.length]!, i, deps(name)));
    }
    const model = newModel();
    // Shared spaces: u0 starts in s0; a second user starts in both (so they collide in s0).
    const grants: Grants = new Map(users.map((u) => [u, new Set<string>()]));
    let grantsAtBackup: Grants | null = null;
    const grant = async (user: string, space: string, on: boolean) => {
      await server.setGrant(user, space, on);
      if (on) grants.get(user)!.add(space);
      else grants.get(user)!.delete(space);
    };
    await grant('u0', 's0', true);
    if (users.includes('u1')) for (const sp of SPACES) await grant('u1', sp, true);
    const crashRate = 0.08 + rng() * 0.1;
    const steps = o.steps ?? 80;

    const afterAction = async (slot: Slot, i: number, what: string) => {
      if (slot.crashedAt) {
        log(`${slot.name} crashed at ${slot.crashedAt} during ${what}`);
        count('crashes');
        await restartSlot(slot, i, deps(slot.name));
      }
    };

    const syncOnce = async (slot: Slot, i: number, pullOnly: boolean, step: number) => {
      log(`${slot.name} ${pullOnly ? 'pull' : 'sync'}`);
      try {
        await (pullOnly ? slot.client.pull() : slot.client.sync());
        if (!slot.crashedAt) await checkScope(slot, model, grants, pullOnly, step);
        // Promise 4 (ARCHITECTURE.md §1.4) mid-run needs a single writer; in the loopback variant
        // other devices' loops
        // push and pull in the background meanwhile, so only the end-of-run oracles apply there.
        if (o.store === 'sqlite' && !slot.crashedAt && !net)
          await checkFresh(slot, model, await server.truth(), step, grants);
      } catch (e) {
        log(`${slot.name} sync failed: ${(e as Error).message.slice(0, 60)}`);
      }
      slot.armed = null;
      await afterAction(slot, i, 'sync');
      await checkPending(
        slot,
        model,
        // A record the server does not have (a restore lost it) is as gone as a deleted one.
        async (c, id) => (await server.truth()).get(`${c}/${id}`)?.deleted ?? true,
        grants,
      );
    };

    for (let step = 0; step < steps; step++) {
      clock.advance(Math.floor(rng() * 150));
      // Loopback: now and then a pause in real time, for the change feed (50 ms) to poke.
      if (net && netRng() < 0.15) await new Promise((r) => setTimeout(r, 30));
      const i = Math.floor(rng() * slots.length);
      const slot = slots[i]!;
      const r = rng();
      if (r < 0.45) {
        if (rng() < crashRate) slot.armed = rng() < 0.5 ? 'write:before-commit' : 'write:after-commit';
        await localWrite({ slot, users, model, rng, pick, log });
        slot.armed = null;
        await afterAction(slot, i, 'write');
      } else if (r < 0.8) {
        if (rng() < crashRate) slot.armed = rng() < 0.5 ? pick(NAMED) : pick(SYNC_POINTS);
        await syncOnce(slot, i, r >= 0.75, step);
      } else if (r < 0.88) {
        slot.network.set(!slot.network.online);
        log(`${slot.name} online=${slot.network.online}`);
      } else if (r < 0.9) {
        // A busy moment: every device writes, then each syncs in turn, so pulls interleave
        // with other devices' fresh commits (what exposes cursors that skip late commits).
        log('burst');
        count('bursts');
        for (const [j, s] of slots.entries()) {
          await localWrite({ slot: s, users, model, rng, pick, log });
          await afterAction(s, j, 'write');
        }
        for (const [j, s] of slots.entries()) await syncOnce(s, j, false, step);
      } else if (r < 0.91) {
        log('server restart');
        count('server-restarts');
        await server.restart();
      } else if (r < 0.92) {
        // The restore fault: an online backup now, and at the next such step the server is
        // stopped, its database replaced by that backup and started again: on SQLite with no
        // command run (detected), on PostgreSQL after the generation bump the README prescribes.
        // Memberships live in the server's database, so a restore takes them back too.
        if (await server.restore()) {
          log('server restored from backup');
          count('restores');
          for (const [user, spaces] of grantsAtBackup ?? []) grants.set(user, new Set(spaces));
          grantsAtBackup = null;
        } else {
          log('server backup');
          count('backups');
          await server.backup();
          grantsAtBackup = new Map([...grants].map(([user, spaces]) => [user, new Set(spaces)]));
        }
      } else if (r < 0.945) {
        // A membership change: a space granted or revoked while devices are wherever they are.
        const user = pick(users);
        const space = pick(SPACES);
        const on = !grants.get(user)!.has(space);
        log(`${on ? 'grant' : 'revoke'} ${user} ${space}`);
        count(on ? 'grants' : 'revokes');
        await grant(user, space, on);
      } else if (r < 0.975) {
        const h = held.splice(Math.floor(rng() * held.length), 1)[0];
        if (h) {
          log(`late delivery: ${h.label}`);
          await h.deliver().catch(() => undefined);
        }
      } else {
        log(`${slot.name} killed while idle`);
        count('kills');
        await restartSlot(slot, i, deps(slot.name));
      }
    }

    // Healing: faults off, everyone online, stale requests arrive, then sync until quiet.
    chaos = false;
    for (const s of slots) s.network.set(true);
    for (const h of held.splice(0)) await h.deliver().catch(() => undefined);
    // Last words: every device writes once more while the others are syncing, so the final
    // state itself is made of interleaved commits and pulls.
    for (const s of slots) await localWrite({ slot: s, users, model, rng, pick, log });
    let last = -1;
    for (let round = 0; round < 12; round++) {
      for (const s of slots) {
        try {
          await s.client.sync();
        } catch (e) {
          log(`heal ${s.name} failed: ${(e as Error).message.slice(0, 60)}`);
        }
      }
      const size = server.log.applied.length + server.log.outcomes.length;
      const quiet = slots.every((s) => s.client.status.pending === 0) && size === last;
      last = size;
      if (quiet) break;
    }
    // Loopback: pokes bring changes (faults off, sockets reconnected, the clock standing still).
    const pokes = net
      ? await checkPokes(slots, slots[0]!, model, grants, clock, o.dropPokes ? 1000 : 10_000)
      : null;
    if (pokes) {
      stats['poke-check-readers'] = pokes.readers;
      for (let round = 0; round < 2; round++)
        for (const s of slots) await s.client.sync().catch(() => undefined);
    }
    let verdict = await check(model, slots, server.log, await server.truth(), grants);
    // PostgreSQL delivers up to the xid watermark, which another session anywhere in the cluster
    // holds back while its transaction is open (a shared test cluster has many). Wait for the
    // watermark to pass every row (up to 60 s), then pull: what is still missing then diverged.
    const deadline = Date.now() + 60_000;
    for (let tries = 0; o.store === 'postgres' && verdict.diverged.length > 0 && tries < 15; ) {
      await new Promise((r) => setTimeout(r, 100));
      if (!(await server.deliverable()) && Date.now() < deadline) continue;
      tries++;
      for (const s of slots) await s.client.pull().catch(() => undefined);
      verdict = await check(model, slots, server.log, await server.truth(), grants);
    }
    if (pokes) verdict.unpoked = pokes.missed;
    stats.writes = model.writes.length;
    stats.acked = model.writes.filter((w) => w.acked).length;
    stats.applied = server.log.applied.length;
    stats.rejected = server.log.outcomes.filter((x) => x.status === 'rejected').length;
    for (const s of slots) await s.client.close().catch(() => undefined);
    return {
      seed,
      verdict,
      traceHash: createHash('sha1').update(trace.join('\n')).digest('hex').slice(0, 12),
      ...(o.keepTrace ? { trace } : {}),
      stats,
    };
  } finally {
    await net?.close().catch(() => undefined);
    await server.dispose().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

export { FAULTS };
