/**
 * `importDataset`: read → parse and validate everything → one `storage.bulkWrite`. Because nothing is
 * written until the whole source has been validated, and the write is one transaction, a failed
 * import leaves storage exactly as it was. With `transactionRows` (what `lmrec import` uses) the
 * write commits in bounded transactions instead, so a server on the same file is never kept from
 * writing for longer than one of them; see `BulkWriteOptions` for what a failure then leaves.
 * @module
 */
import { ConflictError, throwIfAborted } from '../core/errors.js';
import type { Event } from '../core/types.js';
import type { Storage } from '../storage/storage.js';
import { loadCsvRecords } from './csv-records.js';
import { importContentHash } from './import-hash.js';
import type { ImportReport, ImportSource, LoadOptions, ParsedDataset, UnknownItemsPolicy } from './import-source.js';
import { loadJsonlRecords } from './jsonl-records.js';
import { loadMovieLens100k } from './movielens-100k.js';
import { loadMovieLensLatest } from './movielens-latest.js';
import { lineError, quoteValue } from './line-error.js';
import { loadS3Rec } from './s3rec.js';

/** Options of {@link importDataset} and {@link loadDataset}. */
export interface ImportOptions extends LoadOptions {
  /**
   * Import even when the import log holds the same content (its events are then stored twice);
   * without it a second import of the same content is refused with `ConflictError`.
   */
  force?: boolean;
  /** Events of a generic CSV or JSONL file naming an item the catalogue lacks (default `reject`). */
  unknownItems?: UnknownItemsPolicy;
  /**
   * Commit after at most this many rows (default: everything in one transaction). A CLI import
   * beside a running server uses {@link IMPORT_TRANSACTION_ROWS}, so the server's writes wait for one
   * chunk (tens of milliseconds), not for the whole file.
   */
  transactionRows?: number;
}

/** Rows per transaction of `lmrec import`: 50 to 150 ms of writing on a laptop. */
export const IMPORT_TRANSACTION_ROWS = 10_000;

/** Item ids looked up in storage per query when checking for unknown items. */
const LOOKUP_CHUNK = 10_000;

/**
 * Reads and parses `source` without writing anything: the dry-run half of {@link importDataset}.
 * Throws {@link ValidationError} (file, line, field in message and details) on malformed input,
 * {@link NotFoundError} for a missing file and {@link AbortError} when aborted.
 */
export async function loadDataset(source: ImportSource, options: ImportOptions = {}): Promise<ParsedDataset> {
  throwIfAborted(options.signal);
  switch (source.format) {
    case 'movielens-100k':
      return loadMovieLens100k(source.dir, options);
    case 'movielens-latest':
      return loadMovieLensLatest(source.dir, options);
    case 's3rec':
      return loadS3Rec(source, { ...options, eventType: source.eventType });
    case 'csv':
      return loadCsvRecords(source.kind, source.file, source.mapping, options);
    case 'jsonl':
      return loadJsonlRecords(source.kind, source.file, options);
  }
}

/**
 * Imports `source` into `storage`: parses and validates every file first, then writes items, users
 * and events with one `storage.bulkWrite` (one transaction), so a failed import writes nothing.
 * Progress phases: `read`, `parse`, `write`.
 *
 * Each import is recorded in the import log under its content hash (`import-hash.ts`) in the same
 * transaction; importing the same content again is refused with `ConflictError` naming the earlier
 * import, unless `force` is set (its events would otherwise count twice in every model). Events of a
 * generic CSV or JSONL file naming an item the catalogue lacks are refused (`ValidationError` naming
 * the line and the item) unless `unknownItems` is `accept`.
 * @example
 * const report = await importDataset(storage, { format: 'movielens-latest', dir: 'data/demo/ml-latest-small' });
 * // report.items === 9742, report.users === 610, report.events === 104519
 */
export async function importDataset(storage: Storage, source: ImportSource, options: ImportOptions = {}): Promise<ImportReport> {
  const { signal, onProgress } = options;
  const parsed = await loadDataset(source, options);
  throwIfAborted(signal);
  const path = 'dir' in source ? source.dir : source.file;
  const hash = await importContentHash(source, parsed.files, signal);
  const force = options.force === true;
  if (!force) {
    const [earlier] = await storage.imports.list({ hash, signal });
    if (earlier !== undefined) {
      throw new ConflictError(
        `${path} was already imported (import ${earlier.id}, ${new Date(earlier.at).toISOString()}, from ${earlier.source}: ${earlier.items} items, ${earlier.users} users, ${earlier.events} events); ` +
          'importing the same content again would store its events twice. Use --force (option force) to import it anyway',
        { details: { reason: 'already_imported', hash, earlier: { ...earlier } } },
      );
    }
  }
  if ((source.format === 'csv' || source.format === 'jsonl') && source.kind === 'events' && (options.unknownItems ?? 'reject') === 'reject') {
    await refuseUnknownItems(storage, parsed, source.format === 'csv' ? 'item' : 'itemId', signal);
  }
  const { items, users, events } = parsed.batch;
  const total = items.length + users.length + events.length;
  onProgress?.('write', 0, total);
  const written = await storage.bulkWrite(
    { ...parsed.batch, importMark: { hash, source: path, format: parsed.format, force } },
    { signal, ...(options.transactionRows === undefined ? {} : { transactionRows: options.transactionRows }) },
  );
  onProgress?.('write', total, total);
  return {
    format: parsed.format,
    items: written.items,
    users: written.users,
    events: written.events,
    files: parsed.files,
    warnings: parsed.warnings,
    hash,
  };
}

/** `ValidationError` naming the file, line and id of the first event whose item the catalogue lacks. */
async function refuseUnknownItems(storage: Storage, parsed: ParsedDataset, field: string, signal?: AbortSignal): Promise<void> {
  const events: readonly Event[] = parsed.batch.events;
  const ids = [...new Set(events.map((e) => e.itemId).filter((id): id is string => id !== undefined))];
  const known = new Set<string>();
  for (let start = 0; start < ids.length; start += LOOKUP_CHUNK) {
    for (const item of await storage.items.getMany(ids.slice(start, start + LOOKUP_CHUNK), { signal })) known.add(item.id);
  }
  if (known.size === ids.length) return;
  const index = events.findIndex((e) => e.itemId !== undefined && !known.has(e.itemId));
  const itemId = events[index].itemId as string;
  const unknown = ids.length - known.size;
  throw lineError(
    { file: parsed.files[0] ?? '(input)', line: parsed.eventLines?.[index] ?? index + 1, field },
    `unknown item ${quoteValue(itemId)}: not in the catalogue (${unknown} unknown item id${unknown === 1 ? '' : 's'} in this file). ` +
      'Import the items first, or accept events of unknown items (lmrec import --allow-unknown-items, option unknownItems: "accept")',
    { itemId, unknownItems: unknown, reason: 'unknown_item' },
  );
}
