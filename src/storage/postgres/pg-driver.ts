/**
 * The slice of node-postgres (`pg`) the PostgreSQL backend uses, typed here (as kysely's dialect
 * configs do) instead of depending on the full typings. Only this folder imports `pg` (an eslint
 * rule says so), and only this file touches the module object.
 *
 * Conversions chosen here for the whole backend:
 * - `int8` (`bigint`, `COUNT(*)`) is parsed to a JavaScript number: sequence numbers, versions and
 *   counts stay far below 2^53;
 * - `Buffer`/`Uint8Array` parameters are sent in binary (the driver does that for buffers); `bytea`
 *   results come back in text form (hex) and are decoded into a Buffer by the driver: the result
 *   format is set per connection, not per query, and every other column needs text. A hex value
 *   is twice its bytes as a JavaScript string, which caps a stored chunk at 128 MiB here.
 * @module
 */
import pg from 'pg';

/** A value the backend binds as a query parameter. */
export type PgValue = string | number | boolean | null | Uint8Array | readonly (string | number | boolean | null | Uint8Array)[];

/** What a query returns. */
export interface PgResult<Row> {
  rows: Row[];
  /** Rows inserted, updated or deleted (null for statements without a count). */
  rowCount: number | null;
}

/** One query in the driver's object form. */
export interface PgQuery {
  text: string;
  values?: readonly PgValue[];
}

/** A connection checked out of the pool. */
export interface PgClient {
  query<Row>(query: PgQuery): Promise<PgResult<Row>>;
  /** Back to the pool; with an error (or `true`) the connection is destroyed instead. */
  release(destroy?: boolean | Error): void;
  /** The server process id of this connection (`pg_backend_pid()`), for cancelling its query. */
  readonly processID: number | null;
  /**
   * The connection failed while checked out (the server went away): without a listener this would
   * be an uncaught exception, so the backend listens while it holds the connection.
   */
  on(event: 'error', listener: (error: Error) => void): void;
  off(event: 'error', listener: (error: Error) => void): void;
}

/** A pool of connections. */
export interface PgPool {
  connect(): Promise<PgClient>;
  query<Row>(query: PgQuery): Promise<PgResult<Row>>;
  end(): Promise<void>;
  /** An idle connection failed (the server went away): the pool drops it and emits this. */
  on(event: 'error', listener: (error: Error) => void): void;
  readonly totalCount: number;
  readonly idleCount: number;
  readonly waitingCount: number;
}

/** A notification delivered to a connection that ran `LISTEN channel`. */
export interface PgNotification {
  channel: string;
  payload?: string;
}

/** A single connection outside the pool (used to cancel a pooled connection's query, and to LISTEN). */
export interface PgStandaloneClient {
  connect(): Promise<void>;
  query<Row>(query: PgQuery): Promise<PgResult<Row>>;
  end(): Promise<void>;
  on(event: 'error', listener: (error: Error) => void): void;
  on(event: 'end', listener: () => void): void;
  on(event: 'notification', listener: (message: PgNotification) => void): void;
}

/** Connection settings passed to the driver. */
export interface PgConnectionConfig {
  /** libpq-style URL without lmrec's own parameters. */
  connectionString: string;
  /** Server-side `statement_timeout` of every connection, ms (0: none). */
  statementTimeoutMs: number;
  /** Give up connecting after this long, ms. */
  connectTimeoutMs: number;
  /** `application_name` shown in `pg_stat_activity`. */
  applicationName: string;
  /** Sessions refuse writes (`default_transaction_read_only`). */
  readonly?: boolean;
  /** The schema tables are found and created in (`search_path`); a plain identifier. */
  schema?: string;
  /**
   * More session settings (`-c name=value …`, libpq's `options`), sent before lmrec's own, so a
   * `synchronous_commit` given here cannot weaken the durability promise (the last setting wins).
   */
  extraOptions?: string;
}

/** Pool settings. */
export interface PgPoolConfig extends PgConnectionConfig {
  /** Most connections open at once. */
  max: number;
  /** Close a connection idle for this long, ms. */
  idleTimeoutMs: number;
}

interface PgTypeParsers {
  getTypeParser(oid: number, format?: 'text' | 'binary'): (value: string | Buffer) => unknown;
}

interface PgModule {
  Pool: new (config: Record<string, unknown>) => PgPool;
  Client: new (config: Record<string, unknown>) => PgStandaloneClient;
  types: PgTypeParsers;
}

const driver = pg as PgModule;

const INT8_OID = 20;

/** Type parsers of this backend's connections: the driver's, except `int8` as a number. */
const typeParsers: PgTypeParsers = {
  getTypeParser(oid, format) {
    if (oid === INT8_OID && format !== 'binary') return (value) => Number(value);
    return driver.types.getTypeParser(oid, format);
  },
};

function clientConfig(config: PgConnectionConfig): Record<string, unknown> {
  return {
    connectionString: config.connectionString,
    // Startup parameters: the server applies them to the session before the first query.
    statement_timeout: config.statementTimeoutMs,
    // Durability: a resolved write is a committed, flushed transaction, whatever the server default.
    options: [
      ...(config.extraOptions === undefined ? [] : [config.extraOptions]),
      '-c synchronous_commit=on',
      ...(config.readonly === true ? ['-c default_transaction_read_only=on'] : []),
      ...(config.schema === undefined ? [] : [`-c search_path=${config.schema}`]),
    ].join(' '),
    connectionTimeoutMillis: config.connectTimeoutMs,
    application_name: config.applicationName,
    types: typeParsers,
  };
}

/** Creates a pool (connections open on first use). */
export function createPgPool(config: PgPoolConfig): PgPool {
  return new driver.Pool({ ...clientConfig(config), max: config.max, idleTimeoutMillis: config.idleTimeoutMs });
}

/** Creates one connection outside any pool; the caller connects and ends it. */
export function createPgClient(config: PgConnectionConfig): PgStandaloneClient {
  return new driver.Client(clientConfig(config));
}

/**
 * A `bytea` value as read (a Buffer the driver decoded from hex) as a plain `Uint8Array` view,
 * without copying.
 */
export function bytesOf(value: unknown): Uint8Array {
  if (value instanceof Uint8Array) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  throw new TypeError(`expected a bytea value, got ${value === null ? 'null' : typeof value}`);
}
