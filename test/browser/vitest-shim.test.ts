/** Negative controls for the in-page shim: a matcher that passed everything would hide failures in Chromium. */
import { describe as vDescribe, expect as vExpect, test as vTest } from 'vitest';
import { expect } from './pages/vitest-shim.ts';

vDescribe('in-page vitest shim', () => {
  vTest('toEqual ignores undefined properties but catches every other difference', () => {
    expect({ a: 1, b: undefined }).toEqual({ a: 1 });
    expect([{ x: [1, null] }]).toEqual([{ x: [1, null] }]);
    for (const [a, b] of [
      [{ a: 1 }, { a: 2 }],
      [[1, 2], [1]],
      [{ a: null }, {}],
      [0, -0],
      ['1', 1],
      [{ a: { b: [1] } }, { a: { b: [2] } }],
    ]) {
      vExpect(() => expect(a).toEqual(b)).toThrow();
    }
  });

  vTest('toMatchObject checks a recursive subset', () => {
    expect({ a: 1, b: { c: 2, d: 3 } }).toMatchObject({ b: { c: 2 } });
    vExpect(() => expect({ a: 1, b: { c: 2 } }).toMatchObject({ b: { c: 3 } })).toThrow();
    vExpect(() => expect([{ a: 1 }, { a: 2 }]).toMatchObject([{ a: 1 }])).toThrow();
  });

  vTest('rejects and resolves fail on the wrong outcome', async () => {
    const boom = new Error('boom');
    await expect(Promise.reject(boom)).rejects.toBe(boom);
    await vExpect(expect(Promise.resolve(1)).rejects.toBe(1)).rejects.toThrow(/to reject/);
    await vExpect(expect(Promise.reject(boom)).resolves.toBeUndefined()).rejects.toThrow(/to resolve/);
    vExpect(() => expect(1).not.toBe(1)).toThrow();
    vExpect(() => expect(null).toBeUndefined()).toThrow();
    vExpect(() => expect(new Error('x')).toBeInstanceOf(TypeError)).toThrow();
  });
});
