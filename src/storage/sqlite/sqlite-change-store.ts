/**
 * The catalogue's change log in SQLite (`changes`), written by triggers on `items` (migration 10), so
 * every path that writes or deletes an item appends to it in its own transaction, and read by the
 * serving processes that follow it.
 * @module
 */
import { ValidationError } from '../../core/errors.js';
import type { CallOptions, ChangeKind, ChangeStore, StoredChange } from '../storage.js';
import type { SqliteCalls } from './sqlite-calls.js';

/** Most entries one `since` call returns. */
const MAX_LIMIT = 100_000;

interface ChangeRow {
  seq: number;
  kind: ChangeKind;
  id: string;
  at: number;
}

function checkSeq(field: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new ValidationError(`${field} must be a non-negative integer, got ${value}`, { details: { field, value } });
}

/** The {@link ChangeStore} of one SQLite storage. */
export function createSqliteChangeStore({ sql, enter, run, write }: SqliteCalls): ChangeStore {
  return {
    async since(afterSeq: number, options?: CallOptions & { limit?: number }) {
      enter(options?.signal);
      checkSeq('afterSeq', afterSeq);
      const limit = options?.limit ?? 1000;
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) throw new ValidationError(`limit must be an integer between 1 and ${MAX_LIMIT}, got ${limit}`, { details: { field: 'limit', value: limit } });
      return run('changes.since', options?.signal, () =>
        (sql('SELECT seq, kind, id, at FROM changes WHERE seq > ? ORDER BY seq LIMIT ?').all([afterSeq, limit]) as ChangeRow[]).map((r): StoredChange => ({ seq: r.seq, kind: r.kind, id: r.id, at: r.at })),
      );
    },
    async lastSeq(options?: CallOptions) {
      enter(options?.signal);
      return run('changes.lastSeq', options?.signal, () => (sql('SELECT MAX(seq) AS seq FROM changes').get([]) as { seq: number | null }).seq ?? 0);
    },
    async deleteBefore(before: number, options?: CallOptions) {
      enter(options?.signal);
      if (!Number.isFinite(before)) throw new ValidationError(`before must be a time in ms, got ${before}`, { details: { field: 'before', value: before } });
      return write('changes.deleteBefore', options?.signal, () => sql('DELETE FROM changes WHERE at < ?').run([before]).changes);
    },
  };
}
