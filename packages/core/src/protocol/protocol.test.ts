import { createHash } from 'node:crypto';
import { expect, test } from 'vitest';
import { z } from 'zod';
import { PROTOCOL_VERSION, wireSchemas } from './index.ts';

/**
 * The wire schemas, hashed. Changing any of them changes this hash: bump PROTOCOL_VERSION (with a
 * history line in version.ts) and record the new hash for that version here, on purpose.
 */
const RECORDED: Record<number, string> = {
  1: 'f0ad9ea2cf02fd5b',
  2: '94d8b5ecf5ba9d6b',
  3: '4ab2a697902d6936',
};

test('wire schemas match the hash recorded for the protocol version', () => {
  const json = JSON.stringify(
    Object.fromEntries(
      Object.entries(wireSchemas).map(([name, s]) => [name, z.toJSONSchema(s, { unrepresentable: 'any' })]),
    ),
  );
  const hash = createHash('sha256').update(json).digest('hex').slice(0, 16);
  expect(RECORDED[PROTOCOL_VERSION], `protocol ${PROTOCOL_VERSION} changed; new hash ${hash}`).toBe(hash);
});
