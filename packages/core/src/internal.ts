/**
 * `@syncline/core/internal`: the pure logic Syncline's own packages share (names, validation,
 * squashing, ids, a mutex). Not for apps: it changes with any release, without notice.
 */
export { stableHash } from './hash.ts';
export { bytesFromFloats, cryptoRandomBytes, type RandomBytes, seededRandom } from './ids.ts';
export { Mutex } from './mutex.ts';
export { wireSchemas } from './protocol/index.ts';
export { isWireRecord, parsePullResponse } from './protocol/pull.ts';
export { getCollection } from './schema/define.ts';
export {
  couldBeName,
  IDENTIFIER,
  isReservedName,
  PROTOTYPE_NAMES,
  RESERVED_COLUMNS,
  toCamel,
  toSnake,
} from './schema/names.ts';
export { hasNul, isStorableText, safeLabel, textProblem } from './schema/text.ts';
export {
  checkValue,
  type Issue,
  type ValidationResult,
  validateId,
  validateInsert,
  validatePatch,
} from './schema/validate.ts';
export { applyOp, type LocalOp, squash } from './squash.ts';
