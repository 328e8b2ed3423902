/**
 * Pieces shared by the clients of OpenAI-compatible HTTP endpoints (embeddings, chat completions):
 * reading `Retry-After`, the server's own error message and a network error's system code, the
 * jittered backoff between attempts, and an abortable sleep.
 * @module
 */
import { AbortError } from '../core/errors.js';

/**
 * Delay before retry `attempt` (0-based): `baseMs · 2^attempt` capped at `maxMs`, jittered uniformly
 * into its upper half so that clients failing together do not retry together; a server's
 * `Retry-After` wins (still capped).
 */
export function backoffDelayMs(attempt: number, baseMs: number, maxMs: number, retryAfter?: number): number {
  const backoff = Math.min(maxMs, baseMs * 2 ** attempt);
  return Math.min(maxMs, retryAfter ?? backoff / 2 + Math.random() * (backoff / 2));
}

/** `Retry-After` (seconds or an HTTP date) or `retry-after-ms`, in ms; undefined when absent or unreadable. */
export function retryAfterMs(headers: Headers): number | undefined {
  const ms = headers.get('retry-after-ms');
  if (ms !== null && Number.isFinite(Number(ms)) && Number(ms) >= 0) return Number(ms);
  const value = headers.get('retry-after');
  if (value === null) return undefined;
  const seconds = Number(value);
  if (value.trim() !== '' && Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/** The server's own error message from `{error:{message}}`, `{error:"…"}`, `{message}` or a text body. */
export function serverMessage(body: string): string {
  let message = body.trim();
  try {
    const json = JSON.parse(body) as { error?: unknown; message?: unknown; detail?: unknown };
    const error = json.error;
    if (typeof error === 'object' && error !== null && typeof (error as { message?: unknown }).message === 'string') message = (error as { message: string }).message;
    else if (typeof error === 'string') message = error;
    else if (typeof json.message === 'string') message = json.message;
    else if (typeof json.detail === 'string') message = json.detail;
  } catch {
    // not JSON: keep the text
  }
  return message.length > 500 ? `${message.slice(0, 500)}…` : message;
}

/** The system error code (ECONNREFUSED, ENOTFOUND, …) inside a fetch failure, if any. */
export function networkCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current !== null && typeof current === 'object'; depth++) {
    const { code, errors, cause } = current as { code?: unknown; errors?: unknown; cause?: unknown };
    if (typeof code === 'string' && code !== 'UND_ERR_SOCKET' && /^[A-Z_]+$/.test(code)) return code;
    if (Array.isArray(errors) && errors.length > 0) current = errors[0];
    else current = cause;
  }
  return undefined;
}

/** Waits `ms`, rejecting with an `AbortError` as soon as `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new AbortError('operation aborted', { cause: signal.reason }));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new AbortError('operation aborted', { cause: signal?.reason }));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
