/**
 * Snapshots of derived state in SQLite: one `snapshots` row per name (its JSON description, a version
 * every put raises, the payload's size) and the payload in ordered chunks of `snapshot_chunks`,
 * replaced whole in one transaction. A get reads chunk by chunk with a turn of the event loop
 * between two (one BLOB of 60 MB is a synchronous driver call of over a second) and checks at the
 * end that no put replaced the snapshot meanwhile.
 * @module
 */
import type { JsonValue } from '../../core/types.js';
import type { CallOptions, SnapshotStore, StoredSnapshot } from '../storage.js';
import { SNAPSHOT_CHUNK_BYTES, validateKey, validateSnapshot } from '../validation.js';
import type { SqliteCalls } from './sqlite-calls.js';
import { toBytes } from './sqlite-driver.js';

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
export function clearSqliteSnapshots(sql: SqliteCalls['sql']): void {
  sql('DELETE FROM snapshot_chunks').run([]);
  sql('DELETE FROM snapshots').run([]);
  sql('UPDATE snapshot_clears SET generation = generation + 1 WHERE id = 1').run([]);
}

function generationOf(sql: SqliteCalls['sql']): number {
  return (sql('SELECT generation FROM snapshot_clears WHERE id = 1').get([]) as { generation: number } | undefined)?.generation ?? 0;
}

/** The {@link SnapshotStore} of one SQLite storage. */
export function createSqliteSnapshotStore({ sql, enter, run, write }: SqliteCalls): SnapshotStore {
  const head = (name: string, signal?: AbortSignal): HeadRow | undefined =>
    run('snapshots.get', signal, () => sql('SELECT meta, version, chunks, bytes, saved_at FROM snapshots WHERE name = ?').get([name]) as HeadRow | undefined);
  return {
    async get(name: string, options?: CallOptions): Promise<StoredSnapshot | undefined> {
      enter(options?.signal);
      validateKey('name', name);
      const first = head(name, options?.signal);
      if (first === undefined) return undefined;
      const payload = new Uint8Array(first.bytes);
      let at = 0;
      for (let idx = 0; idx < first.chunks; idx++) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        enter(options?.signal);
        const row = run('snapshots.get', options?.signal, () => sql('SELECT data FROM snapshot_chunks WHERE name = ? AND idx = ?').get([name, idx]) as { data: unknown } | undefined);
        const bytes = row === undefined ? undefined : toBytes(row.data);
        if (bytes === undefined || at + bytes.length > payload.length) return undefined;
        payload.set(bytes, at);
        at += bytes.length;
      }
      // Replaced or removed while it was read: as if none were stored.
      if (at !== payload.length || head(name, options?.signal)?.version !== first.version) return undefined;
      return { name, meta: JSON.parse(first.meta) as Record<string, JsonValue>, payload, savedAt: first.saved_at };
    },
    async generation(options?: CallOptions) {
      enter(options?.signal);
      return run('snapshots.generation', options?.signal, () => generationOf(sql));
    },
    async put(name: string, meta: Record<string, JsonValue>, payload: Uint8Array, options?: CallOptions & { ifGeneration?: number }) {
      enter(options?.signal);
      validateKey('name', name);
      validateSnapshot(name, meta, payload);
      const text = JSON.stringify(meta);
      const chunks = Math.ceil(payload.length / SNAPSHOT_CHUNK_BYTES);
      return write('snapshots.put', options?.signal, () => {
        if (options?.ifGeneration !== undefined && generationOf(sql) !== options.ifGeneration) return false;
        const row = sql('SELECT version FROM snapshots WHERE name = ?').get([name]) as { version: number } | undefined;
        sql('DELETE FROM snapshot_chunks WHERE name = ?').run([name]);
        const insert = sql('INSERT INTO snapshot_chunks (name, idx, data) VALUES (?, ?, ?)');
        for (let idx = 0; idx < chunks; idx++) insert.run([name, idx, payload.subarray(idx * SNAPSHOT_CHUNK_BYTES, Math.min(payload.length, (idx + 1) * SNAPSHOT_CHUNK_BYTES))]);
        sql(
          'INSERT INTO snapshots (name, meta, version, chunks, bytes, saved_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET meta = excluded.meta, version = excluded.version, chunks = excluded.chunks, bytes = excluded.bytes, saved_at = excluded.saved_at',
        ).run([name, text, (row?.version ?? 0) + 1, chunks, payload.length, Date.now()]);
        return true;
      });
    },
    async delete(name: string, options?: CallOptions) {
      enter(options?.signal);
      validateKey('name', name);
      return write('snapshots.delete', options?.signal, () => {
        sql('DELETE FROM snapshot_chunks WHERE name = ?').run([name]);
        return sql('DELETE FROM snapshots WHERE name = ?').run([name]).changes > 0;
      });
    },
  };
}
