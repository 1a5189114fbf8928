/**
 * The user id of a verified token (`sub`). It is stored (a client id's owner) and handed to rules
 * that build SQL from it, so it is checked like every other client-controlled string.
 */
import { textProblem } from '@syncline/core/internal';

/** Longest accepted user id; identity providers' subjects are far shorter. */
export const MAX_USER_ID_LENGTH = 255;

/** Why `userId` cannot be a user id, or null when it can (a sentence fragment after "user id"). */
export function userIdProblem(userId: unknown): string | null {
  if (typeof userId !== 'string') return 'must be a string.';
  if (userId.length === 0) return 'must not be empty.';
  if (userId.length > MAX_USER_ID_LENGTH) return `must be at most ${MAX_USER_ID_LENGTH} characters.`;
  return textProblem(userId);
}
