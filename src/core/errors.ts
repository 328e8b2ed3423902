/**
 * Error hierarchy shared by every layer. Each error carries a stable machine-readable `code`;
 * the HTTP layer and the CLI map codes to statuses and exit codes in one place.
 * @module
 */

/** Extra structured data attached to an error (file, line, field, offending value, …). */
export type ErrorDetails = Record<string, unknown>;

/** Options accepted by every engine error. */
export interface EngineErrorOptions {
  /** The lower-level error that caused this one. */
  cause?: unknown;
  /** Structured context that a client can act on. */
  details?: ErrorDetails;
}

/** Base class of every error the engine throws on purpose. */
export class EngineError extends Error {
  /** Stable identifier, e.g. `not_found` or `validation_failed`. */
  readonly code: string;
  /** Structured context (file, line, field, …). */
  readonly details: ErrorDetails | undefined;

  constructor(code: string, message: string, options: EngineErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.details = options.details;
  }
}

/** A requested entity (item, user, model version, …) does not exist. */
export class NotFoundError extends EngineError {
  constructor(message: string, options: EngineErrorOptions = {}) {
    super('not_found', message, options);
  }
}

/** Input was malformed; `details` names where (file, line, field). */
export class ValidationError extends EngineError {
  constructor(message: string, options: EngineErrorOptions = {}) {
    super('validation_failed', message, options);
  }
}

/** The operation conflicts with the current state (e.g. a duplicate id in one batch). */
export class ConflictError extends EngineError {
  constructor(message: string, options: EngineErrorOptions = {}) {
    super('conflict', message, options);
  }
}

/** The backend or model does not support the requested operation. */
export class UnsupportedError extends EngineError {
  constructor(message: string, options: EngineErrorOptions = {}) {
    super('unsupported', message, options);
  }
}

/** A storage or runtime backend failed; `cause` holds the driver's error. */
export class BackendError extends EngineError {
  constructor(message: string, options: EngineErrorOptions = {}) {
    super('backend_error', message, options);
  }
}

/** The caller aborted the operation through its `AbortSignal`. */
export class AbortError extends EngineError {
  constructor(message = 'operation aborted', options: EngineErrorOptions = {}) {
    super('aborted', message, options);
  }
}

/** Throws {@link AbortError} when `signal` has been aborted; call it between units of work. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new AbortError('operation aborted', { cause: signal.reason });
}
