import { describe, expect, test } from 'vitest';
import { t } from './columns.ts';
import { defineSchema } from './define.ts';
import { isStorableText, safeLabel, textProblem } from './text.ts';
import { validateId, validateInsert, validatePatch } from './validate.ts';

const tasks = defineSchema({
  tasks: { columns: { title: t.text(), meta: t.json().optional(), toString: t.text().optional() } },
}).collections.tasks;

describe('storable text', () => {
  test('NUL and unpaired surrogates are refused; pairs and other text are kept', () => {
    expect(textProblem('Milk, 牛奶 and 🥛')).toBeNull();
    expect(textProblem('a\u0000b')).toMatch(/U\+0000/);
    for (const lone of ['\ud800', '\ud800-x', 'x\udc00', '\udc00\ud800', '🥛'.slice(0, 1)]) {
      expect(textProblem(lone)).toMatch(/unpaired/);
      expect(isStorableText(lone)).toBe(false);
    }
    expect(isStorableText('\ud83e\udd5b')).toBe(true);
  });

  test('safeLabel keeps printable ASCII and escapes the rest, cut to 64 characters', () => {
    expect(safeLabel('tasks')).toBe('tasks');
    expect(safeLabel('a\u0000b')).toBe('a\\u0000b');
    expect(safeLabel('\ud800-x')).toBe('\\ud800-x');
    expect(safeLabel('é')).toBe('\\u00e9');
    expect(isStorableText(safeLabel(`${'x'.repeat(100)}\ud800`))).toBe(true);
    expect(safeLabel('x'.repeat(100)).length).toBeLessThan(80);
  });
});

describe('validation refuses what a store cannot keep exactly', () => {
  test('ids', () => {
    expect(validateId('\ud800-x')).toMatch(/unpaired/);
    expect(validateId('a\u0000')).toMatch(/U\+0000/);
    expect(validateId('0190-🥛')).toBeNull();
  });

  test('text values, json strings and json keys', () => {
    expect(validatePatch(tasks, { title: 'x\ud800' }).ok).toBe(false);
    expect(validatePatch(tasks, { meta: { a: ['\udc00'] } }).ok).toBe(false);
    expect(validatePatch(tasks, { meta: { '\u0000': 1 } }).ok).toBe(false);
    expect(validatePatch(tasks, { meta: { ok: '🥛' } }).ok).toBe(true);
    expect(validatePatch(tasks, { meta: JSON.parse('{"a":{"__proto__":{"polluted":true}}}') }).ok).toBe(
      false,
    );
    expect(validatePatch(tasks, { meta: { constructor: 1, prototype: 2 } }).ok).toBe(true);
  });

  test('a hostile key is reported escaped, never verbatim', () => {
    const result = validatePatch(tasks, { 'k\u0000\ud800': 1 });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues[0]!.path).toBe('k\\u0000\\ud800');
    expect(result.unknownColumns).toEqual(['k\u0000\ud800']);
  });

  test('__proto__, constructor and prototype are refused as keys with a clear reason', () => {
    const data = JSON.parse('{"title":"x","__proto__":{"polluted":true},"constructor":1}');
    const result = validateInsert(tasks, data);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues.map((i) => i.path).sort()).toEqual(['__proto__', 'constructor']);
    expect(result.issues[0]!.message).toMatch(/reserved/);
    expect(validatePatch(tasks, JSON.parse('{"prototype":1}')).ok).toBe(false);
  });

  test('a column named like an Object.prototype member reads only the own property', () => {
    const result = validateInsert(tasks, { title: 'x' });
    expect(result.ok && result.value.toString).toBeNull();
  });

  test('defineSchema refuses prototype names', () => {
    expect(() => defineSchema({ constructor: { columns: {} } })).toThrow(/constructor/);
    expect(() => defineSchema({ tasks: { columns: { prototype: t.text() } } })).toThrow(/not allowed/);
    expect(() => defineSchema({ ['__proto__']: { columns: {} } })).toThrow(/not allowed/);
  });
});
