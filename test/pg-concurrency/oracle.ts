/**
 * The delivery oracle of the concurrency test. Given what writers saw committed, what a puller
 * delivered, and the table's final state, it counts every way delivery can go wrong.
 */

/** One write as its writer saw it commit: the row and the version the trigger gave it. */
export interface Committed {
  id: string;
  version: number;
}

/** One row as a puller delivered it (a tombstone too), with the fields the test compares. */
export interface Delivered {
  id: string;
  version: number;
  n: number | null;
  title: string | null;
}

export interface OracleReport {
  committed: number;
  delivered: number;
  /** Committed writes neither delivered nor superseded by a delivered later version of the row. */
  skipped: number;
  /** Rows whose final state (version and fields) is not the last state delivered for them. */
  finalMissing: number;
  /** (id, version) pairs delivered more than once. */
  duplicates: number;
  /** Deliveries of a row at a version lower than one already delivered for it. */
  outOfOrder: number;
  /** A few examples of skipped writes, for the failure message. */
  examples: string[];
}

export function checkDelivery(
  committed: readonly Committed[],
  delivered: readonly Delivered[],
  finalRows: readonly Delivered[],
): OracleReport {
  const seen = new Set<string>();
  const maxVersion = new Map<string, number>();
  const last = new Map<string, Delivered>();
  let duplicates = 0;
  let outOfOrder = 0;
  for (const d of delivered) {
    const key = `${d.id}@${d.version}`;
    if (seen.has(key)) duplicates++;
    seen.add(key);
    const prev = maxVersion.get(d.id) ?? 0;
    if (d.version < prev) outOfOrder++;
    maxVersion.set(d.id, Math.max(prev, d.version));
    last.set(d.id, d);
  }
  let skipped = 0;
  const examples: string[] = [];
  for (const c of committed) {
    if (seen.has(`${c.id}@${c.version}`)) continue;
    if ((maxVersion.get(c.id) ?? 0) > c.version) continue;
    skipped++;
    if (examples.length < 5) examples.push(`${c.id}@${c.version}`);
  }
  let finalMissing = 0;
  for (const row of finalRows) {
    const got = last.get(row.id);
    if (!got || got.version !== row.version || got.n !== row.n || got.title !== row.title) finalMissing++;
  }
  return {
    committed: committed.length,
    delivered: delivered.length,
    skipped,
    finalMissing,
    duplicates,
    outOfOrder,
    examples,
  };
}
