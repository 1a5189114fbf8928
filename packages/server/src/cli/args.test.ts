import { describe, expect, test } from 'vitest';
import { parseCommand, parsePort } from './args.ts';
import { UsageError } from './errors.ts';

describe('parseCommand', () => {
  test('serve with schema, db, port, host and dev', () => {
    expect(
      parseCommand([
        'serve',
        '--schema',
        './s.ts',
        '--db',
        'sqlite:./d.db',
        '--port',
        '9000',
        '--host',
        '::1',
        '--dev',
      ]),
    ).toEqual({
      kind: 'serve',
      args: { schema: './s.ts', db: 'sqlite:./d.db', port: 9000, host: '::1', dev: true },
    });
  });

  test('a later flag wins, so `npm start -- --port N --db …` overrides the script', () => {
    const command = parseCommand([
      'serve',
      '--schema',
      's.ts',
      '--db',
      'sqlite:a.db',
      '--port',
      '8787',
      '--port',
      '0',
      '--db',
      'sqlite:b.db',
    ]);
    expect(command).toMatchObject({ args: { port: 0, db: 'sqlite:b.db' } });
  });

  test('--config alone; --config with --schema is refused', () => {
    expect(parseCommand(['serve', '--config', 'c.ts'])).toEqual({
      kind: 'serve',
      args: { config: 'c.ts', dev: false },
    });
    expect(() => parseCommand(['serve', '--config', 'c.ts', '--schema', 's.ts'])).toThrow(
      /either --config or --schema/,
    );
  });

  test('help', () => {
    expect(parseCommand(['--help'])).toEqual({ kind: 'help' });
    expect(parseCommand(['serve', '-h'])).toEqual({ kind: 'help' });
    expect(parseCommand(['help'])).toEqual({ kind: 'help' });
  });

  test.each([
    [[], /Missing command/],
    [['serve'], /Missing --schema/],
    [['serve', '--schema'], /--schema/],
    [['serve', '--schema', 's.ts', '--verbose'], /--verbose/],
    [['serve', '--schema', 's.ts', 'extra'], /Unexpected argument "extra"/],
    [['start'], /Unknown command "start"/],
  ])('%j is a usage error', (argv, message) => {
    expect(() => parseCommand(argv)).toThrow(UsageError);
    expect(() => parseCommand(argv)).toThrow(message);
  });
});

describe('parsePort', () => {
  test('accepts 0..65535 only', () => {
    expect(parsePort('0', 'p')).toBe(0);
    expect(parsePort('65535', 'p')).toBe(65535);
    for (const bad of ['65536', '-1', '80.5', 'http', '', '1e3'])
      expect(() => parsePort(bad, '--port')).toThrow(/--port/);
  });
});
