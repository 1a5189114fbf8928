/** camelCase (JSON/TypeScript) ↔ snake_case (SQL). `listId` ↔ `list_id`. */
export function toSnake(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

export function toCamel(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** Names a collection or column may have: a letter, then letters and digits (camelCase). */
export const IDENTIFIER = /^[a-z][A-Za-z0-9]{0,62}$/;

/** Column names every record has, owned by the server. */
export const RESERVED_COLUMNS = ['id', 'version', 'updatedAt', 'updatedBy', 'deletedAt'] as const;

export function isReservedName(name: string): boolean {
  return (RESERVED_COLUMNS as readonly string[]).includes(name) || name.startsWith('_');
}
