/**
 * The erasure log in SQLite (`erasures`): appended by `users.delete` inside its own transaction
 * ({@link recordErasure}), read by the model purge. SQLite has one writer at a time, so ids
 * (AUTOINCREMENT, never reused) increase in commit order, as the port requires.
 * @module
 */
import type { CallOptions, Erasure, ErasureStore } from '../storage.js';
import { validateInteger } from '../validation.js';
import type { SqliteCalls } from './sqlite-calls.js';

interface ErasureRow {
  id: number;
  first_seq: number;
  at: number;
}

/**
 * Appends the erasure of `userId` when they have events: call inside the deletion's transaction,
 * before their events are deleted. Returns the entry, or undefined when they had no events.
 */
export function recordErasure(sql: SqliteCalls['sql'], userId: string, at: number): Erasure | undefined {
  const { first } = sql('SELECT MIN(seq) AS first FROM events WHERE user_id = ?').get([userId]) as { first: number | null };
  if (first === null) return undefined;
  const id = Number(sql('INSERT INTO erasures (first_seq, at) VALUES (?, ?)').run([first, at]).lastInsertRowid);
  return { id, firstSeq: first, at };
}

/** The {@link ErasureStore} of one SQLite storage. */
export function createSqliteErasureStore({ sql, enter, run }: SqliteCalls): ErasureStore {
  return {
    async list(options: CallOptions & { afterId?: number } = {}) {
      enter(options.signal);
      const afterId = validateInteger('afterId', options.afterId, 0, 0);
      return run('erasures.list', options.signal, () =>
        (sql('SELECT id, first_seq, at FROM erasures WHERE id > ? ORDER BY id').all([afterId]) as ErasureRow[]).map(
          (row): Erasure => ({ id: row.id, firstSeq: row.first_seq, at: row.at }),
        ),
      );
    },
    async lastId(options?: CallOptions) {
      return run('erasures.lastId', options?.signal, () => {
        // sqlite_sequence holds the highest id ever assigned, so it never moves back if rows are pruned.
        const row = sql("SELECT seq FROM sqlite_sequence WHERE name = 'erasures'").get([]) as { seq: number } | undefined;
        return row?.seq ?? 0;
      });
    },
  };
}
