/**
 * One error shape for every importer: a {@link ValidationError} whose message and `details` name the
 * file, the 1-based line and the field, so a person can open the file at the right place and a
 * program can highlight it.
 * @module
 */
import { ValidationError } from '../core/errors.js';

/** Where a problem is: file path as given by the caller, 1-based line, and field (column or JSON path). */
export interface LineLocation {
  /** File path as the caller gave it. */
  file: string;
  /** 1-based line number (for a multi-line quoted CSV record, the line where the record ends). */
  line: number;
  /** Field name: a column name such as `rating`, or a JSON path such as `attributes.genres[0]`. */
  field: string;
}

/** Longest offending value quoted in a message; longer values are cut so messages stay readable. */
const MAX_QUOTED = 60;

/** Quotes a raw value for a message, cut to a readable length. */
export function quoteValue(value: string): string {
  const cut = value.length > MAX_QUOTED ? `${value.slice(0, MAX_QUOTED)}…` : value;
  return JSON.stringify(cut);
}

/**
 * Builds the importers' {@link ValidationError}: message `FILE line N: field "F": PROBLEM`, details
 * `{file, line, field, ...extra}`.
 * @example
 * throw lineError({ file: 'ratings.csv', line: 12, field: 'rating' }, 'expected a number, got "abc"', { value: 'abc' });
 */
export function lineError(location: LineLocation, problem: string, extra: Record<string, unknown> = {}): ValidationError {
  const { file, line, field } = location;
  return new ValidationError(`${file} line ${line}: field "${field}": ${problem}`, {
    details: { ...extra, file, line, field },
  });
}
