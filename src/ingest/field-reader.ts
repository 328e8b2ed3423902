/**
 * Typed reading of raw text fields with importer-grade errors. One reader per file; the caller moves
 * `line` forward as it goes, so no object is allocated per row.
 * @module
 */
import type { ValidationError } from '../core/errors.js';
import { lineError, quoteValue } from './line-error.js';
import { parseTimestamp } from './parse-timestamp.js';

/** Converts raw cells of one file to typed values, throwing errors that name file, line and field. */
export class FieldReader {
  /** Current 1-based line number; the caller updates it for each row. */
  line = 0;

  /** @param file - file path used in error messages. */
  constructor(readonly file: string) {}

  /** The importer {@link ValidationError} for `field` on the current line (to `throw`). */
  error(field: string, problem: string, extra: Record<string, unknown> = {}): ValidationError {
    return lineError({ file: this.file, line: this.line, field }, problem, extra);
  }

  /** Throws {@link FieldReader.error}. */
  fail(field: string, problem: string, extra: Record<string, unknown> = {}): never {
    throw this.error(field, problem, extra);
  }

  /** A cell that must be present: throws when `raw` is undefined (row too short). */
  present(field: string, raw: string | undefined): string {
    if (raw === undefined) this.fail(field, 'missing (the row has too few fields)');
    return raw;
  }

  /** A non-empty identifier, surrounding whitespace removed. */
  id(field: string, raw: string | undefined): string {
    const value = this.present(field, raw).trim();
    if (value.length === 0) this.fail(field, 'expected an id, got an empty value', { value: raw });
    return value;
  }

  /** A finite number. */
  number(field: string, raw: string | undefined): number {
    const text = this.present(field, raw).trim();
    const value = text.length === 0 ? Number.NaN : Number(text);
    if (!Number.isFinite(value)) this.fail(field, `expected a number, got ${quoteValue(text)}`, { value: text });
    return value;
  }

  /** A finite number, or undefined when the cell is absent or empty. */
  optionalNumber(field: string, raw: string | undefined): number | undefined {
    if (raw === undefined || raw.trim().length === 0) return undefined;
    return this.number(field, raw);
  }

  /** A safe integer. */
  integer(field: string, raw: string | undefined): number {
    const text = this.present(field, raw).trim();
    const value = /^[+-]?\d+$/.test(text) ? Number(text) : Number.NaN;
    if (!Number.isSafeInteger(value)) this.fail(field, `expected an integer, got ${quoteValue(text)}`, { value: text });
    return value;
  }

  /** A timestamp (unix seconds / ms / µs / ns or ISO 8601) converted to ms; see {@link parseTimestamp}. */
  timestamp(field: string, raw: string | undefined): number {
    const text = this.present(field, raw).trim();
    const value = parseTimestamp(text);
    if (value === undefined) {
      this.fail(field, `expected a timestamp (unix seconds, ms or ISO 8601), got ${quoteValue(text)}`, { value: text });
    }
    return value;
  }

  /**
   * Records that `id` was seen on the current line; throws when `seen` already holds it, naming the
   * line of the first occurrence (storage rejects a batch that repeats an id).
   */
  unique(field: string, id: string, seen: Map<string, number>): void {
    const first = seen.get(id);
    if (first !== undefined) this.fail(field, `duplicate id ${quoteValue(id)} (first on line ${first})`, { value: id, firstLine: first });
    seen.set(id, this.line);
  }

  /** A boolean written as true/false, 1/0, yes/no (any case). */
  boolean(field: string, raw: string | undefined): boolean {
    const text = this.present(field, raw).trim().toLowerCase();
    if (text === 'true' || text === '1' || text === 'yes') return true;
    if (text === 'false' || text === '0' || text === 'no') return false;
    this.fail(field, `expected true or false, got ${quoteValue(text)}`, { value: text });
  }
}
