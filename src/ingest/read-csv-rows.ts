/**
 * Thin wrapper over `csv-parse/sync` that hands each record to a callback with its line number and
 * turns csv-parse's own errors (unclosed quote, stray quote) into importer errors naming file, line
 * and column. Records are not collected, so a large file costs one pass and no intermediate array.
 * @module
 */
import { CsvError, parse } from 'csv-parse/sync';
import { throwIfAborted } from '../core/errors.js';
import { lineError } from './line-error.js';

/** Options of {@link readCsvRows}. */
export interface ReadCsvRowsOptions {
  /** File path, used in error messages. */
  file: string;
  /** Field delimiter; default `,`. Multi-character delimiters such as `::` work. */
  delimiter?: string;
  /** Checked every few thousand rows. */
  signal?: AbortSignal | undefined;
}

/** Rows between abort checks. */
const ABORT_CHECK_EVERY = 4096;

/**
 * Parses `content` as CSV (RFC 4180 quoting, BOM stripped, empty lines skipped, ragged rows allowed
 * so the caller can report them by field) and calls `onRow(cells, line)` for every record. `line`
 * is the 1-based line where the record ends, which is the record's line unless a quoted field spans
 * lines. Errors thrown by `onRow` propagate unchanged.
 */
export function readCsvRows(
  content: string | Buffer,
  options: ReadCsvRowsOptions,
  onRow: (cells: string[], line: number) => void,
): void {
  const { file, signal } = options;
  let rows = 0;
  try {
    parse(content, {
      delimiter: options.delimiter ?? ',',
      bom: true,
      skip_empty_lines: true,
      relax_column_count: true,
      on_record: (record: string[], context: { lines: number }) => {
        if (++rows % ABORT_CHECK_EVERY === 0) throwIfAborted(signal);
        onRow(record, context.lines);
        return null;
      },
    });
  } catch (error) {
    if (!(error instanceof CsvError)) throw error;
    const details = error as CsvError & { lines?: unknown; column?: unknown };
    const line = typeof details.lines === 'number' ? details.lines : 0;
    const column = typeof details.column === 'number' ? `column ${details.column + 1}` : typeof details.column === 'string' ? details.column : 'record';
    throw lineError({ file, line, field: column }, `malformed CSV (${error.code}): ${error.message}`, { csvCode: error.code });
  }
}
