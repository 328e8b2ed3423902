import { describe, expect, it } from 'vitest';
import { testBackendEnabled } from './test-backends.js';

describe('LMREC_TEST_BACKENDS', () => {
  it('runs every backend when unset or empty, else only those listed (case and spaces ignored)', () => {
    expect(testBackendEnabled('postgres', {})).toBe(true);
    expect(testBackendEnabled('sqlite', { LMREC_TEST_BACKENDS: ' ' })).toBe(true);
    expect(testBackendEnabled('sqlite', { LMREC_TEST_BACKENDS: 'sqlite' })).toBe(true);
    expect(testBackendEnabled('postgres', { LMREC_TEST_BACKENDS: 'sqlite' })).toBe(false);
    expect(testBackendEnabled('postgres', { LMREC_TEST_BACKENDS: 'SQLite, Postgres' })).toBe(true);
  });
});
