/** Awaited single writes, one after the other: p50/p99 latency in ms (same method as bench/local-writes-*.ts). */
export async function timeSingles(count, write) {
  const ms = [];
  for (let n = 0; n < count; n++) {
    const t0 = performance.now();
    await write(n);
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  const at = (p) => ms[Math.min(ms.length - 1, Math.ceil((p / 100) * ms.length) - 1)] ?? 0;
  return { singles: { count, p50: at(50), p99: at(99) } };
}
