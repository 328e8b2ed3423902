/**
 * Durations in configuration: a number of milliseconds, or a string such as `90s`, `15m`, `6h`,
 * `1d`, `1h30m` or `250ms`.
 * @module
 */
import { ValidationError } from '../core/errors.js';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * Milliseconds in `value`; `ValidationError` naming `field` when it is not a positive duration.
 * @example
 * parseDuration('6h'); // 21600000
 * parseDuration('1h30m'); // 5400000
 */
export function parseDuration(value: number | string, field = 'duration'): number {
  if (typeof value === 'number') {
    if (Number.isFinite(value) && value > 0) return value;
  } else {
    const text = value.trim().toLowerCase();
    if (/^\d+(\.\d+)?$/.test(text) && Number(text) > 0) return Number(text);
    const parts = [...text.matchAll(/(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)/g)];
    if (parts.length > 0 && parts.map((p) => p[0]).join('') === text.replace(/\s+/g, '')) {
      const ms = parts.reduce((sum, p) => sum + Number(p[1]) * UNIT_MS[p[2]], 0);
      if (ms > 0) return ms;
    }
  }
  throw new ValidationError(`${field} must be a positive number of milliseconds or a duration such as "90s", "15m", "6h", "1d", got ${JSON.stringify(value)}`, {
    details: { field, value },
  });
}
