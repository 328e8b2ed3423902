/**
 * What a bulk write in bounded transactions (`transactionRows`) does when a later chunk fails, the
 * same on every backend: the events of the chunks already committed are deleted again (items and
 * users stay: writing them again writes the same rows), and the error says what was kept and what
 * was undone.
 * @module
 */
import { BackendError, ConflictError, EngineError } from '../core/errors.js';
import type { BulkWriteResult } from './storage.js';

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Undoes the committed chunks' events of a failed chunked bulk write through `deleteRange` (one
 * inclusive seq range at a time, stopping at the first failure) and throws: `error` itself when
 * nothing was written, it is not an engine error, or it is a conflict; else a `BackendError`
 * naming what was written, what was deleted again and what could not be.
 */
export async function undoChunkedWrite(
  error: unknown,
  written: BulkWriteResult,
  eventRanges: readonly (readonly [number, number])[],
  chunkRows: number,
  deleteRange: (first: number, last: number) => Promise<number>,
): Promise<never> {
  let undone = 0;
  let undoError: unknown;
  for (const [first, last] of eventRanges) {
    try {
      undone += await deleteRange(first, last);
    } catch (e) {
      undoError = e;
      break;
    }
  }
  if (written.items + written.users + written.events === 0 || !(error instanceof EngineError) || error instanceof ConflictError) throw error;
  const kept = `${written.items} item and ${written.users} user upserts stay (writing them again writes the same rows)`;
  const events =
    undoError === undefined
      ? `the ${undone} events written before it were deleted again`
      : `${written.events - undone} of the ${written.events} events written before it could not be deleted (${message(undoError)})`;
  throw new BackendError(`${error.message} (bulk write in chunks of ${chunkRows} rows: ${events}; ${kept})`, {
    cause: error,
    details: { ...error.details, written, undoneEvents: undone },
  });
}
