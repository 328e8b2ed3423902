/**
 * Errors of the API client: the engine answered with an error document, or could not be reached.
 * @module
 */
import { loadSettings } from './settings.js';

/** The engine answered with a 4xx/5xx and its `{ error: { code, message } }` document. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** No answer at all: the engine is down, the address is wrong, or the network failed. */
export class UnreachableError extends Error {
  constructor(readonly target: string, cause: unknown) {
    super(`Cannot reach the engine at ${target}`, { cause });
    this.name = 'UnreachableError';
  }
}

/** A readable message for any error thrown by the client. */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.status === 401) return `${error.message} — set an API key on the Settings page.`;
    if (error.status === 403 && error.code === 'forbidden') {
      const needed = (error.details as { needed?: unknown } | undefined)?.needed;
      const wanted = typeof needed === 'string' ? `a key with scope "${needed}"` : 'a key with a higher scope';
      const held = loadSettings().keySource === 'server' ? 'the session key this page received from the server has only that scope' : "this API key's scope does not allow it";
      return `${error.message} — ${held}: enter ${wanted} on the Settings page.`;
    }
    return error.message;
  }
  return error instanceof Error ? error.message : String(error);
}
