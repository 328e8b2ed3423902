/**
 * Types shared by the importers: what to import ({@link ImportSource}), what a parse produced
 * ({@link ParsedDataset}), what an import wrote ({@link ImportReport}) and progress reporting.
 * @module
 */
import type { ProgressCallback } from '../core/logger.js';
import type { Event, EventType, Item, User } from '../core/types.js';

/** Kinds of record a generic CSV or JSONL file can hold. */
export type RecordKind = 'items' | 'users' | 'events';

/**
 * How a generic CSV file maps to records. Every field is optional: by default the header row is
 * detected and columns are found by their usual names (see `docs/IMPORT-FORMATS.md`).
 */
export interface CsvMapping {
  /** Whether the first row is a header; detected when omitted. */
  hasHeader?: boolean;
  /** Field delimiter; default `,`. Multi-character delimiters such as `::` work. */
  delimiter?: string;
  /**
   * Column for a record field, by header name or 0-based index, overriding the built-in aliases,
   * e.g. `{ user: 'customer_id', item: 'sku' }` for events or `{ id: 'movieId' }` for items.
   */
  columns?: Record<string, string | number>;
  /** Event type for rows without a type cell and without a value (default `view`). */
  defaultType?: EventType;
}

/** What {@link importDataset} reads. `dir`/`file` are paths on the local file system. */
export type ImportSource =
  | {
      format: 'movielens-100k';
      /** Directory holding `u.data`, `u.item`, `u.user`, `u.genre`. */
      dir: string;
    }
  | {
      format: 'movielens-latest';
      /** Directory holding `movies.csv`, `ratings.csv` and optionally `tags.csv`, `links.csv`, `descriptions.csv`. */
      dir: string;
    }
  | {
      format: 's3rec';
      /** `Beauty.txt`-style file: `user item1 item2 …` per line in time order. */
      file: string;
      /** `*_item2attributes.json`: item id → attribute ids. */
      attributesFile?: string;
      /** `*_user_sequence.txt`: the same lines with raw ids, line-aligned with `file`. */
      userSequenceFile?: string;
      /** Event type of each interaction; default `purchase`. */
      eventType?: EventType;
    }
  | { format: 'csv'; kind: RecordKind; file: string; mapping?: CsvMapping }
  | { format: 'jsonl'; kind: RecordKind; file: string };

/** Name of an import format. */
export type ImportFormat = ImportSource['format'];

/**
 * Progress callback of the importers (the engine-wide `(phase, done, total)` shape). Phases:
 * `read` (done/total = files read), `parse` (0/1 then 1/1), `write` (0/records then records/records).
 */
export type { ProgressCallback };

/** Options of the pure parsers. */
export interface ParseOptions {
  /** Checked every few thousand rows. */
  signal?: AbortSignal | undefined;
}

/** Options of the loaders that read files and then parse them. */
export interface LoadOptions extends ParseOptions {
  /** Progress reporting. */
  onProgress?: ProgressCallback | undefined;
}

/** Records parsed from a source, validated and ready for one `storage.bulkWrite`. */
export interface ParsedRecords {
  /** Items, unique by id. */
  items: Item[];
  /** Users, unique by id. */
  users: User[];
  /** Events in source order. */
  events: Event[];
}

/** Result of a parser: the batch plus the files it came from and non-fatal findings. */
export interface ParsedDataset {
  /** Which format was parsed. */
  format: ImportFormat;
  /** Validated records. */
  batch: ParsedRecords;
  /** Files read, in reading order. */
  files: string[];
  /** Non-fatal findings (e.g. ratings of movies missing from the catalogue). */
  warnings: string[];
  /**
   * The 1-based line of each event in its file, aligned with `batch.events` (generic CSV and JSONL),
   * so that a check after parsing (an unknown item) can name the line.
   */
  eventLines?: number[];
}

/** What {@link importDataset} wrote. */
export interface ImportReport {
  /** Format imported. */
  format: ImportFormat;
  /** Items written. */
  items: number;
  /** Users written. */
  users: number;
  /** Events written. */
  events: number;
  /** Files read. */
  files: string[];
  /** Non-fatal findings. */
  warnings: string[];
  /** Content hash of the import, as recorded in the import log (see `import-hash.ts`). */
  hash: string;
}

/**
 * How an import treats events naming an item the catalogue does not hold (generic CSV and JSONL
 * events; MovieLens and S3-Rec sources bring their own catalogue): `reject` (the default) refuses the
 * import naming the line and the item, since such events train models on items nothing can be shown
 * for; `accept` stores them.
 */
export type UnknownItemsPolicy = 'accept' | 'reject';

/**
 * Spacing of synthetic timestamps, for sources without a clock (S3-Rec sequences, CSV or JSONL rows
 * without a timestamp): the k-th event gets `k * SYNTHETIC_STEP_MS` ms after the epoch, which keeps
 * the order and leaves room to insert events between two positions.
 */
export const SYNTHETIC_STEP_MS = 1000;

/** The content of one input file with the path used in error messages. */
export interface SourceText {
  /** Path as given by the caller; appears in errors. */
  path: string;
  /** Decoded text. */
  content: string;
}
