/** A logger that keeps its lines, for tests that assert what the server logs. */
import type { Logger } from '../src/handler/logger.ts';

export interface LogLine {
  level: keyof Logger;
  fields: Record<string, unknown>;
  message: string | undefined;
}

/** A {@link Logger} whose lines are in `lines`, in order; `at(level)` filters them. */
export function recordingLogger(): Logger & { lines: LogLine[]; at(level: keyof Logger): LogLine[] } {
  const lines: LogLine[] = [];
  const log = (level: keyof Logger) => (fields: Record<string, unknown>, message?: string) => {
    lines.push({ level, fields, message });
  };
  return {
    lines,
    at: (level) => lines.filter((l) => l.level === level),
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
  };
}
