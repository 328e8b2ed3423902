/**
 * Snapshots of derived state in PostgreSQL: one `snapshots` row per name (its JSON description, a
 * version every put raises, the payload's size) and the payload in ordered `bytea` chunks of
 * `snapshot_chunks`, replaced whole in one transaction. A get reads chunk by chunk (a `bytea`
 * arrives as hex text decoded on the caller's thread) and checks at the end that no put replaced
 * the snapshot meanwhile.
 * @module
 */
import type { JsonValue } from '../../core/types.js';
import type { CallOptions, SnapshotStore, StoredSnapshot } from '../storage.js';
import { SNAPSHOT_CHUNK_BYTES, validateKey, validateSnapshot } from '../validation.js';
import { bytesOf } from './pg-driver.js';
import type { PgQueryFn, PostgresCalls } from './postgres-calls.js';

interface HeadRow {
  meta: string;
  version: number;
  chunks: number;
  bytes: number;
  saved_at: number;
}

/**
 * Removes every snapshot; each write that deletes events or inserts them below the latest seq calls
 * it inside its transaction (derived state may hold those events, or lack them).
 */
export async function clearPostgresSnapshots(query: PgQueryFn): Promise<void> {
  await query('DELETE FROM snapshot_chunks');
  await query('DELETE FROM snapshots');
  await query("UPDATE counters SET value = value + 1 WHERE name = 'snapshot-clears'");
}

/** The {@link SnapshotStore} of one PostgreSQL storage. */
export function createPostgresSnapshotStore({ enter, read, write }: PostgresCalls): SnapshotStore {
  const head = (name: string, signal?: AbortSignal): Promise<HeadRow | undefined> =>
    read('snapshots.get', signal, async (query) => (await query<HeadRow>('SELECT meta, version, chunks, bytes, saved_at FROM snapshots WHERE name = $1', [name])).rows[0]);
  return {
    async get(name: string, options?: CallOptions): Promise<StoredSnapshot | undefined> {
      enter(options?.signal);
      validateKey('name', name);
      const first = await head(name, options?.signal);
      if (first === undefined) return undefined;
      const payload = new Uint8Array(first.bytes);
      let at = 0;
      for (let idx = 0; idx < first.chunks; idx++) {
        const row = await read('snapshots.get', options?.signal, async (query) => (await query<{ data: unknown }>('SELECT data FROM snapshot_chunks WHERE name = $1 AND idx = $2', [name, idx])).rows[0]);
        const bytes = row === undefined ? undefined : bytesOf(row.data);
        if (bytes === undefined || at + bytes.length > payload.length) return undefined;
        payload.set(bytes, at);
        at += bytes.length;
      }
      // Replaced or removed while it was read: as if none were stored.
      if (at !== payload.length || (await head(name, options?.signal))?.version !== first.version) return undefined;
      return { name, meta: JSON.parse(first.meta) as Record<string, JsonValue>, payload, savedAt: first.saved_at };
    },
    async generation(options?: CallOptions) {
      enter(options?.signal);
      return read('snapshots.generation', options?.signal, async (query) => (await query<{ value: number }>("SELECT value FROM counters WHERE name = 'snapshot-clears'")).rows[0]?.value ?? 0);
    },
    async put(name: string, meta: Record<string, JsonValue>, payload: Uint8Array, options?: CallOptions & { ifGeneration?: number }) {
      enter(options?.signal);
      validateKey('name', name);
      validateSnapshot(name, meta, payload);
      const chunks = Math.ceil(payload.length / SNAPSHOT_CHUNK_BYTES);
      return write('snapshots.put', options?.signal, async (query) => {
        // The counter's row lock orders this put and any removal: one that commits first is seen here.
        const generation = (await query<{ value: number }>("SELECT value FROM counters WHERE name = 'snapshot-clears' FOR UPDATE")).rows[0]?.value ?? 0;
        if (options?.ifGeneration !== undefined && generation !== options.ifGeneration) return false;
        await query('DELETE FROM snapshot_chunks WHERE name = $1', [name]);
        for (let idx = 0; idx < chunks; idx++) {
          await query('INSERT INTO snapshot_chunks (name, idx, data) VALUES ($1, $2, $3)', [name, idx, payload.subarray(idx * SNAPSHOT_CHUNK_BYTES, Math.min(payload.length, (idx + 1) * SNAPSHOT_CHUNK_BYTES))]);
        }
        await query(
          `INSERT INTO snapshots (name, meta, version, chunks, bytes, saved_at) VALUES ($1, $2, 1, $3, $4, $5)
           ON CONFLICT (name) DO UPDATE SET meta = excluded.meta, version = snapshots.version + 1, chunks = excluded.chunks, bytes = excluded.bytes, saved_at = excluded.saved_at`,
          [name, JSON.stringify(meta), chunks, payload.length, Date.now()],
        );
        return true;
      });
    },
    async delete(name: string, options?: CallOptions) {
      enter(options?.signal);
      validateKey('name', name);
      return write('snapshots.delete', options?.signal, async (query) => {
        await query('DELETE FROM snapshot_chunks WHERE name = $1', [name]);
        return ((await query('DELETE FROM snapshots WHERE name = $1', [name])).rowCount ?? 0) > 0;
      });
    },
  };
}
