/**
 * What the per-store files of the PostgreSQL backend receive from the storage factory: the entry,
 * error-mapping, cancellation and transaction discipline every call follows, over one pool.
 *
 * - `read` runs statements on a pooled connection outside a transaction (each statement sees the
 *   latest commits); `write` runs them in one transaction: a write resolves only after `COMMIT`
 *   returned, and every connection runs with `synchronous_commit = on`, so a resolved write is
 *   committed and flushed (the same promise as SQLite's).
 * - An abort of the call's signal cancels the statement running for it (`pg_cancel_backend` from a
 *   separate connection); the call rejects with `AbortError` and the transaction rolls back. That
 *   connection is then closed rather than pooled, so a late cancel can never hit another call.
 * - Driver errors become engine errors (`postgres-errors.ts`); a failed write is counted for
 *   `Storage.health`.
 * @module
 */
import { BackendError, UnsupportedError, throwIfAborted } from '../../core/errors.js';
import type { StorageHealth } from '../storage.js';
import { createWriteHealth } from '../write-health.js';
import type { PgClient, PgConnectionConfig, PgPool, PgResult, PgValue } from './pg-driver.js';
import { createPgClient } from './pg-driver.js';
import { brokenConnection, postgresError } from './postgres-errors.js';

/** Runs one statement on the call's connection. */
export type PgQueryFn = <Row>(text: string, values?: readonly PgValue[]) => Promise<PgResult<Row>>;

/** The shared call helpers of one open PostgreSQL storage. */
export interface PostgresCalls {
  /** Entry checks of every call, before argument validation: aborted first, then closed. */
  readonly enter: (signal: AbortSignal | undefined) => void;
  /**
   * Runs `work` on a pooled connection, outside a transaction; with `snapshot`, in one read-only
   * repeatable-read transaction, so every statement sees the same commits.
   */
  readonly read: <T>(operation: string, signal: AbortSignal | undefined, work: (query: PgQueryFn) => Promise<T>, options?: { snapshot?: boolean }) => Promise<T>;
  /** Runs `work` in one transaction (refused on a read-only database); resolves after the commit. */
  readonly write: <T>(operation: string, signal: AbortSignal | undefined, work: (query: PgQueryFn) => Promise<T>) => Promise<T>;
}

/** Options of {@link createPostgresCalls}. */
export interface PostgresCallsOptions {
  pool: PgPool;
  /** How to reach the server for a cancel request. */
  connection: PgConnectionConfig;
  /** The redacted URL, for error messages. */
  url: string;
  /** Set when the database takes no writes (a standby, or opened read-only). */
  readOnlyReason?: string;
}

/** The call helpers plus what the factory needs to report health and close. */
export interface PostgresCallsHandle extends PostgresCalls {
  health(): StorageHealth;
  /** Marks the storage closed: every later call rejects; resolves when the pool has ended. */
  close(): Promise<void>;
}

/** Creates the call helpers of one storage over `pool`. */
export function createPostgresCalls(options: PostgresCallsOptions): PostgresCallsHandle {
  const { pool, url, readOnlyReason } = options;
  let closed = false;
  const writeHealth = createWriteHealth();

  function enter(signal: AbortSignal | undefined): void {
    throwIfAborted(signal);
    if (closed) throw new BackendError('storage is closed', { details: { url } });
  }

  /** Cancels whatever `pid` runs now, from a connection of its own (the pool may be exhausted). */
  async function cancelBackend(pid: number): Promise<void> {
    const client = createPgClient({ ...options.connection, statementTimeoutMs: 5_000 });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query({ text: 'SELECT pg_cancel_backend($1)', values: [pid] });
    } catch {
      // The statement then runs to its end (or its statement timeout); the call has rejected already.
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  /** A pooled connection; an abort while waiting for one rejects at once (the connection is returned when it comes). */
  async function checkout(signal: AbortSignal | undefined): Promise<PgClient> {
    const pending = pool.connect();
    if (signal === undefined) return pending;
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
      signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      return await Promise.race([pending, aborted]);
    } catch (error) {
      pending.then((client) => client.release(), () => undefined);
      throw error;
    } finally {
      signal.removeEventListener('abort', onAbort!);
    }
  }

  async function withClient<T>(
    operation: string,
    signal: AbortSignal | undefined,
    transaction: false | 'write' | 'snapshot',
    work: (query: PgQueryFn) => Promise<T>,
  ): Promise<T> {
    enter(signal);
    let client: PgClient;
    try {
      client = await checkout(signal);
    } catch (error) {
      throw postgresError(operation, error, signal);
    }
    let cancelling: Promise<void> | undefined;
    const onAbort = (): void => {
      if (client.processID !== null) cancelling = cancelBackend(client.processID);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    const query: PgQueryFn = async (text, values) => {
      throwIfAborted(signal);
      return client.query({ text, ...(values === undefined ? {} : { values }) });
    };
    // A failure of the socket while we hold the connection rejects the running query; the event
    // itself must not become an uncaught exception.
    let socketError: Error | undefined;
    const onError = (error: Error): void => {
      socketError = error;
    };
    client.on('error', onError);
    let broken = false;
    try {
      if (transaction === false) return await work(query);
      await client.query({ text: transaction === 'snapshot' ? 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY' : 'BEGIN' });
      try {
        const value = await work(query);
        await client.query({ text: 'COMMIT' });
        return value;
      } catch (error) {
        await client.query({ text: 'ROLLBACK' }).catch(() => {
          broken = true;
        });
        throw error;
      }
    } catch (error) {
      if (brokenConnection(error)) broken = true;
      throw postgresError(operation, error, signal);
    } finally {
      signal?.removeEventListener('abort', onAbort);
      client.off('error', onError);
      if (socketError !== undefined) broken = true;
      if (cancelling !== undefined) {
        await cancelling;
        broken = true;
      }
      client.release(broken);
    }
  }

  return {
    enter,
    read: (operation, signal, work, readOptions) => withClient(operation, signal, readOptions?.snapshot === true ? 'snapshot' : false, work),
    async write(operation, signal, work) {
      enter(signal);
      if (readOnlyReason !== undefined) {
        throw new UnsupportedError(`${operation}: storage is read-only (${readOnlyReason})`, { details: { operation, reason: 'read_only' } });
      }
      try {
        const value = await withClient(operation, signal, 'write', work);
        writeHealth.note(operation, undefined);
        return value;
      } catch (error) {
        writeHealth.note(operation, error);
        throw error;
      }
    },
    health: () => writeHealth.report(readOnlyReason),
    async close() {
      if (closed) return;
      closed = true;
      try {
        await pool.end();
      } catch (error) {
        throw new BackendError(`postgres close failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
      }
    },
  };
}
