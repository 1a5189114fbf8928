/**
 * `@syncline/client/testing`: hooks for tests that drive the engine deterministically — a manual
 * clock and network, the named failpoints a crash test kills the process at, and the memory
 * store's simulated disk (a "crash" re-opens the same disk).
 *
 * @example
 * const clock = manualClock(Date.parse('2026-01-01T00:00:00Z'));
 * const network = manualNetwork(false);
 * const client = createClient({ schema, store: createMemoryStore(createMemoryDisk()), clock, network, transport });
 * network.set(true);
 * clock.advance(30_000);
 */
export { manualClock } from './clock.ts';
export { CONDITIONAL_FAILPOINTS, FAILPOINTS, type FailpointHook, type FailpointName } from './failpoints.ts';
export { createMemoryDisk, type MemoryDisk } from './memory-store.ts';
export { manualNetwork } from './network.ts';
