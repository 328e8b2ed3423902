/**
 * What the per-store files of the SQLite backend (`sqlite-model-store.ts`, `sqlite-erasure-store.ts`,
 * …) receive from the storage factory: cached prepared statements and the entry, error-wrapping and
 * transaction discipline every call follows. One connection, one set of rules, one store per file.
 * @module
 */
import type { SqliteStatement } from './sqlite-driver.js';

/** The shared call helpers of one open SQLite storage. */
export interface SqliteCalls {
  /** The prepared statement for `text`, cached by text. */
  readonly sql: (text: string) => SqliteStatement;
  /** Entry checks of every call, before argument validation: aborted first, then closed. */
  readonly enter: (signal: AbortSignal | undefined) => void;
  /** Runs `work` after the entry checks, wrapping driver errors in `BackendError`. */
  readonly run: <T>(operation: string, signal: AbortSignal | undefined, work: () => T) => T;
  /**
   * Like `run`, inside one IMMEDIATE transaction (refused on a read-only open); waits for another
   * process's write lock asynchronously (`write-lock.ts`).
   */
  readonly write: <T>(operation: string, signal: AbortSignal | undefined, work: () => T) => Promise<T>;
}
