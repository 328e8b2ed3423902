/**
 * Versioned model snapshots in PostgreSQL (`models`, `model_chunks`, `model_active`,
 * `model_counters`). A payload is stored as ordered `bytea` chunks of at most `chunkBytes`, written
 * in the save's transaction (one statement per chunk, sent in binary), and read back one chunk per
 * statement, so a multi-GB model never travels, nor sits in memory, as one value (PostgreSQL caps a
 * value at 1 GB). `loadChunks` reads chunks averaging 4 MiB or more on the storage's chunk thread
 * (`postgres-chunk-worker.ts`), one ahead: the driver hands a `bytea` over as hex text and decodes
 * it where the query ran, which for a 64 MiB chunk held the serving thread for 0.6 s. Version
 * numbers come from a per-name counter whose row lock serialises savers.
 * @module
 */
import { NotFoundError, ValidationError } from '../../core/errors.js';
import type { CallOptions, ModelChunks, ModelRecord, ModelStore } from '../storage.js';
import { OFF_THREAD_CHUNK_BYTES, chunksInOrder, readChunkVia } from '../chunk-thread.js';
import type { ChunkReader } from '../chunk-thread.js';
import { validateInteger, validateKey, validateMeta } from '../validation.js';
import { bytesOf } from './pg-driver.js';
import type { PgQueryFn, PostgresCalls } from './postgres-calls.js';

/** Default size of one stored payload chunk: 64 MiB, as in SQLite (a multiple of 8, so arrays inside a chunk stay aligned). */
export const DEFAULT_POSTGRES_CHUNK_BYTES = 64 * 1024 * 1024;
/**
 * Largest chunk accepted: a chunk is read back as hex text, twice its size as a JavaScript string,
 * and V8 strings end at about 512 M characters (PostgreSQL's own limit, 1 GB a value, is further).
 */
export const MAX_POSTGRES_CHUNK_BYTES = 128 * 1024 * 1024;

interface ModelRow {
  name: string;
  version: number;
  created_at: number;
  meta: string;
}

function infoFromRow(row: ModelRow): Omit<ModelRecord, 'payload'> {
  return { name: row.name, version: row.version, createdAt: row.created_at, meta: JSON.parse(row.meta) as Record<string, unknown> };
}

/** Checks a chunk size (an integer from 1 to {@link MAX_POSTGRES_CHUNK_BYTES}); the default when undefined. */
export function checkPostgresChunkBytes(value: unknown): number {
  const chunkBytes = validateInteger('modelChunkBytes', value, 1, DEFAULT_POSTGRES_CHUNK_BYTES);
  if (chunkBytes > MAX_POSTGRES_CHUNK_BYTES) {
    throw new ValidationError(`modelChunkBytes must be at most ${MAX_POSTGRES_CHUNK_BYTES}`, { details: { field: 'modelChunkBytes', value: chunkBytes } });
  }
  return chunkBytes;
}

/** One version's row with the count and total size of its chunks. */
async function head(query: PgQueryFn, name: string, version: number | undefined): Promise<(ModelRow & { chunks: number; bytes: number }) | undefined> {
  const columns = `m.name, m.version, m.created_at, m.meta,
    (SELECT COUNT(*) FROM model_chunks c WHERE c.name = m.name AND c.version = m.version) AS chunks,
    (SELECT COALESCE(SUM(length(c.data)), 0) FROM model_chunks c WHERE c.name = m.name AND c.version = m.version)::bigint AS bytes`;
  const result =
    version === undefined
      ? await query<ModelRow & { chunks: number; bytes: number }>(`SELECT ${columns} FROM models m WHERE m.name = $1 ORDER BY m.version DESC LIMIT 1`, [name])
      : await query<ModelRow & { chunks: number; bytes: number }>(`SELECT ${columns} FROM models m WHERE m.name = $1 AND m.version = $2`, [name, version]);
  return result.rows[0];
}

async function chunkAt(query: PgQueryFn, name: string, version: number, idx: number): Promise<Uint8Array | undefined> {
  const result = await query<{ data: unknown }>('SELECT data FROM model_chunks WHERE name = $1 AND version = $2 AND idx = $3', [name, version, idx]);
  return result.rows.length === 0 ? undefined : bytesOf(result.rows[0].data);
}

/**
 * Inside the caller's transaction: stores `chunks` as version `version` of `name` (the copier uses
 * this with the source's version, time and chunks; `save` with the next number).
 */
export async function insertModelVersion(
  query: PgQueryFn,
  record: Omit<ModelRecord, 'payload'>,
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  chunkBytes: number,
): Promise<number> {
  await query('INSERT INTO models (name, version, created_at, meta) VALUES ($1, $2, $3, $4)', [record.name, record.version, record.createdAt, JSON.stringify(record.meta)]);
  await query(
    `INSERT INTO model_counters (name, last_version) VALUES ($1, $2)
     ON CONFLICT (name) DO UPDATE SET last_version = GREATEST(model_counters.last_version, excluded.last_version)`,
    [record.name, record.version],
  );
  let idx = 0;
  let bytes = 0;
  for await (const chunk of chunks) {
    // A source chunk larger than this store's chunk size is split again.
    for (let at = 0; at < chunk.length; at += chunkBytes) {
      const part = chunk.subarray(at, Math.min(chunk.length, at + chunkBytes));
      await query('INSERT INTO model_chunks (name, version, idx, data) VALUES ($1, $2, $3, $4)', [record.name, record.version, idx++, part]);
      bytes += part.length;
    }
  }
  return bytes;
}

function splitPayload(payload: Uint8Array, chunkBytes: number): Uint8Array[] {
  const parts: Uint8Array[] = [];
  for (let at = 0; at < payload.length; at += chunkBytes) parts.push(payload.subarray(at, Math.min(payload.length, at + chunkBytes)));
  return parts;
}

/** The {@link ModelStore} of one PostgreSQL storage. */
export function createPostgresModelStore(
  { enter, read, write }: PostgresCalls,
  options: {
    chunkBytes?: number;
    /** Reads `loadChunks`' large chunks on another thread; without it, or once it has failed, on the pool here. */
    chunkReader?: ChunkReader;
  } = {},
): ModelStore {
  const chunkBytes = checkPostgresChunkBytes(options.chunkBytes);

  /** Chunk `idx` read by the chunk thread, else (none, or it failed) on a pooled connection. */
  function readChunk(name: string, version: number, idx: number, offThread: boolean, signal: AbortSignal | undefined): Promise<Uint8Array | undefined> {
    return readChunkVia(options.chunkReader, offThread, { name, version, idx }, () => enter(signal), () =>
      read('models.loadChunks', signal, (query) => chunkAt(query, name, version, idx)));
  }

  function deletedWhileRead(name: string, version: number): NotFoundError {
    return new NotFoundError(`model ${name} version ${version} was deleted while it was being read`, { details: { name, version } });
  }

  return {
    async save(name, meta, payload, options?: CallOptions) {
      enter(options?.signal);
      validateKey('name', name);
      validateMeta(meta);
      if (!(payload instanceof Uint8Array)) throw new ValidationError('payload must be a Uint8Array', { details: { field: 'payload' } });
      const metaJson = JSON.stringify(meta);
      return write('models.save', options?.signal, async (query) => {
        // The counter row's lock (held to commit) keeps two savers from taking the same number.
        const counted = await query<{ last_version: number }>(
          `INSERT INTO model_counters (name, last_version) VALUES ($1, 1)
           ON CONFLICT (name) DO UPDATE SET last_version = model_counters.last_version + 1 RETURNING last_version`,
          [name],
        );
        const version = counted.rows[0].last_version;
        const createdAt = Date.now();
        const parsed = JSON.parse(metaJson) as Record<string, unknown>;
        await insertModelVersion(query, { name, version, createdAt, meta: parsed }, splitPayload(payload, chunkBytes), chunkBytes);
        return { name, version, createdAt, meta: JSON.parse(metaJson) as Record<string, unknown>, payload };
      });
    },
    async load(name, version?: number, options?: CallOptions) {
      enter(options?.signal);
      validateKey('name', name);
      if (version !== undefined) validateInteger('version', version, 1, 1);
      // One repeatable-read transaction: the row and its chunks come from one snapshot.
      return read(
        'models.load',
        options?.signal,
        async (query) => {
        const row = await head(query, name, version);
        if (row === undefined) return undefined;
        const payload = new Uint8Array(row.bytes);
        for (let idx = 0, at = 0; idx < row.chunks; idx++) {
          const chunk = await chunkAt(query, row.name, row.version, idx);
          if (chunk === undefined) throw deletedWhileRead(row.name, row.version);
          payload.set(chunk, at);
          at += chunk.length;
        }
        return { ...infoFromRow(row), payload };
        },
        { snapshot: true },
      );
    },
    async loadChunks(name, version?: number, options?: CallOptions): Promise<ModelChunks | undefined> {
      enter(options?.signal);
      validateKey('name', name);
      if (version !== undefined) validateInteger('version', version, 1, 1);
      const signal = options?.signal;
      const row = await read('models.loadChunks', signal, (query) => head(query, name, version));
      if (row === undefined) return undefined;
      // One statement per chunk, on the chunk thread's connection or on whichever pooled one is free:
      // no transaction stays open while the consumer works, and a missing chunk means the version was deleted.
      const offThread = row.chunks > 0 && row.bytes / row.chunks >= OFF_THREAD_CHUNK_BYTES;
      const found = { name: row.name, version: row.version };
      const chunks = chunksInOrder(row.chunks, offThread, (idx) => readChunk(found.name, found.version, idx, offThread, signal), () => deletedWhileRead(found.name, found.version));
      return { ...infoFromRow(row), byteLength: row.bytes, chunks };
    },
    async versions(name, options?: CallOptions) {
      enter(options?.signal);
      validateKey('name', name);
      return read('models.versions', options?.signal, async (query) =>
        (await query<ModelRow>('SELECT name, version, created_at, meta FROM models WHERE name = $1 ORDER BY version DESC', [name])).rows.map(infoFromRow),
      );
    },
    async names(options?: CallOptions) {
      return read('models.names', options?.signal, async (query) =>
        (await query<{ name: string }>('SELECT DISTINCT name FROM models ORDER BY name')).rows.map((row) => row.name),
      );
    },
    async activate(name, version, options?: CallOptions) {
      enter(options?.signal);
      validateKey('name', name);
      validateInteger('version', version, 1, 1);
      await write('models.activate', options?.signal, async (query) => {
        // FOR SHARE: a concurrent delete of this version waits for the activation, then clears it.
        const exists = await query('SELECT 1 FROM models WHERE name = $1 AND version = $2 FOR SHARE', [name, version]);
        if (exists.rows.length === 0) throw new NotFoundError(`model ${name} has no stored version ${version}`, { details: { name, version } });
        await query(
          `INSERT INTO model_active (name, version, activated_at) VALUES ($1, $2, $3)
           ON CONFLICT (name) DO UPDATE SET version = excluded.version, activated_at = excluded.activated_at`,
          [name, version, Date.now()],
        );
      });
    },
    async active(name, options?: CallOptions) {
      enter(options?.signal);
      validateKey('name', name);
      return read('models.active', options?.signal, async (query) => (await query<{ version: number }>('SELECT version FROM model_active WHERE name = $1', [name])).rows[0]?.version);
    },
    async heads(options?: CallOptions) {
      return read('models.heads', options?.signal, async (query) =>
        (
          await query<{ name: string; latest: number; active: number | null }>(
            `SELECT m.name AS name, MAX(m.version) AS latest, a.version AS active
             FROM models m LEFT JOIN model_active a ON a.name = m.name
             GROUP BY m.name, a.version ORDER BY m.name`,
          )
        ).rows.map((row) => (row.active === null ? { name: row.name, latest: row.latest } : { name: row.name, latest: row.latest, active: row.active })),
      );
    },
    async delete(name, version, options?: CallOptions) {
      enter(options?.signal);
      validateKey('name', name);
      validateInteger('version', version, 1, 1);
      return write('models.delete', options?.signal, async (query) => {
        const removed = ((await query('DELETE FROM models WHERE name = $1 AND version = $2', [name, version])).rowCount ?? 0) > 0;
        await query('DELETE FROM model_chunks WHERE name = $1 AND version = $2', [name, version]);
        if (removed) await query('DELETE FROM model_active WHERE name = $1 AND version = $2', [name, version]);
        return removed;
      });
    },
  };
}
