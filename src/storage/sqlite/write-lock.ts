/**
 * Waiting for SQLite's write lock without blocking the event loop. SQLite's busy handler sleeps on
 * the calling thread, so a `busy_timeout` of seconds freezes every request of a server while another
 * process (a CLI import, a training job saving a model) writes. The connection's busy timeout is
 * therefore one short slice, and a write that still finds the lock taken is retried after an
 * asynchronous pause, with backoff, until its deadline.
 * @module
 */
import { BackendError, throwIfAborted } from '../../core/errors.js';

/** Longest SQLite's own busy handler blocks the thread per attempt (ms): `PRAGMA busy_timeout`. */
export const LOCK_WAIT_SLICE_MS = 5;
/** Longest asynchronous pause between two attempts (ms); the first pauses are 1, 2, 4 ms. */
export const LOCK_RETRY_MAX_PAUSE_MS = 5;
/**
 * Pause between two transactions of a chunked bulk write (ms): longer than one retry period of a
 * waiting writer (slice + pause), so that a writer of another process waiting for the lock gets it.
 */
export const BULK_CHUNK_PAUSE_MS = 15;

/** Whether `error` (a driver error, or a `BackendError` wrapping one) says the database is locked. */
export function isBusyError(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e !== undefined && e !== null && depth < 4; depth++) {
    const { code, rawCode } = e as { code?: unknown; rawCode?: unknown };
    if (typeof code === 'string' && (code === 'SQLITE_BUSY' || code.startsWith('SQLITE_BUSY_'))) return true;
    if (typeof rawCode === 'number' && (rawCode & 0xff) === 5) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Calls `attempt` until it does not report `busy` or `timeoutMs` has passed, pausing
 * asynchronously between attempts; then `BackendError` (`details.reason: 'busy'`). Each attempt is
 * synchronous and blocks for at most {@link LOCK_WAIT_SLICE_MS} on the lock.
 */
export async function waitForLock<T>(
  operation: string,
  timeoutMs: number,
  signal: AbortSignal | undefined,
  attempt: () => { busy: true } | { busy: false; value: T },
): Promise<T> {
  const started = performance.now();
  for (let tries = 0; ; tries++) {
    const outcome = attempt();
    if (!outcome.busy) return outcome.value;
    const waited = performance.now() - started;
    if (waited >= timeoutMs) {
      throw new BackendError(
        `sqlite ${operation} failed: the database is locked by another writer (waited ${Math.round(waited)} ms, busyTimeoutMs ${timeoutMs})`,
        { details: { operation, reason: 'busy', waitedMs: Math.round(waited) } },
      );
    }
    await pause(Math.min(2 ** tries, LOCK_RETRY_MAX_PAUSE_MS, Math.max(1, timeoutMs - waited)));
    throwIfAborted(signal);
  }
}
