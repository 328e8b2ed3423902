/**
 * Versioned model snapshots in SQLite (`models`, `model_chunks`, `model_active`, `model_counters`).
 * Version numbers come from a per-name counter, so a deleted version's number is never handed out
 * again. A payload is stored as ordered chunks of `model_chunks` (at most `chunkBytes` each, all
 * written in the save's transaction), because one BLOB holds at most SQLITE_MAX_LENGTH bytes (1 GB
 * by default) and a large model is more; versions saved before chunking keep their bytes in
 * `models.payload`, which is read first, so both kinds load the same way.
 * @module
 */
import { NotFoundError, ValidationError } from '../../core/errors.js';
import type { CallOptions, ModelChunks, ModelRecord, ModelStore } from '../storage.js';
import { validateInteger, validateKey, validateMeta } from '../validation.js';
import type { SqliteCalls } from './sqlite-calls.js';
import { OFF_THREAD_CHUNK_BYTES, chunksInOrder, readChunkVia } from '../chunk-thread.js';
import type { ChunkReader } from '../chunk-thread.js';
import { viewBytes } from './sqlite-driver.js';

/** Default size of one stored payload chunk: 64 MiB, a multiple of 8 so that arrays inside a chunk stay aligned. */
export const DEFAULT_MODEL_CHUNK_BYTES = 64 * 1024 * 1024;
/** Largest chunk size accepted: well under SQLite's default 1,000,000,000-byte limit on one BLOB. */
export const MAX_MODEL_CHUNK_BYTES = 512 * 1024 * 1024;


/** The schema migration that added `model_chunks`. */
export const MODEL_CHUNKS_SCHEMA_VERSION = 6;

/** Options of {@link createSqliteModelStore}. */
export interface SqliteModelStoreOptions {
  /** Bytes per stored chunk (default {@link DEFAULT_MODEL_CHUNK_BYTES}). */
  chunkBytes?: number;
  /**
   * Whether the file has `model_chunks` (schema 6 or later). False only for a read-only open of an
   * older file, whose payloads are all single BLOBs.
   */
  chunked?: boolean;
  /**
   * Reads `loadChunks`' chunks on another thread (a file's storage has one): the serving thread then
   * never waits on the driver for a chunk. Without it, or once it has failed, chunks are read here.
   */
  chunkReader?: ChunkReader;
}

interface ModelRow {
  name: string;
  version: number;
  created_at: number;
  meta: string;
  payload?: unknown;
}

function modelInfoFromRow(row: ModelRow): Omit<ModelRecord, 'payload'> {
  return { name: row.name, version: row.version, createdAt: row.created_at, meta: JSON.parse(row.meta) as Record<string, unknown> };
}

/** Checks a chunk size (an integer from 1 to {@link MAX_MODEL_CHUNK_BYTES}); the default when undefined. */
export function checkModelChunkBytes(value: unknown): number {
  const chunkBytes = validateInteger('modelChunkBytes', value, 1, DEFAULT_MODEL_CHUNK_BYTES);
  if (chunkBytes > MAX_MODEL_CHUNK_BYTES) {
    throw new ValidationError(`modelChunkBytes must be at most ${MAX_MODEL_CHUNK_BYTES}`, { details: { field: 'modelChunkBytes', value: chunkBytes } });
  }
  return chunkBytes;
}

/** The {@link ModelStore} of one SQLite storage. */
export function createSqliteModelStore({ sql, enter, run, write }: SqliteCalls, options: SqliteModelStoreOptions = {}): ModelStore {
  const chunkBytes = checkModelChunkBytes(options.chunkBytes);
  const chunked = options.chunked ?? true;

  /** The version row (latest when `version` is undefined) with the sizes of its inline payload and chunks. */
  function head(name: string, version: number | undefined): (ModelRow & { inline: number; chunks: number; bytes: number }) | undefined {
    const columns = 'name, version, created_at, meta, length(payload) AS inline';
    const row = (
      version === undefined
        ? sql(`SELECT ${columns} FROM models WHERE name = ? ORDER BY version DESC LIMIT 1`).get([name])
        : sql(`SELECT ${columns} FROM models WHERE name = ? AND version = ?`).get([name, version])
    ) as (ModelRow & { inline: number }) | undefined;
    if (row === undefined) return undefined;
    const parts = chunked
      ? (sql('SELECT COUNT(*) AS chunks, COALESCE(SUM(length(data)), 0) AS bytes FROM model_chunks WHERE name = ? AND version = ?').get([row.name, row.version]) as {
          chunks: number;
          bytes: number;
        })
      : { chunks: 0, bytes: 0 };
    return { ...row, ...parts };
  }

  function inlinePayload(name: string, version: number): Uint8Array | undefined {
    const row = sql('SELECT payload FROM models WHERE name = ? AND version = ?').get([name, version]) as { payload: unknown } | undefined;
    return row === undefined ? undefined : viewBytes(row.payload);
  }

  function chunkAt(name: string, version: number, idx: number): Uint8Array | undefined {
    const row = sql('SELECT data FROM model_chunks WHERE name = ? AND version = ? AND idx = ?').get([name, version, idx]) as { data: unknown } | undefined;
    return row === undefined ? undefined : viewBytes(row.data);
  }

  /** Chunk `idx` read by the chunk reader's thread, else (none, or it failed) here after a turn of the event loop. */
  function readChunk(name: string, version: number, idx: number, offThread: boolean, signal: AbortSignal | undefined): Promise<Uint8Array | undefined> {
    return readChunkVia(options.chunkReader, offThread, { name, version, idx }, () => enter(signal), async () => {
      await new Promise<void>((resolve) => setImmediate(resolve));
      return run('models.loadChunks', signal, () => chunkAt(name, version, idx));
    });
  }

  function deletedWhileRead(name: string, version: number): NotFoundError {
    return new NotFoundError(`model ${name} version ${version} was deleted while it was being read`, { details: { name, version } });
  }

  return {
    async save(name, meta, payload, options?: CallOptions) {
      enter(options?.signal);
      validateKey('name', name);
      validateMeta(meta);
      if (!(payload instanceof Uint8Array)) {
        throw new ValidationError('payload must be a Uint8Array', { details: { field: 'payload' } });
      }
      const metaJson = JSON.stringify(meta);
      return write('models.save', options?.signal, () => {
        // Inside the write transaction, so two savers cannot both take the same next version. The
        // counter remembers deleted versions; MAX(version) covers rows written before it existed.
        const { next } = sql(
          `SELECT MAX(COALESCE((SELECT last_version FROM model_counters WHERE name = ?), 0),
                      COALESCE((SELECT MAX(version) FROM models WHERE name = ?), 0)) + 1 AS next`,
        ).get([name, name]) as { next: number };
        const createdAt = Date.now();
        // The bytes go to model_chunks (views of the payload, no copy); the row keeps an empty BLOB.
        sql('INSERT INTO models (name, version, created_at, meta, payload) VALUES (?, ?, ?, ?, ?)').run([
          name,
          next,
          createdAt,
          metaJson,
          new Uint8Array(0),
        ]);
        const insertChunk = sql('INSERT INTO model_chunks (name, version, idx, data) VALUES (?, ?, ?, ?)');
        for (let idx = 0, at = 0; at < payload.length; idx++, at += chunkBytes) {
          insertChunk.run([name, next, idx, payload.subarray(at, Math.min(payload.length, at + chunkBytes))]);
        }
        sql(
          `INSERT INTO model_counters (name, last_version) VALUES (?, ?)
           ON CONFLICT (name) DO UPDATE SET last_version = excluded.last_version`,
        ).run([name, next]);
        return { name, version: next, createdAt, meta: JSON.parse(metaJson) as Record<string, unknown>, payload };
      });
    },
    async load(name, version?: number, options?: CallOptions) {
      enter(options?.signal);
      validateKey('name', name);
      if (version !== undefined) validateInteger('version', version, 1, 1);
      // One synchronous read: consistent, and the payload is assembled with one copy of each chunk.
      return run('models.load', options?.signal, () => {
        const row = head(name, version);
        if (row === undefined) return undefined;
        const payload = new Uint8Array(row.inline + row.bytes);
        if (row.inline > 0) payload.set(inlinePayload(row.name, row.version)!, 0);
        for (let idx = 0, at = row.inline; idx < row.chunks; idx++) {
          const chunk = chunkAt(row.name, row.version, idx)!;
          payload.set(chunk, at);
          at += chunk.length;
        }
        return { ...modelInfoFromRow(row), payload };
      });
    },
    async loadChunks(name, version?: number, options?: CallOptions): Promise<ModelChunks | undefined> {
      enter(options?.signal);
      validateKey('name', name);
      if (version !== undefined) validateInteger('version', version, 1, 1);
      const signal = options?.signal;
      const row = run('models.loadChunks', signal, () => head(name, version));
      if (row === undefined) return undefined;
      const found = { name: row.name, version: row.version };
      // One statement per chunk, with a turn of the event loop between them: no cursor or
      // transaction stays open across a yield, and a missing chunk means the version was deleted.
      async function* chunks(): AsyncGenerator<Uint8Array> {
        if (row!.inline > 0) {
          const inline = run('models.loadChunks', signal, () => inlinePayload(found.name, found.version));
          if (inline === undefined) throw deletedWhileRead(found.name, found.version);
          yield inline;
        }
        // Chunks of a few MiB take milliseconds to read: the thread pays off for the large ones. It
        // reads one chunk ahead, so the next is read while the caller decodes this one.
        const offThread = row!.chunks > 0 && row!.bytes / row!.chunks >= OFF_THREAD_CHUNK_BYTES;
        yield* chunksInOrder(row!.chunks, offThread, (idx) => readChunk(found.name, found.version, idx, offThread, signal), () => deletedWhileRead(found.name, found.version));
      }
      return { ...modelInfoFromRow(row), byteLength: row.inline + row.bytes, chunks: chunks() };
    },
    async versions(name, options?: CallOptions) {
      enter(options?.signal);
      validateKey('name', name);
      return run('models.versions', options?.signal, () =>
        (sql('SELECT name, version, created_at, meta FROM models WHERE name = ? ORDER BY version DESC').all([name]) as ModelRow[]).map(
          modelInfoFromRow,
        ),
      );
    },
    async names(options?: CallOptions) {
      return run('models.names', options?.signal, () =>
        (sql('SELECT DISTINCT name FROM models ORDER BY name').all([]) as { name: string }[]).map((row) => row.name),
      );
    },
    async activate(name, version, options?: CallOptions) {
      enter(options?.signal);
      validateKey('name', name);
      validateInteger('version', version, 1, 1);
      await write('models.activate', options?.signal, () => {
        const exists = sql('SELECT 1 AS one FROM models WHERE name = ? AND version = ?').get([name, version]);
        if (exists === undefined) {
          throw new NotFoundError(`model ${name} has no stored version ${version}`, { details: { name, version } });
        }
        sql(
          `INSERT INTO model_active (name, version, activated_at) VALUES (?, ?, ?)
           ON CONFLICT (name) DO UPDATE SET version = excluded.version, activated_at = excluded.activated_at`,
        ).run([name, version, Date.now()]);
      });
    },
    async active(name, options?: CallOptions) {
      enter(options?.signal);
      validateKey('name', name);
      return run('models.active', options?.signal, () => {
        const row = sql('SELECT version FROM model_active WHERE name = ?').get([name]) as { version: number } | undefined;
        return row?.version;
      });
    },
    async heads(options?: CallOptions) {
      return run('models.heads', options?.signal, () =>
        (
          sql(
            `SELECT m.name AS name, MAX(m.version) AS latest, a.version AS active
             FROM models m LEFT JOIN model_active a ON a.name = m.name
             GROUP BY m.name ORDER BY m.name`,
          ).all([]) as { name: string; latest: number; active: number | null }[]
        ).map((row) => (row.active === null ? { name: row.name, latest: row.latest } : { name: row.name, latest: row.latest, active: row.active })),
      );
    },
    async delete(name, version, options?: CallOptions) {
      enter(options?.signal);
      validateKey('name', name);
      validateInteger('version', version, 1, 1);
      return write('models.delete', options?.signal, () => {
        const removed = sql('DELETE FROM models WHERE name = ? AND version = ?').run([name, version]).changes > 0;
        sql('DELETE FROM model_chunks WHERE name = ? AND version = ?').run([name, version]);
        // In the same transaction: an activation never points at a version that is gone.
        if (removed) sql('DELETE FROM model_active WHERE name = ? AND version = ?').run([name, version]);
        return removed;
      });
    },
  };
}
