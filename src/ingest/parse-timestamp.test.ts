/**
 * Timestamp heuristics.
 * @module
 */
import { describe, expect, it } from 'vitest';
import { epochToMillis, parseTimestamp } from './parse-timestamp.js';

describe('parseTimestamp', () => {
  it('tells seconds, ms, µs and ns apart by magnitude', () => {
    expect(epochToMillis(964982703)).toBe(964982703000);
    expect(epochToMillis(964982703.5)).toBe(964982703500);
    expect(epochToMillis(1704164645000)).toBe(1704164645000);
    expect(epochToMillis(1704164645000123)).toBe(1704164645000);
    expect(epochToMillis(1704164645000123456)).toBe(1704164645000);
    expect(parseTimestamp(' 964982703 ')).toBe(964982703000);
    expect(parseTimestamp('0')).toBe(0);
  });

  it('reads ISO 8601, treating a zone-less time as UTC', () => {
    expect(parseTimestamp('2024-01-02')).toBe(Date.UTC(2024, 0, 2));
    expect(parseTimestamp('2024-01-02T03:04:05Z')).toBe(Date.UTC(2024, 0, 2, 3, 4, 5));
    expect(parseTimestamp('2024-01-02 03:04:05')).toBe(Date.UTC(2024, 0, 2, 3, 4, 5));
    expect(parseTimestamp('2024-01-02T03:04:05.250+02:00')).toBe(Date.UTC(2024, 0, 2, 1, 4, 5, 250));
  });

  it('rejects anything else', () => {
    for (const text of ['', 'yesterday', '01/02/2024', '2024-13-45', 'NaN', 'Infinity']) expect(parseTimestamp(text)).toBeUndefined();
  });
});
