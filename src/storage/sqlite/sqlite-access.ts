/**
 * Opening a SQLite file with the access it allows. A database file that cannot be written (mode
 * 0444, a read-only mount), or whose `-wal`/`-shm` files (or, when they are missing, whose
 * directory) cannot be written, is opened read-only with a reason instead of failing later on the
 * first write or, worse, inside SQLite's shared-memory map: the process can then serve reads and
 * say why it refuses writes.
 *
 * What cannot be prevented here: the `-shm` file is memory-mapped, and if it is truncated or
 * removed while the database is open (by another process or by hand), the next access to the map
 * ends the process with SIGBUS. SQLite documents that these files must never be touched while a
 * connection is open; the check at open covers files that were already unusable.
 * @module
 */
import { W_OK } from 'node:constants';
import { accessSync, existsSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { BackendError } from '../../core/errors.js';
import { openSqliteDatabase } from './sqlite-driver.js';
import type { SqliteDatabase } from './sqlite-driver.js';

/** A connection and, when it is read-only, why. */
export interface SqliteAccess {
  db: SqliteDatabase;
  /** Set when the connection is read-only: asked for, or the files cannot be written. */
  readOnlyReason?: string;
}

function errorCode(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : 'error';
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Why `file` cannot be written, or undefined when it can. */
function notWritable(file: string, what: string): string | undefined {
  try {
    accessSync(file, W_OK);
    return undefined;
  } catch (error) {
    return errorCode(error) === 'EROFS' ? `${what} is on a read-only file system` : `${what} is not writable (${errorCode(error)})`;
  }
}

/**
 * Why the existing database at `path` cannot be opened for writing, or undefined when it can: the
 * file itself, then its `-wal` and `-shm` files (or the directory that would hold them).
 */
export function sqliteWriteBlocker(path: string): string | undefined {
  const reason = notWritable(path, path);
  if (reason !== undefined) return reason;
  const dir = dirname(path);
  for (const suffix of ['-wal', '-shm']) {
    const side = `${path}${suffix}`;
    if (existsSync(side)) {
      const sideReason = notWritable(side, side);
      if (sideReason !== undefined) return sideReason;
    } else {
      const dirReason = notWritable(dir, `the directory ${dir}`);
      if (dirReason !== undefined) return `${dirReason}, so SQLite cannot create ${basename(side)} beside the database`;
    }
  }
  return undefined;
}

/** A `file:` URI for `path` with query `query` (SQLite URI filenames). */
function fileUri(path: string, query: string): string {
  const escaped = path.replace(/%/g, '%25').replace(/\?/g, '%3f').replace(/#/g, '%23');
  return `file:${escaped}?${query}`;
}

function open(target: string, path: string): SqliteDatabase {
  try {
    return openSqliteDatabase(target);
  } catch (error) {
    throw new BackendError(`cannot open sqlite database ${path}: ${message(error)}`, { cause: error, details: { path } });
  }
}

/** Opens `path` read-only, immutable when even the shared-memory file cannot be used. */
function openReadOnly(path: string, reason: string): SqliteAccess {
  const db = open(fileUri(path, 'mode=ro'), path);
  try {
    db.prepare('SELECT COUNT(*) AS n FROM sqlite_master').get([]);
    return { db, readOnlyReason: reason };
  } catch (error) {
    db.close();
    // A WAL file whose -shm cannot be created: only an immutable open reads it (without the -wal).
    const immutable = open(fileUri(path, 'mode=ro&immutable=1'), path);
    return {
      db: immutable,
      readOnlyReason:
        `${reason}; opened immutable (${message(error)}): changes made by other processes are not seen, ` +
        'and commits still in the -wal file are not read',
    };
  }
}

/**
 * Opens the database at `path` (`:memory:` included). `readonly` asks for a read-only open (the file
 * must exist); otherwise an existing file that cannot be written is opened read-only with the reason.
 * Throws `BackendError` when the file cannot be opened at all.
 */
export function openSqliteAccess(path: string, readonly: boolean): SqliteAccess {
  if (path === ':memory:') return { db: open(path, path) };
  const exists = existsSync(path);
  if (readonly) {
    // The driver would silently create a missing file; a read-only open of a typo must fail instead.
    if (!exists) throw new BackendError(`cannot open sqlite database read-only: ${path} does not exist`, { details: { path } });
    return openReadOnly(path, 'opened read-only as asked');
  }
  if (exists) {
    const blocker = sqliteWriteBlocker(path);
    if (blocker !== undefined) return openReadOnly(path, blocker);
  }
  return { db: open(path, path) };
}
