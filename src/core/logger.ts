/**
 * Injected, level-gated logger. The library never writes to the console itself; callers pass a
 * logger (the CLI passes one that writes to stderr).
 * @module
 */

/** Severity levels, lowest first. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Sink for log records. */
export interface Logger {
  /** Emits one record when `level` is enabled. */
  log(level: LogLevel, message: string, fields?: Record<string, unknown>): void;
  /** Whether records at `level` are emitted (absent = assume they are), so a caller can skip building one. */
  enabled?(level: LogLevel): boolean;
}

/** A logger that drops everything: the library default. */
export const silentLogger: Logger = { log: () => undefined, enabled: () => false };

const ORDER: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

/** Wraps `write` so that only records at or above `minLevel` reach it. */
export function createLevelLogger(minLevel: LogLevel, write: (line: string) => void): Logger {
  return {
    log(level, message, fields) {
      if (ORDER[level] < ORDER[minLevel]) return;
      const suffix = fields && Object.keys(fields).length > 0 ? ` ${JSON.stringify(fields)}` : '';
      write(`[${level}] ${message}${suffix}`);
    },
    enabled: (level) => ORDER[level] >= ORDER[minLevel],
  };
}

/** Progress callback for long work: `done` of `total` units in the named phase. */
export type ProgressCallback = (phase: string, done: number, total: number) => void;
