/**
 * The `syncline` command's logger: pino on stderr, pretty in a terminal and JSON lines otherwise
 * (a log collector reads those). The banner stays plain text on stdout.
 */
import { pino } from 'pino';
import pretty from 'pino-pretty';
import type { Logger } from '../handler/logger.ts';

const LEVELS = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

/**
 * A pino logger writing to file descriptor 2, synchronously (lines are not lost when the process
 * exits). `pretty` defaults to whether stderr is a terminal; `SYNCLINE_LOG_LEVEL` sets the level
 * (default `info`; `debug` logs every request).
 *
 * @example
 * const logger = cliLogger(process.env);
 */
export function cliLogger(env: NodeJS.ProcessEnv, options: { pretty?: boolean; fd?: number } = {}): Logger {
  const fd = options.fd ?? 2;
  const wanted = env.SYNCLINE_LOG_LEVEL?.trim().toLowerCase();
  const level = wanted !== undefined && LEVELS.has(wanted) ? wanted : 'info';
  const isPretty = options.pretty ?? process.stderr.isTTY === true;
  const stream = isPretty
    ? pretty({ destination: fd, sync: true, ignore: 'pid,hostname', translateTime: 'SYS:HH:MM:ss.l' })
    : pino.destination({ fd, sync: true });
  return pino({ level, base: { name: 'syncline' } }, stream);
}
