/**
 * Store positions of the PostgreSQL store (decisions 0002, 0005): `<generation>:<txid>:<id>`, the
 * database generation, then the `(_txid, id)` pair after which the next page starts. `txid` is a
 * decimal xid8; `id` is base64url (so the position has no `.` or `:` of its own), empty after a
 * short page. Nothing a client sends is trusted: anything that does not parse is `null`, which the
 * pull answers with `reset`.
 */

/** A parsed position: the page starts after `(txid, id)`. */
export interface PgPosition {
  generation: string;
  txid: bigint;
  id: string;
}

const MAX_XID8 = (1n << 64n) - 1n;
const POSITION = /^([0-9a-f]{16}):(\d{1,20}):([A-Za-z0-9_-]{0,172})$/;

export function encodePosition(p: PgPosition): string {
  return `${p.generation}:${p.txid}:${Buffer.from(p.id, 'utf8').toString('base64url')}`;
}

/** The position, or null when it is not one this store could have written. */
export function parsePosition(position: string): PgPosition | null {
  const m = POSITION.exec(position);
  if (!m) return null;
  const txid = BigInt(m[2]!);
  if (txid > MAX_XID8) return null;
  const raw = m[3]!;
  const id = Buffer.from(raw, 'base64url').toString('utf8');
  // Round-trip check: rejects non-canonical base64 and bytes that are not UTF-8.
  // PostgreSQL text cannot hold U+0000: such a position was never handed out.
  if (Buffer.from(id, 'utf8').toString('base64url') !== raw || id.length > 128 || id.includes('\u0000'))
    return null;
  return { generation: m[1]!, txid, id };
}
