/**
 * The delimiter of a delimited file, guessed from its first line the same way by `lmrec import`
 * (the CSV importer) and `lmrec evaluate` (the columnar interaction reader), so one file reads the
 * same in both without `--delimiter`.
 * @module
 */

/** Delimiter name for "one or more spaces or tabs". */
export const WHITESPACE_DELIMITER = 'whitespace';

/** Guesses the delimiter of `line`: `::`, then tab, comma, semicolon, pipe, else whitespace. */
export function detectDelimiter(line: string): string {
  if (line.includes('::')) return '::';
  if (line.includes('\t')) return '\t';
  if (line.includes(',')) return ',';
  if (line.includes(';')) return ';';
  // Before whitespace: a pipe-separated line may have spaces inside its fields.
  if (line.includes('|')) return '|';
  return WHITESPACE_DELIMITER;
}

/** The first non-blank line of `content` (a BOM dropped), or an empty string. */
export function firstLine(content: string | Buffer): string {
  const head = (typeof content === 'string' ? content.slice(0, 65_536) : content.subarray(0, 65_536).toString('utf8')).replace(/^\uFEFF/, '');
  for (const line of head.split(/\r?\n/)) if (line.trim() !== '') return line;
  return '';
}
