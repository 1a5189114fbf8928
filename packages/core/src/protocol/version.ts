/**
 * Wire protocol versions. Bump `PROTOCOL_VERSION` on any change to a wire schema and add a line
 * here; `protocol.test.ts` hashes the schemas and fails until the recorded hash is updated.
 *
 * History:
 * - 1: push, pull, info, errors (DESIGN §4).
 */
export const PROTOCOL_VERSION = 1;
export const MIN_PROTOCOL_VERSION = 1;
