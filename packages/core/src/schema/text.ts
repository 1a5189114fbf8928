/**
 * Text that every store can keep exactly. PostgreSQL `text` and `jsonb` cannot hold U+0000, and
 * a lone UTF-16 surrogate has no UTF-8 form: drivers turn it into U+FFFD, so the string read back
 * is not the one written (an id would stop matching its record). Such strings are refused before
 * they reach a database, on the client at write time and on the server per mutation.
 */

/** U+0000, or a surrogate not part of a pair (with `u`, a valid pair is one code point, not `Cs`). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching U+0000 is the point.
const UNSTORABLE = /[\u0000\p{Cs}]/u;

/** `String.prototype.isWellFormed`, where the runtime has it (Node 20, browsers since 2023). */
type WellFormed = { isWellFormed?: () => boolean };

/**
 * Why `value` cannot be stored exactly, or null when it can.
 *
 * @example
 * textProblem('Milk'); // null
 * textProblem('a\u0000b'); // 'must not contain the NUL character (U+0000).'
 * textProblem('\ud800-x'); // 'must not contain an unpaired UTF-16 surrogate …'
 */
export function textProblem(value: string): string | null {
  // The common case without the regular expression: native well-formedness (ES2024) and no NUL.
  if ((value as WellFormed).isWellFormed?.() && !value.includes('\u0000')) return null;
  const m = UNSTORABLE.exec(value);
  if (m === null) return null;
  return m[0] === '\u0000'
    ? 'must not contain the NUL character (U+0000).'
    : 'must not contain an unpaired UTF-16 surrogate (the text is not valid Unicode).';
}

/** Whether `value` is stored and read back unchanged by every store (no U+0000, no lone surrogate). */
export function isStorableText(value: string): boolean {
  return !UNSTORABLE.test(value);
}

/** Whether a string holds U+0000, which PostgreSQL text and jsonb cannot store. */
export function hasNul(value: string): boolean {
  return value.includes('\u0000');
}

const SAFE_LABEL = /^[\x20-\x7e]{1,64}$/;

/**
 * A client-sent name as it may appear in a message that is stored (outcomes are `jsonb` on
 * PostgreSQL) or shown: printable ASCII of at most 64 characters as is; anything else escaped
 * like a JSON string (`\u0000`, `\ud800`, non-ASCII as `\uXXXX`) and cut to 64 characters.
 *
 * @example
 * safeLabel('tasks'); // 'tasks'
 * safeLabel('a\u0000b'); // 'a\\u0000b'
 */
export function safeLabel(value: string): string {
  if (SAFE_LABEL.test(value)) return value;
  const cut = value.length > 64 ? `${value.slice(0, 64)}…` : value;
  return JSON.stringify(cut)
    .slice(1, -1)
    .replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
