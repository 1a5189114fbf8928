/**
 * zod copies a record into a fresh object and leaves out a `"__proto__"` key (assigning it would
 * set the prototype), so a mutation whose `data` held one would be applied without it, silently.
 * The keys are put back as own properties after the schema check, so validation sees what the
 * client sent and refuses the key by name (a reserved name, promise 8: ARCHITECTURE.md §1.8).
 */
import type { PushRequest } from '@syncline/core';

/** `parsed` with every own key of each raw `data`/`patch` object that the schema check dropped. */
export function restoreDroppedKeys(raw: unknown, parsed: PushRequest): PushRequest {
  const rawMutations = (raw as { mutations?: unknown }).mutations;
  if (!Array.isArray(rawMutations)) return parsed;
  parsed.mutations.forEach((m, i) => {
    if (m.op === 'delete') return;
    const source = (rawMutations[i] as Record<string, unknown> | undefined)?.[
      m.op === 'insert' ? 'data' : 'patch'
    ];
    const target: Record<string, unknown> = m.op === 'insert' ? m.data : m.patch;
    if (typeof source !== 'object' || source === null) return;
    for (const key of Object.keys(source)) {
      if (Object.hasOwn(target, key)) continue;
      // defineProperty makes an own data property even for "__proto__" (assignment would not).
      Object.defineProperty(target, key, {
        value: (source as Record<string, unknown>)[key],
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
  });
  return parsed;
}
