/**
 * The import log in PostgreSQL (`imports`): one row per import, written by `bulkWrite` in the same
 * transaction as the records it imported. A bulk write with a mark first takes the `imports`
 * counter's row lock ({@link lockImports}), so two processes importing the same content at once
 * are serialised: the second sees the first's row and is refused.
 * @module
 */
import { ConflictError } from '../../core/errors.js';
import type { BulkWriteResult, CallOptions, ImportMark, ImportRecord, ImportStore } from '../storage.js';
import { validateKey } from '../validation.js';
import type { PgQueryFn, PostgresCalls } from './postgres-calls.js';

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

/** Takes the import log's lock until the caller's transaction ends. */
export async function lockImports(query: PgQueryFn): Promise<void> {
  await query("SELECT value FROM counters WHERE name = 'imports' FOR UPDATE");
}

/**
 * Inside the write transaction, after {@link lockImports}: `ConflictError` naming the earlier
 * import when the log holds the mark's hash and `force` is not set.
 */
export async function checkImport(query: PgQueryFn, mark: ImportMark): Promise<void> {
  if (mark.force === true) return;
  const earlier = (await query<ImportRow>(`SELECT ${COLUMNS} FROM imports WHERE hash = $1 ORDER BY id LIMIT 1`, [mark.hash])).rows[0];
  if (earlier === undefined) return;
  throw new ConflictError(`this content was already imported (import ${earlier.id} of ${earlier.source} at ${new Date(earlier.at).toISOString()})`, {
    details: { reason: 'already_imported', hash: mark.hash, earlier: fromRow(earlier) as unknown as Record<string, unknown> },
  });
}

/** Inside the write transaction, after the records were written: appends the import to the log. */
export async function recordImport(query: PgQueryFn, mark: ImportMark, written: BulkWriteResult, at: number): Promise<void> {
  const id = (await query<{ value: number }>("UPDATE counters SET value = value + 1 WHERE name = 'imports' RETURNING value")).rows[0].value;
  await query(`INSERT INTO imports (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, [id, mark.hash, mark.source, mark.format, at, written.items, written.users, written.events]);
}

/** Inside the caller's transaction: writes import records with their ids (a copy) and raises the counter. */
export async function insertImports(query: PgQueryFn, records: readonly ImportRecord[]): Promise<void> {
  if (records.length === 0) return;
  await query("UPDATE counters SET value = GREATEST(value, $1) WHERE name = 'imports'", [Math.max(...records.map((r) => r.id))]);
  for (const r of records) {
    await query(`INSERT INTO imports (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, [r.id, r.hash, r.source, r.format, r.at, r.items, r.users, r.events]);
  }
}

/** The {@link ImportStore} of one PostgreSQL storage. */
export function createPostgresImportStore({ enter, read }: PostgresCalls): ImportStore {
  return {
    async list(options: CallOptions & { hash?: string } = {}) {
      enter(options.signal);
      const hash = options.hash === undefined ? undefined : validateKey('hash', options.hash);
      return read('imports.list', options.signal, async (query) =>
        (hash === undefined
          ? await query<ImportRow>(`SELECT ${COLUMNS} FROM imports ORDER BY id`)
          : await query<ImportRow>(`SELECT ${COLUMNS} FROM imports WHERE hash = $1 ORDER BY id`, [hash])
        ).rows.map(fromRow),
      );
    },
  };
}
