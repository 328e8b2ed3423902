/**
 * The erasure log in PostgreSQL (`erasures`): appended by `users.delete` inside its transaction
 * ({@link recordErasure}). Ids come from the `erasures` counter, whose row lock is held to commit,
 * so ids increase in commit order across concurrent deletions, as the port requires.
 * @module
 */
import type { CallOptions, Erasure, ErasureStore } from '../storage.js';
import { validateInteger } from '../validation.js';
import type { PgQueryFn, PostgresCalls } from './postgres-calls.js';

interface ErasureRow {
  id: number;
  first_seq: number;
  at: number;
}

/**
 * Appends the erasure of `userId` when they have events: call inside the deletion's transaction,
 * before their events are deleted. Returns the entry, or undefined when they had no events.
 */
export async function recordErasure(query: PgQueryFn, userId: string, at: number): Promise<Erasure | undefined> {
  const { rows } = await query<{ first: number | null }>('SELECT MIN(seq) AS first FROM events WHERE user_id = $1', [userId]);
  const first = rows[0].first;
  if (first === null) return undefined;
  const id = (await query<{ value: number }>("UPDATE counters SET value = value + 1 WHERE name = 'erasures' RETURNING value")).rows[0].value;
  await query('INSERT INTO erasures (id, first_seq, at) VALUES ($1, $2, $3)', [id, first, at]);
  return { id, firstSeq: first, at };
}

/** Inside the caller's transaction: writes erasures with their ids (a copy) and raises the counter. */
export async function insertErasures(query: PgQueryFn, erasures: readonly Erasure[]): Promise<void> {
  if (erasures.length === 0) return;
  await query("UPDATE counters SET value = GREATEST(value, $1) WHERE name = 'erasures'", [Math.max(...erasures.map((e) => e.id))]);
  await query('INSERT INTO erasures (id, first_seq, at) SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::float8[])', [
    erasures.map((e) => e.id),
    erasures.map((e) => e.firstSeq),
    erasures.map((e) => e.at),
  ]);
}

/** The {@link ErasureStore} of one PostgreSQL storage. */
export function createPostgresErasureStore({ enter, read }: PostgresCalls): ErasureStore {
  return {
    async list(options: CallOptions & { afterId?: number } = {}) {
      enter(options.signal);
      const afterId = validateInteger('afterId', options.afterId, 0, 0);
      return read('erasures.list', options.signal, async (query) =>
        (await query<ErasureRow>('SELECT id, first_seq, at FROM erasures WHERE id > $1 ORDER BY id', [afterId])).rows.map(
          (row): Erasure => ({ id: row.id, firstSeq: row.first_seq, at: row.at }),
        ),
      );
    },
    async lastId(options?: CallOptions) {
      return read('erasures.lastId', options?.signal, async (query) => (await query<{ value: number }>("SELECT value FROM counters WHERE name = 'erasures'")).rows[0].value);
    },
  };
}
