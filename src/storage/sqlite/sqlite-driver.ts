/**
 * The slice of the SQLite driver (libsql, a better-sqlite3-compatible synchronous API) that the
 * SQLite backend uses. Everything else in `storage/sqlite/` talks to these interfaces only, so
 * swapping the driver (better-sqlite3, node:sqlite) means rewriting this one file.
 *
 * Quirks of libsql 0.5 this file absorbs:
 * - a call with exactly one object argument is taken as named parameters, so a lone `null` or
 *   `Uint8Array` would be misread; we always bind positional parameters as one array;
 * - rows carry an extra enumerable `_metadata` property; callers map rows field by field;
 * - BLOBs come back as `Buffer` from `get()` but as `ArrayBuffer` from `all()`;
 * - the `readonly` constructor option is ignored, so read-only mode is enforced with
 *   `PRAGMA query_only` (see the storage factory).
 * @module
 */
import Database from 'libsql';

/** A value SQLite can bind positionally. */
export type SqliteValue = string | number | bigint | null | Uint8Array;

/** What a write statement reports. */
export interface SqliteRunResult {
  /** Rows changed by the statement. */
  changes: number;
  /** Rowid of the last inserted row. */
  lastInsertRowid: number | bigint;
}

/** A prepared statement, bound positionally. */
export interface SqliteStatement {
  /** Executes a write. */
  run(params: readonly SqliteValue[]): SqliteRunResult;
  /** First row, or undefined. */
  get(params: readonly SqliteValue[]): unknown;
  /** All rows. */
  all(params: readonly SqliteValue[]): unknown[];
}

/** A synchronous connection. */
export interface SqliteDatabase {
  /** Compiles one statement. */
  prepare(sql: string): SqliteStatement;
  /** Runs one or more statements without results. */
  exec(sql: string): void;
  /** Closes the connection. */
  close(): void;
}

/** Opens a connection to `path` (a file, created when missing, or `:memory:`). */
export function openSqliteDatabase(path: string): SqliteDatabase {
  const db = new Database(path);
  return {
    prepare(sql) {
      const statement = db.prepare(sql);
      return {
        // One array argument binds positionally (see the module header for why never spread it).
        run: (params) => statement.run(params),
        get: (params) => statement.get(params),
        all: (params) => statement.all(params),
      };
    },
    exec(sql) {
      db.exec(sql);
    },
    close() {
      db.close();
    },
  };
}

/**
 * A BLOB as returned by the driver as a plain `Uint8Array` without copying when it owns its memory:
 * libsql hands each BLOB over in its own ArrayBuffer, so viewing it is safe and avoids a copy of a
 * large model chunk. A Buffer that shares a pooled ArrayBuffer is copied.
 */
export function viewBytes(value: unknown): Uint8Array {
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (value instanceof Uint8Array && value.byteOffset === 0 && value.byteLength === value.buffer.byteLength) {
    return new Uint8Array(value.buffer, 0, value.byteLength);
  }
  return toBytes(value);
}

/** Turns a BLOB as returned by the driver (Buffer, Uint8Array or ArrayBuffer) into a fresh `Uint8Array`. */
export function toBytes(value: unknown): Uint8Array {
  // `all()` hands over a fresh ArrayBuffer, so a view is enough and avoids copying large payloads.
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  // A Buffer is copied into a plain Uint8Array so callers comparing types or bytes see one kind.
  if (value instanceof Uint8Array) return new Uint8Array(value);
  throw new TypeError(`expected a BLOB, got ${value === null ? 'null' : typeof value}`);
}
