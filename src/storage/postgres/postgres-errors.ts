/**
 * Driver and server errors of the PostgreSQL backend mapped to the engine's error codes, in one
 * place: a unique violation is a `conflict`, malformed text a `validation_failed`, a write on a
 * read-only server `unsupported`, and everything the caller can only retry (connection refused or
 * dropped, statement timeout, deadlock, serialisation failure, server shutting down or out of
 * resources) a `backend_error`, which the HTTP layer answers with 503.
 * @module
 */
import { AbortError, BackendError, ConflictError, EngineError, UnsupportedError, ValidationError } from '../../core/errors.js';

/** SQLSTATE classes and codes this mapping distinguishes. */
const UNIQUE_VIOLATION = '23505';
const QUERY_CANCELED = '57014';
const READ_ONLY_TRANSACTION = '25006';
const RETRYABLE = new Set(['40001', '40P01', '55P03', '57P01', '57P02', '57P03', '53300']);

interface DriverError {
  message?: unknown;
  code?: unknown;
  detail?: unknown;
}

function sqlState(error: unknown): string | undefined {
  const code = (error as DriverError | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

function text(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The engine error for a failure of `operation`: engine errors pass through, an abort of `signal`
 * becomes `AbortError` (the query was cancelled for it), the rest is classified by SQLSTATE or by
 * the socket error (`ECONNREFUSED`, `ECONNRESET`, a terminated connection).
 */
export function postgresError(operation: string, error: unknown, signal?: AbortSignal): EngineError {
  if (error instanceof EngineError) return error;
  if (signal?.aborted) return new AbortError('operation aborted', { cause: signal.reason });
  const state = sqlState(error);
  const details: Record<string, unknown> = { operation, ...(state === undefined ? {} : { sqlState: state }) };
  const socketCode = (error as DriverError | null)?.code;
  if (typeof socketCode === 'string' && state === undefined) details.errno = socketCode;
  const message = `postgres ${operation} failed: ${text(error)}`;
  if (state === UNIQUE_VIOLATION) return new ConflictError(message, { cause: error, details });
  if (state === READ_ONLY_TRANSACTION) {
    return new UnsupportedError(`${operation}: the database is read-only (${text(error)})`, { cause: error, details: { ...details, reason: 'read_only' } });
  }
  // Class 22 (data exception): a value the server cannot store, e.g. a NUL character in text.
  if (state !== undefined && state.startsWith('22')) return new ValidationError(message, { cause: error, details });
  if (state === QUERY_CANCELED) {
    return new BackendError(`postgres ${operation} timed out: ${text(error)}`, { cause: error, details: { ...details, reason: 'timeout', retryable: true } });
  }
  const retryable = state === undefined || state.startsWith('08') || RETRYABLE.has(state);
  return new BackendError(message, { cause: error, details: { ...details, retryable } });
}

/** Whether a failure means the connection itself is unusable (it is then destroyed, not pooled). */
export function brokenConnection(error: unknown): boolean {
  const state = sqlState(error);
  if (state !== undefined) return state.startsWith('08') || state.startsWith('57P');
  return !(error instanceof EngineError);
}
