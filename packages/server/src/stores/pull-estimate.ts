/**
 * `remaining`, the progress estimate of a pull answer, counted once per read (decision 0023).
 *
 * The first page of a read (no position, or a position without an estimate: a position from an
 * older server) counts the rows in scope after it once; the position it hands out carries that
 * count as `<position>~<left>`, and every later page subtracts what it took. A page with more to
 * come never answers less than 1 and a caught-up read answers 0 and drops the suffix, so a
 * client's `received / (received + remaining)` only rises and reaches 1 exactly at the end.
 * Rows written meanwhile are not added: the estimate stays low and sits at 1 until the end.
 */

/** A store position and the rows the read still expected after it, when it carries that. */
export interface Estimated {
  position: string | null;
  left: number | null;
}

const SUFFIX = /~(\d{1,15})$/;

/** Splits `<position>~<left>`; a position without the suffix has `left` null. */
export function splitEstimate(position: string | null): Estimated {
  if (position === null) return { position: null, left: null };
  const m = SUFFIX.exec(position);
  if (!m) return { position, left: null };
  return { position: position.slice(0, m.index), left: Number(m[1]) };
}

/**
 * This read's rows left after a page that took `taken` and has more to come: the carried
 * estimate minus `taken`, at least 1; null when nothing was carried (count them, once).
 */
export function leftAfter(carried: number | null, taken: number): number | null {
  return carried === null ? null : Math.max(1, carried - taken);
}

/** The position handed out while more is to come: `<position>~<left>`. */
export function withEstimate(position: string, left: number): string {
  return `${position}~${Math.max(1, Math.floor(left))}`;
}
