/** Awaited single writes, one after the other: p50/p99 latency in ms (bench/peers/timing.mjs is the same). */
export async function timeSingles(
  count: number,
  write: (n: number) => Promise<unknown>,
): Promise<{ singles: { count: number; p50: number; p99: number } }> {
  const ms: number[] = [];
  for (let n = 0; n < count; n++) {
    const t0 = performance.now();
    await write(n);
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  const at = (p: number) => ms[Math.min(ms.length - 1, Math.ceil((p / 100) * ms.length) - 1)] ?? 0;
  return { singles: { count, p50: at(50), p99: at(99) } };
}
