/**
 * Errors crossing a worker-thread boundary: an engine error becomes plain data there and is rebuilt
 * as the same error class here, so callers can branch on the class or the `code`.
 * @module
 */
import { AbortError, BackendError, ConflictError, EngineError, NotFoundError, UnsupportedError, ValidationError } from '../core/errors.js';

/** Plain, structured-cloneable form of an error. */
export interface WorkerError {
  code: string;
  message: string;
  details?: Record<string, unknown>;
}

/** Plain, structured-cloneable form of any thrown value. */
export function toWorkerError(error: unknown): WorkerError {
  if (error instanceof EngineError) {
    const out: WorkerError = { code: error.code, message: error.message };
    if (error.details) out.details = cloneable(error.details);
    return out;
  }
  if (error instanceof Error) return { code: 'internal', message: error.message };
  return { code: 'internal', message: String(error) };
}

/** Rebuilds the engine error a {@link WorkerError} describes. */
export function fromWorkerError(error: WorkerError): EngineError {
  const options = error.details ? { details: error.details } : {};
  switch (error.code) {
    case 'not_found':
      return new NotFoundError(error.message, options);
    case 'validation_failed':
      return new ValidationError(error.message, options);
    case 'conflict':
      return new ConflictError(error.message, options);
    case 'unsupported':
      return new UnsupportedError(error.message, options);
    case 'backend_error':
      return new BackendError(error.message, options);
    case 'aborted':
      return new AbortError(error.message, options);
    default:
      return new EngineError(error.code, error.message, options);
  }
}

function cloneable(details: Record<string, unknown>): Record<string, unknown> {
  try {
    return JSON.parse(JSON.stringify(details)) as Record<string, unknown>;
  } catch {
    return {};
  }
}
