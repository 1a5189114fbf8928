/**
 * Wire protocol versions. Bump `PROTOCOL_VERSION` on any change to a wire schema and add a line
 * here; `protocol.test.ts` hashes the schemas and fails until the recorded hash is updated.
 *
 * History:
 * - 1: push, pull, info, errors (ARCHITECTURE.md §9).
 * - 2: pull answers may carry `revoked` (keys the caller lost, decision 0012); cursors up to 64 KiB
 *   and, for protocol-2 pulls, key groups instead of a scope hash (gained keys are backfilled, not
 *   reset). The server still serves protocol 1 with the old cursors and resets.
 * - 3: the realtime socket `GET /sync/ws` (hello/welcome, poke, ping/pong, auth; close codes in
 *   `socket.ts`). Push and pull are unchanged, so the server serves protocols 1 to 3 over HTTP;
 *   the socket accepts protocol 3 only (4426 otherwise). Records carry the server-owned
 *   `updatedBy` (the user whose push wrote them; null for plain-SQL writes); the server leaves it
 *   out for protocols 1 and 2, whose clients would take it for a column.
 */
export const PROTOCOL_VERSION = 3;
/** The oldest protocol a server of this build still serves over HTTP. */
export const MIN_PROTOCOL_VERSION = 1;
