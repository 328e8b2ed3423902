/**
 * The import log in SQLite (`imports`): one row per import, written by `bulkWrite` in the same
 * transaction as the records it imported ({@link recordImport}), so the log and the data never
 * disagree, also when two processes import the same file at once.
 * @module
 */
import { ConflictError } from '../../core/errors.js';
import type { BulkWriteResult, CallOptions, ImportMark, ImportRecord, ImportStore } from '../storage.js';
import { validateKey } from '../validation.js';

export { validateImportMark } from '../validation.js';
import type { SqliteCalls } from './sqlite-calls.js';

interface ImportRow {
  id: number;
  hash: string;
  source: string;
  format: string;
  at: number;
  items: number;
  users: number;
  events: number;
}

const COLUMNS = 'id, hash, source, format, at, items, users, events';

function fromRow(row: ImportRow): ImportRecord {
  return { id: row.id, hash: row.hash, source: row.source, format: row.format, at: row.at, items: row.items, users: row.users, events: row.events };
}

/**
 * Inside the write transaction, before the records are written: `ConflictError` naming the earlier
 * import when the log holds the mark's hash and `force` is not set.
 */
export function checkImport(sql: SqliteCalls['sql'], mark: ImportMark): void {
  if (mark.force === true) return;
  const earlier = sql(`SELECT ${COLUMNS} FROM imports WHERE hash = ? ORDER BY id LIMIT 1`).get([mark.hash]) as ImportRow | undefined;
  if (earlier === undefined) return;
  throw new ConflictError(`this content was already imported (import ${earlier.id} of ${earlier.source} at ${new Date(earlier.at).toISOString()})`, {
    details: { reason: 'already_imported', hash: mark.hash, earlier: fromRow(earlier) as unknown as Record<string, unknown> },
  });
}

/** Inside the write transaction, after the records were written: appends the import to the log. */
export function recordImport(sql: SqliteCalls['sql'], mark: ImportMark, written: BulkWriteResult, at: number): void {
  sql('INSERT INTO imports (hash, source, format, at, items, users, events) VALUES (?, ?, ?, ?, ?, ?, ?)').run([
    mark.hash,
    mark.source,
    mark.format,
    at,
    written.items,
    written.users,
    written.events,
  ]);
}

/** The {@link ImportStore} of one SQLite storage. */
export function createSqliteImportStore({ sql, enter, run }: SqliteCalls): ImportStore {
  return {
    async list(options: CallOptions & { hash?: string } = {}) {
      enter(options.signal);
      const hash = options.hash === undefined ? undefined : validateKey('hash', options.hash);
      return run('imports.list', options.signal, () =>
        (
          (hash === undefined
            ? sql(`SELECT ${COLUMNS} FROM imports ORDER BY id`).all([])
            : sql(`SELECT ${COLUMNS} FROM imports WHERE hash = ? ORDER BY id`).all([hash])) as ImportRow[]
        ).map(fromRow),
      );
    },
  };
}
