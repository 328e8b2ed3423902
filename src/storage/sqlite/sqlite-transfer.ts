/**
 * The {@link StorageTransfer} of the SQLite backend: every record read and written with its
 * identity, for copying a storage between backends. Reads page by keyset; `write` is one write
 * transaction. `writeModel` stores the chunks as they arrive, one transaction each (SQLite's
 * transactions are synchronous, and a multi-GB model must not be gathered in memory), with the
 * version's `models` row written last, so the version exists only once all its chunks do; a
 * failure deletes the chunks written so far.
 * @module
 */
import { ConflictError, ValidationError } from '../../core/errors.js';
import type { JsonValue } from '../../core/types.js';
import type { CallOptions, EmbeddingRecord, ImpressionRecord, ModelActivation, StorageTransfer, TransferBatch, TransferCounters } from '../storage.js';
import { encodeJson, validateInteger, validateKey, validateMeta, validateTransferBatch } from '../validation.js';
import type { SqliteCalls } from './sqlite-calls.js';
import { insertImpression } from './sqlite-impression-store.js';
import { toBytes } from './sqlite-driver.js';
import { clearSqliteSnapshots } from './sqlite-snapshot-store.js';

const DEFAULT_BATCH = 1_000;

interface ImpressionRow {
  id: string;
  user_id: string;
  model_version: string;
  variant: string;
  item_ids: string;
  created_at: number;
}

/** The transfer side of one SQLite storage (`chunkBytes`: its model chunk size). */
export function createSqliteTransfer({ sql, enter, run, write }: SqliteCalls, options: { chunkBytes: number }): StorageTransfer {
  /** Raises an AUTOINCREMENT table's highest number to at least `value`. */
  function raiseSequence(table: 'events' | 'erasures' | 'imports', value: number): void {
    if (value <= 0) return;
    const row = sql('SELECT seq FROM sqlite_sequence WHERE name = ?').get([table]) as { seq: number } | undefined;
    if (row === undefined) sql('INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)').run([table, value]);
    else if (row.seq < value) sql('UPDATE sqlite_sequence SET seq = ? WHERE name = ?').run([value, table]);
  }

  function raiseModelCounter(name: string, version: number): void {
    sql(
      `INSERT INTO model_counters (name, last_version) VALUES (?, ?)
       ON CONFLICT (name) DO UPDATE SET last_version = MAX(last_version, excluded.last_version)`,
    ).run([name, version]);
  }

  function writeBatch(batch: TransferBatch): void {
    const insertEvent = sql('INSERT INTO events (seq, user_id, item_id, type, value, text, ts, context) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    // Events with their own seqs may land below the latest one.
    if ((batch.events ?? []).length > 0) clearSqliteSnapshots(sql);
    for (const e of batch.events ?? []) {
      if (sql('SELECT 1 AS one FROM events WHERE seq = ?').get([e.seq]) !== undefined) {
        throw new ConflictError(`event seq ${e.seq} is already stored`, { details: { field: 'seq', seq: e.seq } });
      }
      insertEvent.run([e.seq, e.userId, e.itemId ?? null, e.type, e.value ?? null, e.text ?? null, e.timestamp, encodeJson(e.context)]);
    }
    for (const impression of batch.impressions ?? []) {
      insertImpression(sql, impression);
      for (const click of impression.clicks) sql('INSERT INTO clicks (impression_id, item_id, at) VALUES (?, ?, ?)').run([impression.id, click.itemId, click.at]);
    }
    for (const e of batch.embeddings ?? []) {
      sql('INSERT OR REPLACE INTO embeddings (encoder, hash, dim, vector) VALUES (?, ?, ?, ?)').run([
        e.encoder,
        e.hash,
        e.vector.length,
        new Uint8Array(e.vector.buffer, e.vector.byteOffset, e.vector.byteLength),
      ]);
    }
    for (const erasure of batch.erasures ?? []) {
      if (sql('SELECT 1 AS one FROM erasures WHERE id = ?').get([erasure.id]) !== undefined) {
        throw new ConflictError(`erasure ${erasure.id} is already stored`, { details: { field: 'id', id: erasure.id } });
      }
      sql('INSERT INTO erasures (id, first_seq, at) VALUES (?, ?, ?)').run([erasure.id, erasure.firstSeq, erasure.at]);
    }
    for (const r of batch.imports ?? []) {
      if (sql('SELECT 1 AS one FROM imports WHERE id = ?').get([r.id]) !== undefined) {
        throw new ConflictError(`import ${r.id} is already stored`, { details: { field: 'id', id: r.id } });
      }
      sql('INSERT INTO imports (id, hash, source, format, at, items, users, events) VALUES (?, ?, ?, ?, ?, ?, ?, ?)').run([r.id, r.hash, r.source, r.format, r.at, r.items, r.users, r.events]);
    }
    for (const s of batch.settings ?? []) {
      sql(
        'INSERT INTO settings (key, value, version, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, version = excluded.version, updated_at = excluded.updated_at',
      ).run([s.key, JSON.stringify(s.value), s.version, s.updatedAt]);
    }
    for (const a of batch.activations ?? []) {
      if (sql('SELECT 1 AS one FROM models WHERE name = ? AND version = ?').get([a.name, a.version]) === undefined) {
        throw new ValidationError(`activation of ${a.name} names version ${a.version}, which is not stored`, { details: { field: 'activations', name: a.name } });
      }
      sql(
        `INSERT INTO model_active (name, version, activated_at) VALUES (?, ?, ?)
         ON CONFLICT (name) DO UPDATE SET version = excluded.version, activated_at = excluded.activated_at`,
      ).run([a.name, a.version, a.activatedAt]);
    }
    const counters = batch.counters;
    if (counters !== undefined) {
      raiseSequence('events', counters.lastSeq);
      raiseSequence('erasures', counters.lastErasureId);
      raiseSequence('imports', counters.lastImportId);
      for (const m of counters.modelVersions) raiseModelCounter(m.name, m.lastVersion);
    }
  }

  return {
    async *impressions(scan: CallOptions & { batchSize?: number } = {}) {
      enter(scan.signal);
      const batchSize = validateInteger('batchSize', scan.batchSize, 1, DEFAULT_BATCH);
      let after = '';
      for (;;) {
        const page = run('transfer.impressions', scan.signal, () => {
          const rows = sql('SELECT id, user_id, model_version, variant, item_ids, created_at FROM impressions WHERE id > ? ORDER BY id LIMIT ?').all([after, batchSize]) as ImpressionRow[];
          const clicksOf = sql('SELECT item_id, at FROM clicks WHERE impression_id = ? ORDER BY item_id');
          return rows.map(
            (row): ImpressionRecord => ({
              id: row.id,
              userId: row.user_id,
              modelVersion: row.model_version,
              variant: row.variant,
              itemIds: JSON.parse(row.item_ids) as string[],
              createdAt: row.created_at,
              clicks: (clicksOf.all([row.id]) as { item_id: string; at: number }[]).map((c) => ({ itemId: c.item_id, at: c.at })),
            }),
          );
        });
        if (page.length === 0) return;
        yield page;
        if (page.length < batchSize) return;
        after = page[page.length - 1].id;
      }
    },
    async *embeddings(scan: CallOptions & { batchSize?: number } = {}) {
      enter(scan.signal);
      const batchSize = validateInteger('batchSize', scan.batchSize, 1, DEFAULT_BATCH);
      let after: [string, string] = ['', ''];
      for (;;) {
        const page = run('transfer.embeddings', scan.signal, () =>
          (
            sql('SELECT encoder, hash, vector FROM embeddings WHERE encoder > ? OR (encoder = ? AND hash > ?) ORDER BY encoder, hash LIMIT ?').all([
              after[0],
              after[0],
              after[1],
              batchSize,
            ]) as { encoder: string; hash: string; vector: unknown }[]
          ).map((row): EmbeddingRecord => {
            const bytes = toBytes(row.vector);
            const vector = new Float32Array(bytes.byteLength / 4);
            new Uint8Array(vector.buffer).set(bytes);
            return { encoder: row.encoder, hash: row.hash, vector };
          }),
        );
        if (page.length === 0) return;
        yield page;
        if (page.length < batchSize) return;
        after = [page[page.length - 1].encoder, page[page.length - 1].hash];
      }
    },
    async settings(call?: CallOptions) {
      return run('transfer.settings', call?.signal, () =>
        (sql('SELECT key, value, version, updated_at FROM settings ORDER BY key').all([]) as { key: string; value: string; version: number; updated_at: number }[]).map((row) => ({
          key: row.key,
          value: JSON.parse(row.value) as JsonValue,
          version: row.version,
          updatedAt: row.updated_at,
        })),
      );
    },
    async activations(call?: CallOptions) {
      return run('transfer.activations', call?.signal, () =>
        (sql('SELECT name, version, activated_at FROM model_active ORDER BY name').all([]) as { name: string; version: number; activated_at: number }[]).map(
          (row): ModelActivation => ({ name: row.name, version: row.version, activatedAt: row.activated_at }),
        ),
      );
    },
    async counters(call?: CallOptions): Promise<TransferCounters> {
      return run('transfer.counters', call?.signal, () => {
        const sequences = new Map((sql('SELECT name, seq FROM sqlite_sequence').all([]) as { name: string; seq: number }[]).map((row) => [row.name, row.seq]));
        // model_counters covers deleted versions; MAX(version) covers versions saved before it existed.
        const models = sql(
          `SELECT name, MAX(v) AS last_version FROM (SELECT name, last_version AS v FROM model_counters UNION ALL SELECT name, version AS v FROM models)
           GROUP BY name ORDER BY name`,
        ).all([]) as { name: string; last_version: number }[];
        return {
          lastSeq: sequences.get('events') ?? 0,
          lastErasureId: sequences.get('erasures') ?? 0,
          lastImportId: sequences.get('imports') ?? 0,
          modelVersions: models.map((row) => ({ name: row.name, lastVersion: row.last_version })),
        };
      });
    },
    async write(batch: TransferBatch, call?: CallOptions) {
      enter(call?.signal);
      validateTransferBatch(batch);
      await write('transfer.write', call?.signal, () => writeBatch(batch));
    },
    async writeModel(record, chunks, call?: CallOptions) {
      enter(call?.signal);
      const { name, version } = record;
      validateKey('name', name);
      validateInteger('version', version, 1, 1);
      validateMeta(record.meta);
      const signal = call?.signal;
      await write('transfer.writeModel', signal, () => {
        if (sql('SELECT 1 AS one FROM models WHERE name = ? AND version = ?').get([name, version]) !== undefined) {
          throw new ConflictError(`model ${name} version ${version} is already stored`, { details: { name, version } });
        }
        // Taken now, so a save meanwhile cannot be numbered `version` and collide with these chunks.
        raiseModelCounter(name, version);
        sql('DELETE FROM model_chunks WHERE name = ? AND version = ?').run([name, version]);
      });
      let idx = 0;
      try {
        for await (const chunk of chunks) {
          for (let at = 0; at < chunk.length; at += options.chunkBytes) {
            const part = chunk.subarray(at, Math.min(chunk.length, at + options.chunkBytes));
            const position = idx++;
            await write('transfer.writeModel', signal, () => sql('INSERT INTO model_chunks (name, version, idx, data) VALUES (?, ?, ?, ?)').run([name, version, position, part]));
          }
        }
        await write('transfer.writeModel', signal, () => {
          sql('INSERT INTO models (name, version, created_at, meta, payload) VALUES (?, ?, ?, ?, ?)').run([name, version, record.createdAt, JSON.stringify(record.meta), new Uint8Array(0)]);
        });
      } catch (error) {
        await write('transfer.writeModel.undo', undefined, () => sql('DELETE FROM model_chunks WHERE name = ? AND version = ?').run([name, version])).catch(() => undefined);
        throw error;
      }
    },
  };
}
