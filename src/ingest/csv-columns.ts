/**
 * Finding record fields among CSV header cells, by exact name or by alias, with importer errors when
 * a required column is missing.
 * @module
 */
import { lineError } from './line-error.js';

/** A record field and the header names that may hold it. */
export interface ColumnSpec {
  /** Record field, e.g. `user`. */
  field: string;
  /** Accepted header names, compared after {@link normaliseHeader}. */
  aliases: readonly string[];
  /** Whether the column must be present. */
  required: boolean;
}

/** Lower-cases and drops everything but letters and digits: `User_ID`, `user id` and `userId` all match `userid`. */
export function normaliseHeader(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/**
 * Maps each field of `specs` to its 0-based column in `header`. `overrides` (field → header name or
 * index) win over aliases. Throws naming `file`, `line` and the field when a required column is
 * missing or an override names no column.
 */
export function resolveColumns(
  header: readonly string[],
  specs: readonly ColumnSpec[],
  location: { file: string; line: number },
  overrides: Record<string, string | number> = {},
): Map<string, number> {
  const normalised = header.map(normaliseHeader);
  const columns = new Map<string, number>();
  for (const spec of specs) {
    const override = overrides[spec.field];
    if (override !== undefined) {
      const index = typeof override === 'number' ? override : normalised.indexOf(normaliseHeader(override));
      if (index < 0 || index >= header.length) {
        throw lineError({ ...location, field: spec.field }, `mapped column ${JSON.stringify(override)} is not in the header (columns found: ${listColumns(header)})`, {
          header: [...header],
        });
      }
      columns.set(spec.field, index);
      continue;
    }
    const index = normalised.findIndex((name) => spec.aliases.includes(name));
    if (index >= 0) columns.set(spec.field, index);
    else if (spec.required) {
      throw lineError(
        { ...location, field: spec.field },
        missingColumnMessage(header, spec),
        { header: [...header] },
      );
    }
  }
  return columns;
}

/** `"userID", "artistID", "weight"`: the header cells as found. */
export function listColumns(header: readonly string[]): string {
  return header.map((cell) => JSON.stringify(cell.trim())).join(', ');
}

/**
 * The message for a field no header cell holds: the columns found, the names expected, and how to
 * map one (`--map` on the command line, `mapping.columns` in code).
 */
export function missingColumnMessage(header: readonly string[], spec: ColumnSpec): string {
  return (
    `missing column: the header has none of ${spec.aliases.map((a) => JSON.stringify(a)).join(', ')} (columns found: ${listColumns(header)}); ` +
    `name the column with --map ${spec.field}=<column> (option mapping.columns)`
  );
}
