/**
 * `openStorage(url)`: the one place that maps a storage URL to a backend, so configuration, the
 * CLI and the server name storage by a string and never import a backend directly.
 *
 * Accepted URLs:
 * - `sqlite:///abs/path/file.db`: absolute path (three slashes: empty host, then the path);
 * - `sqlite://relative/path.db` or `sqlite:relative/path.db`: resolved against `options.cwd`, or
 *   the process's working directory at the time of the call when no `cwd` is given;
 * - `sqlite::memory:` or `sqlite://:memory:`: a private in-memory database, gone on close;
 * - `postgres://user:password@host:port/database` / `postgresql://…`: PostgreSQL, with libpq's
 *   parameters (`sslmode`, …) and lmrec's own: `pool_size`, `statement_timeout` (ms),
 *   `connect_timeout` (ms) and `schema` (`storage/postgres/postgres-url.ts`).
 *
 * Paths are percent-decoded (`my%20data.db`). SQLite URLs take one query parameter, `readonly`
 * (`true`/`false`/`1`/`0`).
 * @module
 */
import { mkdir } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { BackendError, ValidationError, throwIfAborted } from '../core/errors.js';
import { createPostgresStorage } from './postgres/postgres-storage.js';
import { parsePostgresUrl } from './postgres/postgres-url.js';
import { createSqliteStorage } from './sqlite/sqlite-storage.js';
import type { Storage } from './storage.js';
import { redactUrl } from './storage-url.js';

/** URL schemes {@link openStorage} recognises. */
export const STORAGE_SCHEMES = ['sqlite', 'postgres', 'postgresql'] as const;

/** Options of {@link openStorage}. */
export interface OpenStorageOptions {
  /** Directory that relative `sqlite://` paths resolve against; defaults to `process.cwd()`. */
  cwd?: string;
  /** Open read-only (also settable with `?readonly=true`); the file must already exist. */
  readonly?: boolean;
  /** How long a write waits for another process's lock, in ms (SQLite; default 5000). */
  busyTimeoutMs?: number;
  /** Bytes per stored chunk of a model payload (default 64 MiB, see `SqliteStorageOptions`, `PostgresStorageOptions`). */
  modelChunkBytes?: number;
  /** Connections in the pool (PostgreSQL; default 10, or the URL's `pool_size`). */
  poolSize?: number;
  /** Server-side limit of one statement in ms (PostgreSQL; default 30 s, or the URL's `statement_timeout`). */
  statementTimeoutMs?: number;
  /** Abort opening. */
  signal?: AbortSignal;
}

/** Where a storage URL points, as understood by {@link parseStorageUrl}. */
export type StorageLocation =
  | {
      /** Embedded SQLite. */
      backend: 'sqlite';
      /** Absolute file path, or `:memory:`. */
      path: string;
      /** Whether the URL asked for read-only access. */
      readonly: boolean;
    }
  | {
      /** PostgreSQL. */
      backend: 'postgres';
      /** The URL, with its password redacted. */
      url: string;
    };

const SQLITE_QUERY_PARAMETERS = ['readonly'];

function parseBoolean(url: string, name: string, value: string): boolean {
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw new ValidationError(`storage URL ${url}: ${name} must be true, false, 1 or 0 (got "${value}")`, {
    details: { url, parameter: name },
  });
}

function decodePath(url: string, raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch (error) {
    throw new ValidationError(`storage URL ${url} has a malformed percent-encoded path`, { cause: error, details: { url } });
  }
}

function parseSqliteUrl(url: string, shown: string, cwd: string): StorageLocation {
  let rest = url.slice('sqlite:'.length);
  let query = '';
  const mark = rest.indexOf('?');
  if (mark >= 0) {
    query = rest.slice(mark + 1);
    rest = rest.slice(0, mark);
  }
  if (rest.startsWith('//')) rest = rest.slice(2);

  let readonly = false;
  for (const [name, value] of new URLSearchParams(query)) {
    if (!SQLITE_QUERY_PARAMETERS.includes(name)) {
      throw new ValidationError(
        `storage URL ${shown}: unknown parameter "${name}"; sqlite URLs accept ${SQLITE_QUERY_PARAMETERS.join(', ')}`,
        { details: { url: shown, parameter: name } },
      );
    }
    readonly = parseBoolean(shown, name, value);
  }

  if (rest === ':memory:') return { backend: 'sqlite', path: ':memory:', readonly };
  if (rest === '' || rest === '/') {
    throw new ValidationError(`storage URL ${shown} names no database file (e.g. sqlite://data/lmrec.db)`, {
      details: { url: shown },
    });
  }
  let path = decodePath(shown, rest);
  // `sqlite:///C:/data/x.db` on Windows: the slash before the drive letter is URL syntax, not path.
  if (process.platform === 'win32' && /^\/[A-Za-z]:[/\\]/.test(path)) path = path.slice(1);
  return { backend: 'sqlite', path: isAbsolute(path) ? path : resolve(cwd, path), readonly };
}

/**
 * Parses a storage URL without opening anything, so configuration can be checked early. Throws
 * `ValidationError` for a malformed URL or an unknown scheme (naming the accepted ones).
 * @example
 * parseStorageUrl('sqlite://data/lmrec.db', { cwd: '/srv' }); // { backend: 'sqlite', path: '/srv/data/lmrec.db', readonly: false }
 */
export function parseStorageUrl(url: string, options: { cwd?: string } = {}): StorageLocation {
  if (typeof url !== 'string' || url.trim().length === 0) {
    throw new ValidationError('storage URL must be a non-empty string (e.g. sqlite://data/lmrec.db)', { details: { field: 'url' } });
  }
  const shown = redactUrl(url);
  const accepted = STORAGE_SCHEMES.map((scheme) => `${scheme}:`).join(', ');
  const match = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(url);
  if (match === null) {
    throw new ValidationError(`storage URL ${shown} has no scheme; expected one of ${accepted} (e.g. sqlite://data/lmrec.db)`, {
      details: { url: shown, accepted: [...STORAGE_SCHEMES] },
    });
  }
  const scheme = match[1].toLowerCase();
  switch (scheme) {
    case 'sqlite':
      // Compare the scheme case-insensitively but slice by its length: `SQLITE:` works too.
      return parseSqliteUrl(`sqlite:${url.slice(scheme.length + 1)}`, shown, options.cwd ?? process.cwd());
    case 'postgres':
    case 'postgresql':
      // Checks lmrec's own parameters now, so a bad pool_size is reported before anything connects.
      parsePostgresUrl(url);
      return { backend: 'postgres', url: shown };
    default:
      throw new ValidationError(`unsupported storage URL scheme "${scheme}:" in ${shown}; expected one of ${accepted}`, {
        details: { url: shown, scheme, accepted: [...STORAGE_SCHEMES] },
      });
  }
}

/**
 * Opens the storage a URL names. For SQLite files it creates missing parent directories (unless
 * read-only) and the schema; for PostgreSQL it connects and migrates the schema (under an advisory
 * lock). Throws `ValidationError` for a bad URL and `BackendError` when the database cannot be opened.
 * @example
 * const storage = await openStorage('sqlite://data/lmrec.db');
 * try {
 *   await storage.items.upsert([{ id: 'm1', title: 'Heat' }]);
 * } finally {
 *   await storage.close();
 * }
 */
export async function openStorage(url: string, options: OpenStorageOptions = {}): Promise<Storage> {
  throwIfAborted(options.signal);
  const location = parseStorageUrl(url, options);
  if (location.backend === 'postgres') {
    return createPostgresStorage({
      url,
      ...(options.readonly === undefined ? {} : { readonly: options.readonly }),
      ...(options.modelChunkBytes === undefined ? {} : { modelChunkBytes: options.modelChunkBytes }),
      ...(options.poolSize === undefined ? {} : { poolSize: options.poolSize }),
      ...(options.statementTimeoutMs === undefined ? {} : { statementTimeoutMs: options.statementTimeoutMs }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
  }
  const readonly = (options.readonly ?? false) || location.readonly;
  if (location.path !== ':memory:' && !readonly) {
    try {
      await mkdir(dirname(location.path), { recursive: true });
    } catch (error) {
      throw new BackendError(`cannot create the directory of ${location.path}`, { cause: error, details: { path: location.path } });
    }
  }
  throwIfAborted(options.signal);
  return createSqliteStorage({
    path: location.path,
    readonly,
    url,
    busyTimeoutMs: options.busyTimeoutMs,
    modelChunkBytes: options.modelChunkBytes,
  });
}
