/**
 * The release year that MovieLens writes at the end of a title, e.g. `Toy Story (1995)`.
 * @module
 */

/** `(1995)` or a range such as `(2006–2007)` at the end of a title; the first year is taken. */
const TRAILING_YEAR = /\((\d{4})(?:\s*[–-]\s*(?:\d{4})?)?\)\s*$/;

/** The year in parentheses at the end of `title`, or undefined when there is none. */
export function movieTitleYear(title: string): number | undefined {
  const match = TRAILING_YEAR.exec(title);
  return match === null ? undefined : Number(match[1]);
}
