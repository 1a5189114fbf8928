import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { cliLogger } from './log.ts';

const dir = mkdtempSync(join(tmpdir(), 'syncline-log-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** What `cliLogger` writes for one error line and one debug line, to a file standing in for stderr. */
function written(name: string, pretty: boolean, env: NodeJS.ProcessEnv = {}): string {
  const path = join(dir, name);
  const fd = openSync(path, 'w');
  try {
    const logger = cliLogger(env, { pretty, fd });
    logger.error({ requestId: 'req-1', status: 500 }, 'POST /sync/push failed: no such table: lists');
    logger.debug({ requestId: 'req-2' }, 'request');
  } finally {
    closeSync(fd);
  }
  return readFileSync(path, 'utf8');
}

describe('the CLI logger', () => {
  test('JSON lines when not a terminal: pino levels, fields and message; debug off by default', () => {
    const lines = written('json', false).trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      level: 50,
      name: 'syncline',
      requestId: 'req-1',
      status: 500,
      msg: 'POST /sync/push failed: no such table: lists',
    });
  });

  test('pretty in a terminal; SYNCLINE_LOG_LEVEL=debug shows every request', () => {
    const text = written('pretty', true, { SYNCLINE_LOG_LEVEL: 'debug' });
    expect(text.startsWith('{')).toBe(false);
    expect(text).toContain('ERROR');
    expect(text).toContain('POST /sync/push failed: no such table: lists');
    expect(text).toContain('req-1');
    expect(text).toContain('DEBUG');
  });
});
