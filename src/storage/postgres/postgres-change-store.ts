/**
 * The catalogue's change log in PostgreSQL (`changes`), written by a trigger on `items` (migration
 * 3) in the transaction of each item write, numbered through a counter row held to commit.
 * @module
 */
import { ValidationError } from '../../core/errors.js';
import type { CallOptions, ChangeKind, ChangeStore, StoredChange } from '../storage.js';
import type { PostgresCalls } from './postgres-calls.js';

/** Most entries one `since` call returns. */
const MAX_LIMIT = 100_000;

interface ChangeRow {
  seq: string | number;
  kind: ChangeKind;
  id: string;
  at: number;
}

function checkSeq(field: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new ValidationError(`${field} must be a non-negative integer, got ${value}`, { details: { field, value } });
}

/** The {@link ChangeStore} of one PostgreSQL storage. */
export function createPostgresChangeStore({ enter, read, write }: PostgresCalls): ChangeStore {
  return {
    async since(afterSeq: number, options?: CallOptions & { limit?: number }) {
      enter(options?.signal);
      checkSeq('afterSeq', afterSeq);
      const limit = options?.limit ?? 1000;
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) throw new ValidationError(`limit must be an integer between 1 and ${MAX_LIMIT}, got ${limit}`, { details: { field: 'limit', value: limit } });
      return read('changes.since', options?.signal, async (query) =>
        (await query<ChangeRow>('SELECT seq, kind, id, at FROM changes WHERE seq > $1 ORDER BY seq LIMIT $2', [afterSeq, limit])).rows.map(
          (r): StoredChange => ({ seq: Number(r.seq), kind: r.kind, id: r.id, at: Number(r.at) }),
        ),
      );
    },
    async lastSeq(options?: CallOptions) {
      enter(options?.signal);
      return read('changes.lastSeq', options?.signal, async (query) => Number((await query<{ seq: string | null }>('SELECT MAX(seq) AS seq FROM changes')).rows[0]?.seq ?? 0));
    },
    async deleteBefore(before: number, options?: CallOptions) {
      enter(options?.signal);
      if (!Number.isFinite(before)) throw new ValidationError(`before must be a time in ms, got ${before}`, { details: { field: 'before', value: before } });
      return write('changes.deleteBefore', options?.signal, async (query) => (await query('DELETE FROM changes WHERE at < $1', [before])).rowCount ?? 0);
    },
  };
}
