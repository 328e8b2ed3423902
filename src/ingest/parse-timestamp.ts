/**
 * Timestamp heuristics shared by the CSV importer and the interaction-file reader: unix seconds,
 * milliseconds, micro- and nanoseconds told apart by magnitude, and ISO 8601 text.
 * @module
 */

/**
 * Magnitude thresholds. 1e11 seconds is the year 5138 and 1e11 ms is March 1973, so a numeric value
 * below 1e11 is read as seconds; the same reasoning separates ms / µs / ns by factors of 1000.
 */
const SECONDS_BELOW = 1e11;
const MILLIS_BELOW = 1e14;
const MICROS_BELOW = 1e17;

const NUMERIC = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const ISO_8601 = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)(Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * Converts a numeric epoch value of unknown unit to ms: below 1e11 seconds, below 1e14 ms, below
 * 1e17 µs, otherwise ns. Returns whole milliseconds.
 */
export function epochToMillis(value: number): number {
  const magnitude = Math.abs(value);
  if (magnitude < SECONDS_BELOW) return Math.round(value * 1000);
  if (magnitude < MILLIS_BELOW) return Math.round(value);
  if (magnitude < MICROS_BELOW) return Math.round(value / 1000);
  return Math.round(value / 1e6);
}

/**
 * Parses a timestamp cell to ms since the epoch, or returns undefined when it is not a timestamp.
 * Numbers go through {@link epochToMillis}; text must be ISO 8601 (`2018-09-24`,
 * `2018-09-24T10:00:00Z`, `2018-09-24 10:00:00+02:00`); a date-time without a zone is read as UTC so
 * the result does not depend on the machine's time zone.
 */
export function parseTimestamp(text: string): number | undefined {
  const trimmed = text.trim();
  if (trimmed.length === 0) return undefined;
  if (NUMERIC.test(trimmed)) {
    const value = Number(trimmed);
    return Number.isFinite(value) ? epochToMillis(value) : undefined;
  }
  const match = ISO_8601.exec(trimmed);
  if (match === null) return undefined;
  const [, date, time, zone] = match;
  const iso = time === undefined ? `${date}T00:00:00Z` : `${date}T${time}${zone ?? 'Z'}`;
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? ms : undefined;
}
