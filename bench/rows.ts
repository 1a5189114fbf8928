/**
 * The rows every contender of `npm run bench` syncs and writes: deterministic, about 150 bytes of
 * data each. `bench/peers/rows.mjs` makes the same rows for the peers' servers and clients; the
 * smoke test checks that both agree.
 */
export interface BenchRow {
  id: string;
  owner: string;
  title: string;
  note: string;
  done: boolean;
  rank: number;
}

const WORDS = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet'];

/** Row `n` (0-based) of the data set, owned by `owner`. */
export function benchRow(n: number, owner = 'u1'): BenchRow {
  const w = (k: number) => WORDS[(n * 7 + k * 3) % WORDS.length]!;
  return {
    id: `r${String(n).padStart(8, '0')}`,
    owner,
    title: `task ${n} ${w(1)} ${w(2)} ${w(3)}`.padEnd(40, '.'),
    note: `note ${w(4)} ${w(5)} ${w(6)} ${w(7)} ${w(8)}`.padEnd(44, '.'),
    done: n % 3 === 0,
    rank: n,
  };
}
