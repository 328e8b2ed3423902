import { describe, expect, it } from 'vitest';
import { ValidationError } from '../core/errors.js';
import { parseDuration } from './parse-duration.js';

describe('parseDuration', () => {
  it('reads milliseconds and unit strings', () => {
    expect(parseDuration(1500)).toBe(1500);
    expect(parseDuration('250')).toBe(250);
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('15m')).toBe(900_000);
    expect(parseDuration('6h')).toBe(21_600_000);
    expect(parseDuration('1d')).toBe(86_400_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration(' 1.5h ')).toBe(5_400_000);
  });

  it('names the field of a bad value', () => {
    for (const bad of [0, -1, Number.NaN, '', 'soon', '6 hours', '5x', '0s', 'h']) {
      expect(() => parseDuration(bad, 'lifecycle.retrainEvery')).toThrow(ValidationError);
    }
    expect(() => parseDuration('soon', 'lifecycle.retrainEvery')).toThrow(/lifecycle\.retrainEvery must be/);
  });
});
