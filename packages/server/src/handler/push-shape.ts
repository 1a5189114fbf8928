/**
 * The push body's shape checked by hand for the common case: a body that has exactly the keys and
 * types of `pushRequest` (core/protocol/push.ts) is answered as it was parsed, without zod's copy
 * of every mutation and its data (a tenth of a push's cost on SQLite). Anything else — a missing
 * or extra key, a wrong type, a protocol out of range — answers null, and the caller runs the zod
 * schema, which names the problem. What this accepts, zod accepts with the same value
 * (handler/push-shape.test.ts): zod only copies, strips unknown keys (there are none here) and
 * drops `"__proto__"` keys that `restoreDroppedKeys` would put back.
 */
import type { Mutation, PushRequest } from '@syncline/core';
import { MIN_PROTOCOL_VERSION, PROTOCOL_VERSION } from '@syncline/core';

const BODY_KEYS = new Set(['protocol', 'clientId', 'schemaHash', 'mutations']);
const KEYS = {
  insert: new Set(['seq', 'collection', 'id', 'op', 'data']),
  update: new Set(['seq', 'collection', 'id', 'op', 'patch', 'baseVersion']),
  delete: new Set(['seq', 'collection', 'id', 'op', 'baseVersion']),
} as const;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isText = (v: unknown, min: number, max: number): v is string =>
  typeof v === 'string' && v.length >= min && v.length <= max;

function onlyKeys(o: Record<string, unknown>, allowed: ReadonlySet<string>, required: number): boolean {
  let n = 0;
  for (const k in o) {
    if (!Object.hasOwn(o, k)) continue;
    if (!allowed.has(k)) return false;
    n++;
  }
  return n === required;
}

function isMutation(m: unknown): m is Mutation {
  if (!isObject(m)) return false;
  const op = m.op;
  if (op !== 'insert' && op !== 'update' && op !== 'delete') return false;
  const keys = KEYS[op];
  if (!onlyKeys(m, keys, keys.size)) return false;
  const seq = m.seq;
  if (!Number.isSafeInteger(seq) || (seq as number) <= 0) return false;
  if (!isText(m.collection, 1, 64) || !isText(m.id, 1, 128)) return false;
  if (op === 'insert') return isObject(m.data);
  if (!Number.isSafeInteger(m.baseVersion) || (m.baseVersion as number) < 0) return false;
  return op === 'delete' || isObject(m.patch);
}

/** `raw` as a PushRequest when it has exactly the schema's shape; null when zod must look. */
export function wellFormedPush(raw: unknown): PushRequest | null {
  if (!isObject(raw)) return null;
  const hasHash = Object.hasOwn(raw, 'schemaHash');
  if (!onlyKeys(raw, BODY_KEYS, hasHash ? 4 : 3)) return null;
  const { protocol, clientId, schemaHash, mutations } = raw;
  if (!Number.isSafeInteger(protocol)) return null;
  if ((protocol as number) < MIN_PROTOCOL_VERSION || (protocol as number) > PROTOCOL_VERSION) return null;
  if (!isText(clientId, 1, 128)) return null;
  if (hasHash && !isText(schemaHash, 0, 64)) return null;
  if (!Array.isArray(mutations)) return null;
  for (const m of mutations) if (!isMutation(m)) return null;
  return raw as PushRequest;
}
