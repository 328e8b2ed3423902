/**
 * The catalogue's change log in PostgreSQL (`changes`), written by a trigger on `items` (migration
 * 3) in the transaction of each item write, numbered through a counter row held to commit.
 * @module
 */
import type { CallOptions, ChangeKind, ChangeStore, StoredChange } from '../storage.js';
import { validateBefore, validateChangesSince } from '../validation.js';
import type { PostgresCalls } from './postgres-calls.js';

interface ChangeRow {
  seq: string | number;
  kind: ChangeKind;
  id: string;
  at: number;
}

/** The {@link ChangeStore} of one PostgreSQL storage. */
export function createPostgresChangeStore({ enter, read, write }: PostgresCalls): ChangeStore {
  return {
    async since(afterSeq: number, options?: CallOptions & { limit?: number }) {
      enter(options?.signal);
      const limit = validateChangesSince(afterSeq, options?.limit);
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
      validateBefore(before);
      return write('changes.deleteBefore', options?.signal, async (query) => (await query('DELETE FROM changes WHERE at < $1', [before])).rowCount ?? 0);
    },
  };
}
