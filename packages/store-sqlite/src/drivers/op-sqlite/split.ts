/**
 * Splits a script into single statements at `;` outside quotes and comments. Enough for the
 * store's own DDL (no triggers, so no `;` inside a `BEGIN … END` body).
 *
 * @example
 * splitStatements('CREATE TABLE a (x); CREATE TABLE b (y);'); // ['CREATE TABLE a (x)', 'CREATE TABLE b (y)']
 */
export function splitStatements(sql: string): string[] {
  const out: string[] = [];
  let start = 0;
  let quote: string | null = null;
  for (let i = 0; i < sql.length; i++) {
    const c = sql[i];
    if (quote) {
      if (c === quote) quote = null;
    } else if (c === "'" || c === '"' || c === '`') {
      quote = c;
    } else if (c === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      i = end === -1 ? sql.length : end;
    } else if (c === ';') {
      out.push(sql.slice(start, i));
      start = i + 1;
    }
  }
  out.push(sql.slice(start));
  return out.map((s) => s.trim()).filter((s) => s.length > 0);
}
