import { prettyLogLine, type LogFormat } from '@weft/shared';

/** A small structured logger; every module receives one so tests can capture what was said. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
/** pino's numbers, so the server's and the runner's lines read the same to a log shipper. */
const PINO_LEVEL: Record<LogLevel, number> = { debug: 20, info: 30, warn: 40, error: 50 };

/**
 * One JSON line per entry on stderr in the server's (pino's) shape — numeric `level`, `time` in epoch
 * milliseconds, `name: "weft-runner"`; `pretty`: one readable line (WEFT_LOG_FORMAT).
 */
export function createLogger({
  level = 'info',
  format = 'json',
  write = (line: string) => process.stderr.write(line),
}: {
  level?: LogLevel | 'silent';
  format?: LogFormat;
  write?: (line: string) => void;
} = {}): Logger {
  if (level === 'silent') return silentLogger;
  const at =
    (entryLevel: LogLevel) =>
    (message: string, fields: LogFields = {}) => {
      if (ORDER[entryLevel] < ORDER[level]) return;
      const entry: LogFields = { level: PINO_LEVEL[entryLevel], time: Date.now(), name: 'weft-runner', msg: message };
      for (const [key, value] of Object.entries(fields)) entry[key] = value instanceof Error ? { name: value.name, message: value.message } : value;
      let line: string;
      try {
        line = format === 'pretty' ? prettyLogLine(entry) : JSON.stringify(entry);
      } catch {
        line = JSON.stringify({ level: PINO_LEVEL[entryLevel], time: entry.time, name: 'weft-runner', msg: message });
      }
      write(`${line}\n`);
    };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
