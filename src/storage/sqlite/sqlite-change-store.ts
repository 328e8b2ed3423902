/**
 * The catalogue's change log in SQLite (`changes`), written by triggers on `items` (migration 10), so
 * every path that writes or deletes an item appends to it in its own transaction, and read by the
 * serving processes that follow it.
 * @module
 */
import type { CallOptions, ChangeKind, ChangeStore, StoredChange } from '../storage.js';
import { validateBefore, validateChangesSince } from '../validation.js';
import type { SqliteCalls } from './sqlite-calls.js';

interface ChangeRow {
  seq: number;
  kind: ChangeKind;
  id: string;
  at: number;
}

/** The {@link ChangeStore} of one SQLite storage. */
export function createSqliteChangeStore({ sql, enter, run, write }: SqliteCalls): ChangeStore {
  return {
    async since(afterSeq: number, options?: CallOptions & { limit?: number }) {
      enter(options?.signal);
      const limit = validateChangesSince(afterSeq, options?.limit);
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
      validateBefore(before);
      return write('changes.deleteBefore', options?.signal, () => sql('DELETE FROM changes WHERE at < ?').run([before]).changes);
    },
  };
}
