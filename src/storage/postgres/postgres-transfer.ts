/**
 * The {@link StorageTransfer} of the PostgreSQL backend: every record read and written with its
 * identity, for copying a storage between backends. Reads page by keyset like the port's scans;
 * writes run in one transaction per batch, events under the event counter's lock
 * (`postgres-event-log.ts`), so a copy into a live database still commits seqs in order.
 * @module
 */
import { ConflictError, ValidationError } from '../../core/errors.js';
import type { CallOptions, EmbeddingRecord, ImpressionRecord, ModelActivation, StorageTransfer, TransferBatch, TransferCounters } from '../storage.js';
import { validateInteger, validateKey, validateMeta, validateTransferBatch } from '../validation.js';
import type { PgQueryFn, PostgresCalls } from './postgres-calls.js';
import { insertErasures } from './postgres-erasure-store.js';
import { insertStoredEvents } from './postgres-event-log.js';
import { insertImports } from './postgres-import-store.js';
import { insertModelVersion } from './postgres-model-store.js';
import { insertSettings, listSettings } from './postgres-settings-store.js';
import { clearPostgresSnapshots } from './postgres-snapshot-store.js';
import { impressionFromRow, upsertEmbeddings, vectorFromBytes } from './postgres-rows.js';

const DEFAULT_BATCH = 1_000;

async function writeBatch(query: PgQueryFn, batch: TransferBatch): Promise<void> {
  // Events with their own seqs may land below the latest one.
  if ((batch.events ?? []).length > 0) await clearPostgresSnapshots(query);
  await insertStoredEvents(query, batch.events ?? []);
  for (const impression of batch.impressions ?? []) {
    const inserted = await query(
      `INSERT INTO impressions (id, user_id, model_version, variant, item_ids, created_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING`,
      [impression.id, impression.userId, impression.modelVersion, impression.variant, JSON.stringify(impression.itemIds), impression.createdAt],
    );
    if ((inserted.rowCount ?? 0) === 0) throw new ConflictError(`impression ${impression.id} is already stored`, { details: { field: 'id', id: impression.id } });
    for (const click of impression.clicks) {
      await query('INSERT INTO clicks (impression_id, item_id, at) VALUES ($1, $2, $3)', [impression.id, click.itemId, click.at]);
    }
  }
  await upsertEmbeddings(query, batch.embeddings ?? []);
  await insertErasures(query, batch.erasures ?? []);
  await insertImports(query, batch.imports ?? []);
  await insertSettings(query, batch.settings ?? []);
  for (const activation of batch.activations ?? []) {
    const exists = await query('SELECT 1 FROM models WHERE name = $1 AND version = $2 FOR SHARE', [activation.name, activation.version]);
    if (exists.rows.length === 0) throw new ValidationError(`activation of ${activation.name} names version ${activation.version}, which is not stored`, { details: { field: 'activations', name: activation.name } });
    await query(
      `INSERT INTO model_active (name, version, activated_at) VALUES ($1, $2, $3)
       ON CONFLICT (name) DO UPDATE SET version = excluded.version, activated_at = excluded.activated_at`,
      [activation.name, activation.version, activation.activatedAt],
    );
  }
  const counters = batch.counters;
  if (counters !== undefined) {
    for (const [name, value] of [['events', counters.lastSeq], ['erasures', counters.lastErasureId], ['imports', counters.lastImportId]] as const) {
      await query('UPDATE counters SET value = GREATEST(value, $2) WHERE name = $1', [name, value]);
    }
    for (const model of counters.modelVersions) {
      await query(
        `INSERT INTO model_counters (name, last_version) VALUES ($1, $2)
         ON CONFLICT (name) DO UPDATE SET last_version = GREATEST(model_counters.last_version, excluded.last_version)`,
        [model.name, model.lastVersion],
      );
    }
  }
}

/** The transfer side of one PostgreSQL storage. */
export function createPostgresTransfer({ enter, read, write }: PostgresCalls, options: { chunkBytes: number }): StorageTransfer {
  return {
    async *impressions(scan: CallOptions & { batchSize?: number } = {}) {
      enter(scan.signal);
      const batchSize = validateInteger('batchSize', scan.batchSize, 1, DEFAULT_BATCH);
      let after = '';
      for (;;) {
        const page = await read('transfer.impressions', scan.signal, async (query) => {
          const rows = (
            await query<{ id: string; user_id: string; model_version: string; variant: string; item_ids: string; created_at: number }>(
              'SELECT id, user_id, model_version, variant, item_ids, created_at FROM impressions WHERE id > $1 ORDER BY id LIMIT $2',
              [after, batchSize],
            )
          ).rows;
          if (rows.length === 0) return [];
          const clicks = (
            await query<{ impression_id: string; item_id: string; at: number }>(
              'SELECT impression_id, item_id, at FROM clicks WHERE impression_id = ANY($1::text[]) ORDER BY impression_id, item_id',
              [rows.map((row) => row.id)],
            )
          ).rows;
          const byImpression = new Map<string, { itemId: string; at: number }[]>();
          for (const click of clicks) {
            const list = byImpression.get(click.impression_id) ?? [];
            list.push({ itemId: click.item_id, at: click.at });
            byImpression.set(click.impression_id, list);
          }
          return rows.map((row): ImpressionRecord => ({ ...impressionFromRow(row), clicks: byImpression.get(row.id) ?? [] }));
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
        const page = await read('transfer.embeddings', scan.signal, async (query) =>
          (
            await query<{ encoder: string; hash: string; vector: unknown }>(
              'SELECT encoder, hash, vector FROM embeddings WHERE (encoder, hash) > ($1, $2) ORDER BY encoder, hash LIMIT $3',
              [after[0], after[1], batchSize],
            )
          ).rows.map((row): EmbeddingRecord => ({ encoder: row.encoder, hash: row.hash, vector: vectorFromBytes(row.vector) })),
        );
        if (page.length === 0) return;
        yield page;
        if (page.length < batchSize) return;
        after = [page[page.length - 1].encoder, page[page.length - 1].hash];
      }
    },
    async settings(call?: CallOptions) {
      return read('transfer.settings', call?.signal, listSettings);
    },
    async activations(call?: CallOptions) {
      return read('transfer.activations', call?.signal, async (query) =>
        (await query<{ name: string; version: number; activated_at: number }>('SELECT name, version, activated_at FROM model_active ORDER BY name')).rows.map(
          (row): ModelActivation => ({ name: row.name, version: row.version, activatedAt: row.activated_at }),
        ),
      );
    },
    async counters(call?: CallOptions): Promise<TransferCounters> {
      return read(
        'transfer.counters',
        call?.signal,
        async (query) => {
          const values = new Map((await query<{ name: string; value: number }>('SELECT name, value FROM counters')).rows.map((row) => [row.name, row.value]));
          const models = (await query<{ name: string; last_version: number }>('SELECT name, last_version FROM model_counters ORDER BY name')).rows;
          return {
            lastSeq: values.get('events') ?? 0,
            lastErasureId: values.get('erasures') ?? 0,
            lastImportId: values.get('imports') ?? 0,
            modelVersions: models.map((row) => ({ name: row.name, lastVersion: row.last_version })),
          };
        },
        { snapshot: true },
      );
    },
    async write(batch: TransferBatch, call?: CallOptions) {
      enter(call?.signal);
      validateTransferBatch(batch);
      await write('transfer.write', call?.signal, (query) => writeBatch(query, batch));
    },
    async writeModel(record, chunks, call?: CallOptions) {
      enter(call?.signal);
      validateKey('name', record.name);
      validateInteger('version', record.version, 1, 1);
      validateMeta(record.meta);
      await write('transfer.writeModel', call?.signal, async (query) => {
        const taken = await query('SELECT 1 FROM models WHERE name = $1 AND version = $2', [record.name, record.version]);
        if (taken.rows.length > 0) throw new ConflictError(`model ${record.name} version ${record.version} is already stored`, { details: { name: record.name, version: record.version } });
        await insertModelVersion(query, record, chunks, options.chunkBytes);
      });
    },
  };
}
