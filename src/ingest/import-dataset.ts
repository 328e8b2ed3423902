/**
 * `importDataset`: read → parse and validate everything → one `storage.bulkWrite`. Because nothing is
 * written until the whole source has been validated, and the write is one transaction, a failed
 * import leaves storage exactly as it was.
 * @module
 */
import { throwIfAborted } from '../core/errors.js';
import type { Storage } from '../storage/storage.js';
import { loadCsvRecords } from './csv-records.js';
import type { ImportReport, ImportSource, LoadOptions, ParsedDataset } from './import-source.js';
import { loadJsonlRecords } from './jsonl-records.js';
import { loadMovieLens100k } from './movielens-100k.js';
import { loadMovieLensLatest } from './movielens-latest.js';
import { loadS3Rec } from './s3rec.js';

/** Options of {@link importDataset} and {@link loadDataset}. */
export type ImportOptions = LoadOptions;

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
 * @example
 * const report = await importDataset(storage, { format: 'movielens-latest', dir: 'data/demo/ml-latest-small' });
 * // report.items === 9742, report.users === 610, report.events === 104519
 */
export async function importDataset(storage: Storage, source: ImportSource, options: ImportOptions = {}): Promise<ImportReport> {
  const { signal, onProgress } = options;
  const parsed = await loadDataset(source, options);
  throwIfAborted(signal);
  const { items, users, events } = parsed.batch;
  const total = items.length + users.length + events.length;
  onProgress?.('write', 0, total);
  const written = await storage.bulkWrite(parsed.batch, { signal });
  onProgress?.('write', total, total);
  return {
    format: parsed.format,
    items: written.items,
    users: written.users,
    events: written.events,
    files: parsed.files,
    warnings: parsed.warnings,
  };
}
