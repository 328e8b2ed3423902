/**
 * Fast reader of interaction files for evaluation: `user,item[,rating[,timestamp]]` lines straight
 * into a columnar {@link InteractionLog}, without building an object per row. It scans the decoded
 * text with `indexOf` and char codes, slices only the id fields, and guesses the delimiter and the
 * header from the first line. Handles CSV (with or without header), tab-separated (ml-100k `u.data`),
 * `::`-separated (ml-1m `ratings.dat`), semicolon-, pipe- and whitespace-separated files, MovieLens
 * directories, and S3-Rec sequence files.
 * @module
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { NotFoundError, ValidationError, throwIfAborted } from '../core/errors.js';
import { InteractionLogBuilder } from '../core/interaction-log.js';
import type { InteractionLog } from '../core/interaction-log.js';
import { listColumns, normaliseHeader } from './csv-columns.js';
import { CSV_COLUMN_ALIASES } from './csv-records.js';
import { WHITESPACE_DELIMITER, detectDelimiter } from './detect-delimiter.js';
import { lineError, quoteValue } from './line-error.js';
import { epochToMillis, parseTimestamp } from './parse-timestamp.js';
import { readSourceBytes } from './read-source-file.js';

export { WHITESPACE_DELIMITER, detectDelimiter } from './detect-delimiter.js';

/** Options of {@link readInteractionFile}. */
export interface ReadInteractionFileOptions {
  /**
   * Field delimiter: `::`, `\t`, `,`, `;`, `|`, or {@link WHITESPACE_DELIMITER} (also `' '`) for runs
   * of spaces and tabs. Detected from the first non-empty line when omitted.
   */
  delimiter?: string;
  /** Whether the first line is a header; detected when omitted (see {@link parseInteractionText}). */
  hasHeader?: boolean;
  /**
   * Columns by header name or 0-based index, as `CsvMapping.columns` of the importer (`user`,
   * `item`, `value` (or `rating`), `timestamp`); they win over the built-in header names.
   */
  columns?: Record<string, string | number>;
  /** `s3rec`: each line is `user item1 item2 …`; value 1, timestamp = 0-based position in the line. */
  format?: 'delimited' | 's3rec';
  /** Aborts the read and the parse. */
  signal?: AbortSignal;
}

/** Ratings files looked for, in order, when a directory is given. */
export const RATINGS_FILE_NAMES: readonly string[] = ['ratings.csv', 'ratings.dat', 'u.data', 'ratings.tsv', 'ratings.txt'];

/** Header names of each column: the importer's names for the same event fields (`CSV_COLUMN_ALIASES`), so a header reads alike in both. */
const HEADER_ALIASES = {
  user: eventAliases('user'),
  item: eventAliases('item'),
  rating: eventAliases('value'),
  timestamp: eventAliases('timestamp'),
} as const;

function eventAliases(field: string): readonly string[] {
  const spec = CSV_COLUMN_ALIASES.events.find((c) => c.field === field);
  if (spec === undefined) throw new Error(`no event column "${field}" in CSV_COLUMN_ALIASES`);
  return spec.aliases;
}

type Column = keyof typeof HEADER_ALIASES;

const ABORT_CHECK_EVERY = 1 << 16;
const NUMERIC = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/;

/** Field boundaries of one line, reused for every line. */
class FieldSpans {
  readonly starts: Int32Array;
  readonly ends: Int32Array;
  count = 0;

  constructor(readonly capacity: number) {
    this.starts = new Int32Array(capacity);
    this.ends = new Int32Array(capacity);
  }

  /** Splits `text[from, to)` into at most `capacity` fields (the last one ends at the next delimiter). */
  split(text: string, from: number, to: number, delimiter: string): void {
    let count = 0;
    if (delimiter === WHITESPACE_DELIMITER) {
      let pos = from;
      while (count < this.capacity) {
        while (pos < to && isBlank(text.charCodeAt(pos))) pos++;
        if (pos >= to) break;
        const start = pos;
        while (pos < to && !isBlank(text.charCodeAt(pos))) pos++;
        this.set(count++, text, start, pos);
      }
    } else {
      let pos = from;
      const width = delimiter.length;
      while (count < this.capacity) {
        let end = text.indexOf(delimiter, pos);
        if (end === -1 || end > to) end = to;
        this.set(count++, text, pos, end);
        if (end >= to) break;
        pos = end + width;
      }
    }
    this.count = count;
  }

  /** Stores a field with surrounding blanks and one pair of double quotes removed. */
  private set(index: number, text: string, start: number, end: number): void {
    while (start < end && isBlank(text.charCodeAt(start))) start++;
    while (end > start && isBlank(text.charCodeAt(end - 1))) end--;
    if (end - start >= 2 && text.charCodeAt(start) === 34 && text.charCodeAt(end - 1) === 34) {
      start++;
      end--;
    }
    this.starts[index] = start;
    this.ends[index] = end;
  }
}

/**
 * Plain decimal `[-]digits[.digits]` (at most 15 digits) read straight from char codes, so the hot
 * loop slices no string for numbers; NaN for anything else (the caller then falls back to `Number`).
 */
function fastDecimal(text: string, start: number, end: number): number {
  if (start >= end) return Number.NaN;
  let pos = start;
  const negative = text.charCodeAt(pos) === 45;
  if (negative) pos++;
  let whole = 0;
  let digits = 0;
  for (; pos < end; pos++, digits++) {
    const code = text.charCodeAt(pos) - 48;
    if (code < 0 || code > 9) break;
    whole = whole * 10 + code;
  }
  let scale = 1;
  if (pos < end && text.charCodeAt(pos) === 46) {
    pos++;
    for (; pos < end && digits <= 15; pos++, digits++) {
      const code = text.charCodeAt(pos) - 48;
      if (code < 0 || code > 9) return Number.NaN;
      whole = whole * 10 + code;
      scale *= 10;
    }
  }
  // At most 15 digits: `whole` and `scale` are exact, so one division rounds exactly like Number().
  if (pos !== end || digits === 0 || digits > 15) return Number.NaN;
  const value = whole / scale;
  return negative ? -value : value;
}

function isBlank(code: number): boolean {
  return code === 32 || code === 9 || code === 13;
}

/** Positions of the columns in a delimited file; -1 when absent. */
interface ColumnLayout {
  user: number;
  item: number;
  rating: number;
  timestamp: number;
}

/**
 * Calls `onLine(start, end, line)` for every line of `text` that is neither blank nor a comment
 * (`#` or `%` first); `end` excludes `\r\n`.
 */
function scanLines(text: string, signal: AbortSignal | undefined, onLine: (start: number, end: number, line: number) => boolean | void): void {
  let start = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 0;
  const length = text.length;
  while (start < length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = length;
    line++;
    if ((line & (ABORT_CHECK_EVERY - 1)) === 0) throwIfAborted(signal);
    let stop = end;
    if (stop > start && text.charCodeAt(stop - 1) === 13) stop--;
    let first = start;
    while (first < stop && isBlank(text.charCodeAt(first))) first++;
    const code = text.charCodeAt(first);
    if (first < stop && code !== 35 && code !== 37) {
      if (onLine(start, stop, line) === false) return;
    }
    start = end + 1;
  }
}

/**
 * Parses the text of an interaction file (see {@link readInteractionFile}). `file` names the source
 * in errors. Header detection when `hasHeader` is omitted: the first line is a header when its
 * third field is not numeric, or when any of its fields is a known column name (`userId`, `item`,
 * `rating`, …); header columns are then found by name in any order. Without a rating column every
 * value is 1; without a timestamp column the timestamp is the 0-based line order. Numeric
 * timestamps are unix seconds below 1e11 and ms above (see `parseTimestamp`); ISO 8601 text works.
 */
export function parseInteractionText(text: string, file: string, options: Omit<ReadInteractionFileOptions, 'signal'> & { signal?: AbortSignal | undefined } = {}): InteractionLog {
  const builder = new InteractionLogBuilder();
  if (options.format === 's3rec') {
    parseS3RecText(text, file, builder, options.signal);
    return builder.build();
  }

  let delimiter = options.delimiter === ' ' ? WHITESPACE_DELIMITER : options.delimiter;
  let layout: ColumnLayout | undefined;
  let fields: FieldSpans | undefined;
  let needed = 0;
  let row = 0;

  const error = (line: number, field: Column, problem: string, value?: string): ValidationError =>
    lineError({ file, line, field }, problem, value === undefined ? {} : { value });

  scanLines(text, options.signal, (start, end, line) => {
    if (layout === undefined || fields === undefined) {
      const first = text.slice(start, end);
      delimiter ??= detectDelimiter(first);
      const probe = new FieldSpans(64);
      probe.split(text, start, end, delimiter);
      const cells: string[] = [];
      for (let k = 0; k < probe.count; k++) cells.push(text.slice(probe.starts[k], probe.ends[k]));
      const overrides = columnOverrides(options.columns);
      const named = Object.values(overrides).filter((c): c is string => typeof c === 'string').map(normaliseHeader);
      const isHeader = options.hasHeader ?? (looksLikeHeader(cells) || cells.some((cell) => named.includes(normaliseHeader(cell))));
      const positional: ColumnLayout = { user: 0, item: 1, rating: cells.length >= 3 ? 2 : -1, timestamp: cells.length >= 4 ? 3 : -1 };
      for (const [column, index] of Object.entries(overrides)) if (typeof index === 'number') positional[column as Column] = index;
      // A header the caller vouches for but whose names we do not know keeps the positional layout.
      layout = isHeader ? (headerLayout(cells, file, line, options.hasHeader === true, overrides) ?? positional) : positional;
      needed = Math.max(layout.user, layout.item, layout.rating, layout.timestamp) + 1;
      fields = new FieldSpans(needed);
      if (isHeader) return;
    }
    fields.split(text, start, end, delimiter ?? ',');
    const count = fields.count;
    if (count < needed) {
      const missing = (['user', 'item', 'rating', 'timestamp'] as const).find((c) => layout !== undefined && layout[c] >= count);
      throw error(line, missing ?? 'user', `missing (expected at least ${needed} fields, got ${fields.count})`);
    }
    const { starts, ends } = fields;
    const u = layout.user;
    const i = layout.item;
    if (ends[u] === starts[u]) throw error(line, 'user', 'expected an id, got an empty value');
    if (ends[i] === starts[i]) throw error(line, 'item', 'expected an id, got an empty value');
    let value = 1;
    if (layout.rating >= 0) {
      const r = layout.rating;
      value = fastDecimal(text, starts[r], ends[r]);
      if (Number.isNaN(value)) {
        const raw = text.slice(starts[r], ends[r]);
        value = raw.length === 0 ? Number.NaN : Number(raw);
        if (!Number.isFinite(value)) throw error(line, 'rating', `expected a number, got ${quoteValue(raw)}`, raw);
      }
    }
    let timestamp = row;
    if (layout.timestamp >= 0) {
      const c = layout.timestamp;
      const numeric = fastDecimal(text, starts[c], ends[c]);
      if (Number.isNaN(numeric)) {
        const raw = text.slice(starts[c], ends[c]);
        const ms = parseTimestamp(raw);
        if (ms === undefined) throw error(line, 'timestamp', `expected a timestamp (unix seconds, ms or ISO 8601), got ${quoteValue(raw)}`, raw);
        timestamp = ms;
      } else timestamp = epochToMillis(numeric);
    }
    builder.add(text.slice(starts[u], ends[u]), text.slice(starts[i], ends[i]), value, timestamp);
    row++;
  });
  return builder.build();
}

function looksLikeHeader(cells: readonly string[]): boolean {
  const third = cells[2];
  if (third !== undefined && !NUMERIC.test(third)) return true;
  const names = new Set<string>(Object.values(HEADER_ALIASES).flat());
  return cells.some((cell) => names.has(normaliseHeader(cell)));
}

/** The importer's field names (`value`) as this reader's columns (`rating`); unknown fields refused. */
function columnOverrides(columns: Record<string, string | number> | undefined): Partial<Record<Column, string | number>> {
  const out: Partial<Record<Column, string | number>> = {};
  for (const [field, column] of Object.entries(columns ?? {})) {
    const name = field === 'value' ? 'rating' : field;
    if (!(name in HEADER_ALIASES)) {
      throw new ValidationError(`column mapping: unknown field "${field}" (an interaction file has user, item, value, timestamp)`, { details: { field } });
    }
    out[name as Column] = column;
  }
  return out;
}

function headerLayout(cells: readonly string[], file: string, line: number, declared: boolean, overrides: Partial<Record<Column, string | number>> = {}): ColumnLayout | undefined {
  const names = cells.map(normaliseHeader);
  const find = (column: Column): number => {
    const override = overrides[column];
    if (override === undefined) return names.findIndex((name) => (HEADER_ALIASES[column]).includes(name));
    const index = typeof override === 'number' ? override : names.indexOf(normaliseHeader(override));
    if (index < 0 || index >= cells.length) {
      throw lineError({ file, line, field: column }, `mapped column ${JSON.stringify(override)} is not in the header (columns found: ${listColumns(cells)})`, { header: [...cells] });
    }
    return index;
  };
  const layout: ColumnLayout = { user: find('user'), item: find('item'), rating: find('rating'), timestamp: find('timestamp') };
  const known = Object.values(layout).some((index) => index >= 0);
  if (!known) {
    if (declared) return undefined;
    // Nothing in the "header" is a column name: more likely a data line with a bad rating.
    const third = cells[2] ?? '';
    throw lineError({ file, line, field: 'rating' }, `expected a number, got ${quoteValue(third)}`, { value: third });
  }
  for (const column of ['user', 'item'] as const) {
    if (layout[column] < 0) {
      throw lineError({ file, line, field: column }, `missing column: the header has none of ${HEADER_ALIASES[column].join(', ')} (columns found: ${listColumns(cells)}); name the column with --map ${column}=<column>`, {
        header: [...cells],
      });
    }
  }
  return layout;
}

function parseS3RecText(text: string, file: string, builder: InteractionLogBuilder, signal: AbortSignal | undefined): void {
  let spans = new FieldSpans(1024);
  scanLines(text, signal, (start, end, line) => {
    spans.split(text, start, end, WHITESPACE_DELIMITER);
    while (spans.count === spans.capacity) {
      // A sequence longer than the buffer: grow and split again.
      spans = new FieldSpans(spans.capacity * 2);
      spans.split(text, start, end, WHITESPACE_DELIMITER);
    }
    const userId = text.slice(spans.starts[0], spans.ends[0]);
    if (userId.length === 0) throw lineError({ file, line, field: 'user' }, 'expected an id, got an empty value');
    for (let k = 1; k < spans.count; k++) builder.add(userId, text.slice(spans.starts[k], spans.ends[k]), 1, k - 1);
  });
}

/** Finds the ratings file of a dataset directory (or the S3-Rec sequence file when `s3rec`). */
async function resolveInteractionPath(path: string, format: ReadInteractionFileOptions['format']): Promise<string> {
  let info;
  try {
    info = await stat(path);
  } catch (error) {
    throw new NotFoundError(`${path}: no such file or directory`, { cause: error, details: { file: path } });
  }
  if (!info.isDirectory()) return path;
  const names = await readdir(path);
  if (format === 's3rec') {
    const sequences = names.filter((name) => name.endsWith('.txt') && !name.endsWith('_user_sequence.txt') && !/readme/i.test(name));
    if (sequences.length === 1) return join(path, sequences[0]);
  } else {
    const name = RATINGS_FILE_NAMES.find((candidate) => names.includes(candidate));
    if (name !== undefined) return join(path, name);
  }
  throw new NotFoundError(
    format === 's3rec'
      ? `${path}: expected exactly one S3-Rec sequence file (*.txt) in the directory`
      : `${path}: no ratings file (looked for ${RATINGS_FILE_NAMES.join(', ')})`,
    { details: { file: path } },
  );
}

/**
 * Reads an interaction file (or a MovieLens directory's ratings file) into a columnar
 * {@link InteractionLog}. Auto-detects the delimiter from the first non-empty line (`::`, tab,
 * comma, semicolon, pipe, whitespace) and the header (see {@link parseInteractionText}). Lines that
 * are blank or start with `#` / `%` are skipped; fields may be wrapped in double quotes but quoted
 * delimiters are not supported (use the CSV importer for that). Throws {@link ValidationError}
 * naming file, line and field.
 * @example
 * const log = await readInteractionFile('../shared/datasets/ml-100k/u.data'); // tab-separated
 * logLength(log); // 100000
 */
export async function readInteractionFile(path: string, options: ReadInteractionFileOptions = {}): Promise<InteractionLog> {
  const file = await resolveInteractionPath(path, options.format);
  throwIfAborted(options.signal);
  const bytes = await readSourceBytes(file, options.signal);
  return parseInteractionText(bytes.toString('utf8'), file, options);
}
