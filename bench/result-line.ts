/** The one JSON line a benchmark child prints for its parent: its figures plus its peak RSS. */
export function printResult(result: Record<string, unknown>): void {
  process.stdout.write(
    `${JSON.stringify({ ...result, peakRssBytes: process.resourceUsage().maxRSS * 1024 })}\n`,
  );
}
