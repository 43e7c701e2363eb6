import type { LogFields, Logger } from '../../src/log';

export type LogEntry = { level: 'debug' | 'info' | 'warn' | 'error'; message: string; fields: LogFields };

/** A logger that keeps what was said, for assertions. */
export function captureLogger(): Logger & { entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  const at =
    (level: LogEntry['level']) =>
    (message: string, fields: LogFields = {}) => {
      entries.push({ level, message, fields });
    };
  return { entries, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
