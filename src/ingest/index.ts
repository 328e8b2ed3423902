/**
 * Ingest: importers that parse and validate a whole source before one atomic `storage.bulkWrite`,
 * format detection, and the fast interaction-file reader used by evaluation. Explicit re-exports.
 * @module
 */
export { IMPORT_TRANSACTION_ROWS, importDataset, loadDataset } from './import-dataset.js';
export type { ImportOptions } from './import-dataset.js';
export { SYNTHETIC_STEP_MS } from './import-source.js';
export type {
  CsvMapping,
  ImportFormat,
  ImportReport,
  ImportSource,
  LoadOptions,
  ParseOptions,
  ParsedDataset,
  ParsedRecords,
  ProgressCallback,
  RecordKind,
  SourceText,
  UnknownItemsPolicy,
} from './import-source.js';
export { importContentHash } from './import-hash.js';
export { mappingFromFlags, parseColumnMap, parseDelimiterOption } from './column-options.js';
export type { ColumnFlags } from './column-options.js';
export { detectFormat, kindFromFileName } from './detect-format.js';
export type { DetectFormatOptions } from './detect-format.js';
export { loadMovieLens100k, MOVIELENS_100K_GENRES, parseMovieLens100k } from './movielens-100k.js';
export type { MovieLens100kFiles } from './movielens-100k.js';
export { loadMovieLensLatest, MOVIELENS_LATEST_FILES, parseMovieLensLatest } from './movielens-latest.js';
export type { MovieLensLatestFiles } from './movielens-latest.js';
export { findS3RecCompanions, loadS3Rec, parseS3Rec, readS3RecAttributes } from './s3rec.js';
export type { S3RecFiles, S3RecOptions } from './s3rec.js';
export { coerceAttribute, CSV_COLUMN_ALIASES, loadCsvRecords, parseCsvRecords } from './csv-records.js';
export { loadJsonlRecords, parseJsonlRecords } from './jsonl-records.js';
export { eventRecordSchema, itemRecordSchema, userRecordSchema } from './record-schemas.js';
export {
  detectDelimiter,
  parseInteractionText,
  RATINGS_FILE_NAMES,
  readInteractionFile,
  WHITESPACE_DELIMITER,
} from './read-interaction-file.js';
export type { ReadInteractionFileOptions } from './read-interaction-file.js';
export { epochToMillis, parseTimestamp } from './parse-timestamp.js';
export { lineError } from './line-error.js';
export type { LineLocation } from './line-error.js';
