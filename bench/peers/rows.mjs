/** The bench rows for the peers: must stay equal to bench/rows.ts (the smoke test compares them). */
const WORDS = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet'];

/** Row `n` (0-based) of the data set, owned by `owner`. */
export function benchRow(n, owner = 'u1') {
  const w = (k) => WORDS[(n * 7 + k * 3) % WORDS.length];
  return {
    id: `r${String(n).padStart(8, '0')}`,
    owner,
    title: `task ${n} ${w(1)} ${w(2)} ${w(3)}`.padEnd(40, '.'),
    note: `note ${w(4)} ${w(5)} ${w(6)} ${w(7)} ${w(8)}`.padEnd(44, '.'),
    done: n % 3 === 0,
    rank: n,
  };
}

/** Prints one JSON line (the result a child process hands its parent) and exits. */
export function report(result) {
  process.stdout.write(
    `${JSON.stringify({ ...result, peakRssBytes: process.resourceUsage().maxRSS * 1024 })}\n`,
  );
  process.exit(0);
}
