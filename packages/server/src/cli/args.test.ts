import { describe, expect, test } from 'vitest';
import { DEFAULT_GC_OLDER_THAN_MS, parseCommand, parsePort } from './args.ts';
import { formatDuration, parseDuration } from './duration.ts';
import { UsageError } from './errors.ts';

describe('parseCommand', () => {
  test('an unknown flag names itself, the command and the closest flag, without nested quotes (issue 12)', () => {
    expect(() => parseCommand(['serve', '--schema', './s.ts', '--prot', '1'])).toThrow(
      new UsageError(
        'Unknown option --prot for "syncline serve". Did you mean --port? Run "syncline --help" for the options.',
      ),
    );
    expect(() => parseCommand(['gc', '--schema', './s.ts', '--zzzzzz'])).toThrow(
      new UsageError('Unknown option --zzzzzz for "syncline gc". Run "syncline --help" for the options.'),
    );
  });

  test('a flag without its value shows an example value', () => {
    expect(() => parseCommand(['serve', '--schema', './s.ts', '--port'])).toThrow(
      new UsageError('--port needs a value, e.g. --port 8787 (in "syncline serve").'),
    );
  });

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

  test('serve with PostgreSQL flags, --no-migrate and a GC schedule', () => {
    expect(
      parseCommand([
        'serve',
        '--schema',
        's.ts',
        '--db',
        'postgres://u@h/db',
        '--pg-schema',
        'app',
        '--data-dir',
        './d',
        '--no-migrate',
        '--gc-every',
        '1h',
        '--gc-older-than',
        '7d',
      ]),
    ).toEqual({
      kind: 'serve',
      args: {
        schema: 's.ts',
        db: 'postgres://u@h/db',
        pgSchema: 'app',
        dataDir: './d',
        dev: false,
        noMigrate: true,
        gcEveryMs: 3_600_000,
        gcOlderThanMs: 7 * 86_400_000,
      },
    });
  });

  test('serve --static <dir> (a built web app at /); it applies to serve only', () => {
    expect(parseCommand(['serve', '--schema', 's.ts', '--dev', '--static', './apps/demo/dist'])).toEqual({
      kind: 'serve',
      args: { schema: 's.ts', dev: true, staticDir: './apps/demo/dist' },
    });
    expect(() => parseCommand(['migrate', '--schema', 's.ts', '--static', 'x'])).toThrow(
      /--static does not apply to "syncline migrate"/,
    );
  });

  test('serve with token flags; they apply to serve only', () => {
    expect(
      parseCommand([
        'serve',
        '--schema',
        './s.ts',
        '--jwks-url',
        'https://id.example/jwks.json',
        '--jwt-issuer',
        'https://id.example',
        '--jwt-audience',
        'app,admin',
        '--jwt-clock-skew',
        '30s',
      ]),
    ).toEqual({
      kind: 'serve',
      args: {
        schema: './s.ts',
        dev: false,
        jwksUrl: 'https://id.example/jwks.json',
        jwtIssuer: 'https://id.example',
        jwtAudience: 'app,admin',
        jwtClockSkewSeconds: 30,
      },
    });
    expect(() => parseCommand(['migrate', '--schema', './s.ts', '--jwt-issuer', 'x'])).toThrow(
      /does not apply/,
    );
    expect(() => parseCommand(['serve', '--schema', './s.ts', '--jwt-clock-skew', '30'])).toThrow(/duration/);
  });

  test('migrate and gc take the database flags; gc defaults to 30 days', () => {
    expect(parseCommand(['migrate', '--schema', 's.ts', '--db', 'sqlite:x.db'])).toEqual({
      kind: 'migrate',
      args: { schema: 's.ts', db: 'sqlite:x.db' },
    });
    expect(parseCommand(['gc', '--config', 'c.ts'])).toEqual({
      kind: 'gc',
      args: { config: 'c.ts', olderThanMs: DEFAULT_GC_OLDER_THAN_MS },
    });
    expect(parseCommand(['gc', '--schema', 's.ts', '--older-than', '90m'])).toMatchObject({
      args: { olderThanMs: 90 * 60_000 },
    });
  });

  test('bump-generation takes the database flags only', () => {
    expect(
      parseCommand(['bump-generation', '--schema', 's.ts', '--db', 'postgres://h/db', '--pg-schema', 'app']),
    ).toEqual({
      kind: 'bump-generation',
      args: { schema: 's.ts', db: 'postgres://h/db', pgSchema: 'app' },
    });
    expect(() => parseCommand(['bump-generation', '--schema', 's.ts', '--older-than', '1d'])).toThrow(
      /--older-than does not apply to "syncline bump-generation"/,
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
    [['migrate', '--schema', 's.ts', '--port', '1'], /--port does not apply to "syncline migrate"/],
    [['gc', '--schema', 's.ts', '--gc-every', '1h'], /--gc-every does not apply to "syncline gc"/],
    [['serve', '--schema', 's.ts', '--older-than', '1d'], /--older-than does not apply/],
    [['gc', '--schema', 's.ts', '--older-than', '30'], /--older-than must be a duration/],
    [['serve', '--schema', 's.ts', '--gc-older-than', '1d'], /needs --gc-every/],
    [['serve', '--schema', 's.ts', '--gc-every', '10ms'], /--gc-every must be a duration/],
    [['serve', '--schema', 's.ts', '--gc-every', '0s'], /at least 1s/],
    [['migrate'], /Missing --schema/],
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

describe('durations', () => {
  test('s, m, h and d; a unit is required', () => {
    expect(parseDuration('10s', 'x')).toBe(10_000);
    expect(parseDuration('15m', 'x')).toBe(900_000);
    expect(parseDuration('1.5h', 'x')).toBe(5_400_000);
    expect(parseDuration('30d', 'x')).toBe(2_592_000_000);
    expect(parseDuration('0s', 'x')).toBe(0);
    for (const bad of ['30', 'd', '-1d', '1w', '1 d', '', '1e3s'])
      expect(() => parseDuration(bad, '--older-than')).toThrow(/--older-than/);
  });

  test('format in the largest even unit', () => {
    expect(formatDuration(2_592_000_000)).toBe('30d');
    expect(formatDuration(5_400_000)).toBe('90m');
    expect(formatDuration(1500)).toBe('1500ms');
    // `--older-than 0s` is reported as 0s, the unit typed, not "0ms" (issue 12).
    expect(formatDuration(0)).toBe('0s');
  });
});
