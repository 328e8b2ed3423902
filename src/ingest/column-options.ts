/**
 * The column options `lmrec import` and `lmrec evaluate` share, parsed once: `--delimiter` (`tab`,
 * `\t`, `,`, `;`, `|`, `::`, `whitespace`), `--map user=<column>,item=<column>,value=<column>,timestamp=<column>`
 * (a header name, or a 0-based index) and `--header` / `--no-header`. Both commands turn them into a
 * {@link CsvMapping}; evaluation's fast reader takes the same mapping (`readInteractionFile`'s
 * `mapping` option), so one set of flags reads a file the same way in both.
 * @module
 */
import { ValidationError } from '../core/errors.js';
import type { CsvMapping } from './import-source.js';

/** Delimiter names accepted besides the characters themselves. */
const DELIMITER_NAMES: Readonly<Record<string, string>> = { tab: '\t', '\\t': '\t', comma: ',', semicolon: ';', pipe: '|', space: ' ', whitespace: ' ' };

/** `--delimiter` as typed (`tab`, `\t`, `::`, …) → the delimiter itself. */
export function parseDelimiterOption(value: string): string {
  const named = DELIMITER_NAMES[value.toLowerCase()];
  if (named !== undefined) return named;
  if (value.length === 0) throw new ValidationError('--delimiter must not be empty (tab, comma, semicolon, pipe, whitespace, or the characters)', { details: { field: 'delimiter' } });
  return value;
}

/**
 * `--map user=userID,item=artistID,value=weight` → `{ user: 'userID', item: 'artistID', value: 'weight' }`;
 * a number is a 0-based column index. `rating` is taken as `value`.
 */
export function parseColumnMap(spec: string): Record<string, string | number> {
  const columns: Record<string, string | number> = {};
  for (const part of spec.split(',')) {
    if (part.trim() === '') continue;
    const eq = part.indexOf('=');
    if (eq <= 0 || eq === part.length - 1) {
      throw new ValidationError(`--map expects field=column pairs separated by commas (user=userID,item=artistID), got "${part}"`, { details: { field: 'map', value: part } });
    }
    const field = part.slice(0, eq).trim();
    const column = part.slice(eq + 1).trim();
    columns[field === 'rating' ? 'value' : field] = /^\d+$/.test(column) ? Number(column) : column;
  }
  return columns;
}

/** The shared flags, as Commander hands them over. */
export interface ColumnFlags {
  delimiter?: string;
  map?: string;
  /** `--header` true, `--no-header` false, neither undefined. */
  header?: boolean;
}

/** A {@link CsvMapping} from the shared flags, or undefined when none was given. */
export function mappingFromFlags(flags: ColumnFlags): CsvMapping | undefined {
  const mapping: CsvMapping = {};
  if (flags.delimiter !== undefined) mapping.delimiter = parseDelimiterOption(flags.delimiter);
  if (flags.map !== undefined) mapping.columns = parseColumnMap(flags.map);
  if (flags.header !== undefined) mapping.hasHeader = flags.header;
  return Object.keys(mapping).length === 0 ? undefined : mapping;
}
