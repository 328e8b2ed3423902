/**
 * PostgreSQL backend: the storage port over a pool of connections (node-postgres), for several
 * processes and machines sharing one database. Every call takes a pooled connection for one
 * statement or one transaction and gives it back; scans page by keyset (one statement per page, no
 * cursor or transaction open across a yield), so a slow consumer holds nothing on the server.
 *
 * - Writes: one transaction per call, resolved after the commit with `synchronous_commit = on`
 *   (`postgres-calls.ts`); bulk rows go in multi-row `INSERT … SELECT FROM unnest(…)` statements of
 *   at most 5,000 rows; `bulkWrite` with `transactionRows` commits in bounded transactions.
 * - Event seqs commit in order, so `scan({ afterSeq })` followers never skip one (`postgres-event-log.ts`).
 * - Model payloads in `bytea` chunks (`postgres-model-store.ts`); embeddings as `bytea` float32.
 * - `statement_timeout` on every connection (default 30 s), a pool of `poolSize` (default 10), an
 *   abort cancels the running statement; errors mapped in `postgres-errors.ts`.
 * @module
 */
import { BackendError, ConflictError, EngineError, NotFoundError, ValidationError } from '../../core/errors.js';
import { undoChunkedWrite } from '../undo-chunked-write.js';
import type { Event, Item, User } from '../../core/types.js';
import type {
  BulkWrite,
  BulkWriteOptions,
  BulkWriteResult,
  CallOptions,
  CatalogStore,
  DeleteBeforeOptions,
  EmbeddingStore,
  EventQuery,
  EventStore,
  Impression,
  ImpressionStats,
  ImpressionStore,
  ImportMark,
  ListOptions,
  RecordImpressionOptions,
  Storage,
  StorageCapabilities,
  UserDeletion,
  UserStore,
} from '../storage.js';
import { redactUrl } from '../storage-url.js';
import {
  validateBulkWrite,
  validateEmbeddingEntries,
  validateEventTypes,
  validateEvents,
  validateImpression,
  validateInteger,
  validateItems,
  validateKey,
  validateRetention,
  validateUsers,
} from '../validation.js';
import type { PgConnectionConfig, PgValue } from './pg-driver.js';
import { createPgPool } from './pg-driver.js';
import type { PgQueryFn } from './postgres-calls.js';
import { createPostgresCalls } from './postgres-calls.js';
import { createPostgresErasureStore, recordErasure } from './postgres-erasure-store.js';
import { postgresError } from './postgres-errors.js';
import { createPostgresGeneratedTextStore, createPostgresLlmCacheStore } from './postgres-llm-stores.js';
import { createAppendQueue } from './postgres-append-queue.js';
import { EVENT_COLUMNS, appendEvents } from './postgres-event-log.js';
import { checkImport, createPostgresImportStore, lockImports, recordImport } from './postgres-import-store.js';
import { createPostgresChunkReader } from './postgres-chunk-reader.js';
import { checkPostgresChunkBytes, createPostgresModelStore } from './postgres-model-store.js';
import { deleteEventsBefore, deleteImpressionsBefore } from './postgres-retention.js';
import { migratePostgresSchema } from './postgres-schema.js';
import { createPostgresSettingsStore } from './postgres-settings-store.js';
import { clearPostgresSnapshots, createPostgresSnapshotStore } from './postgres-snapshot-store.js';
import { createPostgresChangeStore } from './postgres-change-store.js';
import { createPostgresWatch } from './postgres-watch.js';
import { createPostgresLeaseStore } from './postgres-lease-store.js';
import type { EventRow, ImpressionRow, ItemRow, UserRow } from './postgres-rows.js';
import { COUNTED_EVENT_COLUMNS, ITEM_COLUMNS, countedEventFromRow, eventFromRow, impressionFromRow, itemFromRow, upsertEmbeddings, upsertItems, upsertUsers, userFromRow, vectorFromBytes } from './postgres-rows.js';
import { createPostgresTransfer } from './postgres-transfer.js';
import { SCHEMA_NAME, parsePostgresUrl } from './postgres-url.js';

/** Options of {@link createPostgresStorage}. */
export interface PostgresStorageOptions {
  /**
   * `postgres://user:password@host:port/database?…`; lmrec's own parameters (`pool_size`,
   * `statement_timeout`, `connect_timeout`, `schema`, see `postgres-url.ts`) are read from it, and
   * the options below override them.
   */
  url: string;
  /** Schema holding the tables (created when missing); default: the connection's `search_path`, i.e. `public`. */
  schema?: string;
  /** Most connections open at once (default {@link DEFAULT_POOL_SIZE}). */
  poolSize?: number;
  /** Server-side limit of one statement, ms (default {@link DEFAULT_STATEMENT_TIMEOUT_MS}; 0: none). */
  statementTimeoutMs?: number;
  /** Give up connecting after this long, ms (default 10 s). */
  connectTimeoutMs?: number;
  /** Bytes per stored chunk of a model payload (default 64 MiB, at most 128 MiB). */
  modelChunkBytes?: number;
  /** Open for reading only (`default_transaction_read_only`); writes reject with `UnsupportedError`. */
  readonly?: boolean;
  /** Abort opening. */
  signal?: AbortSignal;
}

/** Connections per storage when no size is given. */
export const DEFAULT_POOL_SIZE = 10;
/** Statement timeout when none is given: long enough for a 64 MiB chunk, short enough to free a stuck request. */
export const DEFAULT_STATEMENT_TIMEOUT_MS = 30_000;
const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/** Page size of `list` when the caller gives none (as SQLite). */
const DEFAULT_LIST_LIMIT = 100;
/** Largest page `list` returns. */
const MAX_LIST_LIMIT = 10_000;
const DEFAULT_ITEM_SCAN_BATCH = 1_000;
const DEFAULT_EVENT_SCAN_BATCH = 10_000;

/** Namespace of the per-user advisory locks that order a user's deletion against impressions recorded for them. */
const USER_LOCK_SPACE = 0x6c6d72;

/** Takes the advisory lock of one user until the caller's transaction ends. */
export async function lockUser(query: PgQueryFn, userId: string): Promise<void> {
  await query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [USER_LOCK_SPACE, userId]);
}

function isStringArray(value: unknown): value is readonly string[] {
  return Array.isArray(value) && value.every((entry) => typeof entry === 'string');
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Connects to the database a `postgres://` URL names, brings its schema up to date (under an
 * advisory lock, so concurrent starts are safe) and returns the storage. Throws `BackendError`
 * when the server cannot be reached or the schema is newer than this build.
 * @example
 * const storage = await createPostgresStorage({ url: 'postgres://lmrec@127.0.0.1:5432/lmrec', poolSize: 20 });
 * await storage.items.upsert([{ id: 'm1', title: 'Heat' }]);
 * await storage.close();
 */
export async function createPostgresStorage(options: PostgresStorageOptions): Promise<Storage> {
  if (typeof options.url !== 'string' || !/^postgres(ql)?:\/\//i.test(options.url)) {
    throw new ValidationError('postgres storage url must start with postgres:// or postgresql://', { details: { field: 'url' } });
  }
  const shown = redactUrl(options.url);
  const fromUrl = parsePostgresUrl(options.url);
  const poolSize = validateInteger('poolSize', options.poolSize ?? fromUrl.poolSize, 1, DEFAULT_POOL_SIZE);
  const statementTimeoutMs = validateInteger('statementTimeoutMs', options.statementTimeoutMs ?? fromUrl.statementTimeoutMs, 0, DEFAULT_STATEMENT_TIMEOUT_MS);
  const connectTimeoutMs = validateInteger('connectTimeoutMs', options.connectTimeoutMs ?? fromUrl.connectTimeoutMs, 1, DEFAULT_CONNECT_TIMEOUT_MS);
  const schema = options.schema ?? fromUrl.schema;
  if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
    throw new ValidationError(`schema must be a plain identifier (letters, digits, _; got "${schema}")`, { details: { field: 'schema' } });
  }
  const modelChunkBytes = checkPostgresChunkBytes(options.modelChunkBytes);
  const connection: PgConnectionConfig = {
    connectionString: fromUrl.connectionString,
    statementTimeoutMs,
    connectTimeoutMs,
    applicationName: 'lmrec',
    readonly: options.readonly ?? false,
    ...(schema === undefined ? {} : { schema }),
    ...(fromUrl.options === undefined ? {} : { extraOptions: fromUrl.options }),
  };
  const pool = createPgPool({ ...connection, max: poolSize, idleTimeoutMs: 30_000 });
  // An idle connection the server dropped: the pool discards it and the next call opens another.
  pool.on('error', () => undefined);

  let readOnlyReason: string | undefined;
  try {
    const client = await pool.connect();
    try {
      const readOnly = await client.query<{ transaction_read_only: string }>({ text: 'SHOW transaction_read_only' });
      if (readOnly.rows[0].transaction_read_only === 'on') {
        readOnlyReason = options.readonly === true ? 'opened read-only' : 'the server takes no writes (a standby, or default_transaction_read_only)';
        const present = await client.query<{ present: boolean }>({ text: "SELECT to_regclass('lmrec_schema_migrations') IS NOT NULL AS present" });
        if (!present.rows[0].present) throw new BackendError(`${shown} holds no lmrec schema and is read-only; open it writable once to create it`);
      } else {
        await migratePostgresSchema(client, schema === undefined ? {} : { schema });
      }
    } finally {
      client.release();
    }
  } catch (error) {
    await pool.end().catch(() => undefined);
    const mapped = postgresError('open', error, options.signal);
    if (mapped instanceof BackendError && !(error instanceof EngineError)) {
      throw new BackendError(`cannot open postgres storage ${shown}: ${message(error)}`, { cause: error, details: { ...mapped.details, url: shown } });
    }
    throw mapped;
  }

  const calls = createPostgresCalls({ pool, connection, url: shown, ...(readOnlyReason === undefined ? {} : { readOnlyReason }) });
  const changesWatch = createPostgresWatch(connection);
  const chunkReader = createPostgresChunkReader(connection);
  const { enter, read, write } = calls;

  function listLimit(limit: number | undefined): number {
    return Math.min(validateInteger('limit', limit, 0, DEFAULT_LIST_LIMIT), MAX_LIST_LIMIT);
  }

  function optionalAfter(after: string | undefined): string | undefined {
    if (after !== undefined && typeof after !== 'string') throw new ValidationError('after must be a string', { details: { field: 'after' } });
    return after;
  }

  async function itemPage(query: PgQueryFn, after: string | undefined, limit: number): Promise<Item[]> {
    const rows =
      after === undefined
        ? await query<ItemRow>(`SELECT ${ITEM_COLUMNS} FROM items ORDER BY id LIMIT $1`, [limit])
        : await query<ItemRow>(`SELECT ${ITEM_COLUMNS} FROM items WHERE id > $1 ORDER BY id LIMIT $2`, [after, limit]);
    return rows.rows.map(itemFromRow);
  }

  const items: CatalogStore = {
    async upsert(batch, options?: CallOptions) {
      enter(options?.signal);
      validateItems(batch);
      return write('items.upsert', options?.signal, (query) => upsertItems(query, batch));
    },
    async get(id, options?: CallOptions) {
      enter(options?.signal);
      validateKey('id', id);
      return read('items.get', options?.signal, async (query) => {
        const row = (await query<ItemRow>(`SELECT ${ITEM_COLUMNS} FROM items WHERE id = $1`, [id])).rows[0];
        return row === undefined ? undefined : itemFromRow(row);
      });
    },
    async getMany(ids, options?: CallOptions) {
      enter(options?.signal);
      if (!isStringArray(ids)) throw new ValidationError('ids must be an array of strings', { details: { field: 'ids' } });
      if (ids.length === 0) return [];
      return read('items.getMany', options?.signal, async (query) => {
        const rows = (await query<ItemRow>(`SELECT ${ITEM_COLUMNS} FROM items WHERE id = ANY($1::text[])`, [ids])).rows;
        const byId = new Map(rows.map((row) => [row.id, itemFromRow(row)]));
        return ids.flatMap((id) => {
          const found = byId.get(id);
          return found === undefined ? [] : [found];
        });
      });
    },
    async delete(id, options?: CallOptions) {
      enter(options?.signal);
      validateKey('id', id);
      return write('items.delete', options?.signal, async (query) => ((await query('DELETE FROM items WHERE id = $1', [id])).rowCount ?? 0) > 0);
    },
    async list(options: ListOptions = {}) {
      enter(options.signal);
      const after = optionalAfter(options.after);
      const limit = listLimit(options.limit);
      return read('items.list', options.signal, (query) => itemPage(query, after, limit));
    },
    async *scan(options: CallOptions & { batchSize?: number } = {}) {
      enter(options.signal);
      const batchSize = validateInteger('batchSize', options.batchSize, 1, DEFAULT_ITEM_SCAN_BATCH);
      let after: string | undefined;
      for (;;) {
        const page = await read('items.scan', options.signal, (query) => itemPage(query, after, batchSize));
        if (page.length === 0) return;
        yield page;
        if (page.length < batchSize) return;
        after = page[page.length - 1].id;
      }
    },
    async count(options?: CallOptions) {
      return read('items.count', options?.signal, async (query) => (await query<{ n: number }>('SELECT COUNT(*) AS n FROM items')).rows[0].n);
    },
  };

  const users: UserStore = {
    async upsert(batch, options?: CallOptions) {
      enter(options?.signal);
      validateUsers(batch);
      return write('users.upsert', options?.signal, (query) => upsertUsers(query, batch));
    },
    async get(id, options?: CallOptions) {
      enter(options?.signal);
      validateKey('id', id);
      return read('users.get', options?.signal, async (query) => {
        const row = (await query<UserRow>('SELECT id, attributes FROM users WHERE id = $1', [id])).rows[0];
        return row === undefined ? undefined : userFromRow(row);
      });
    },
    async delete(id, options?: CallOptions): Promise<UserDeletion> {
      enter(options?.signal);
      validateKey('id', id);
      return write('users.delete', options?.signal, async (query) => {
        // The user's lock first: an impression recorded for them concurrently lands before or not at all.
        await lockUser(query, id);
        // While their events are still there: the log keeps where they began, not who they were.
        await recordErasure(query, id, Date.now());
        const events = (await query('DELETE FROM events WHERE user_id = $1', [id])).rowCount ?? 0;
        const clicks = (await query('DELETE FROM clicks WHERE impression_id IN (SELECT id FROM impressions WHERE user_id = $1)', [id])).rowCount ?? 0;
        const impressionCount = (await query('DELETE FROM impressions WHERE user_id = $1', [id])).rowCount ?? 0;
        const user = ((await query('DELETE FROM users WHERE id = $1', [id])).rowCount ?? 0) > 0;
        // Derived state (the live counts' snapshot) may hold their events.
        await clearPostgresSnapshots(query);
        return { user, events, impressions: impressionCount, clicks };
      });
    },
    async list(options: ListOptions = {}) {
      enter(options.signal);
      const after = optionalAfter(options.after);
      const limit = listLimit(options.limit);
      return read('users.list', options.signal, async (query) =>
        (after === undefined
          ? await query<UserRow>('SELECT id, attributes FROM users ORDER BY id LIMIT $1', [limit])
          : await query<UserRow>('SELECT id, attributes FROM users WHERE id > $1 ORDER BY id LIMIT $2', [after, limit])
        ).rows.map(userFromRow),
      );
    },
    async count(options?: CallOptions) {
      return read('users.count', options?.signal, async (query) => (await query<{ n: number }>('SELECT COUNT(*) AS n FROM users')).rows[0].n);
    },
  };

  // Appends waiting for the one in flight are written together in the next transaction (group commit).
  const appendQueue = createAppendQueue((batch, signal) => write('events.append', signal, (query) => appendEvents(query, batch)));

  const events: EventStore = {
    async append(batch, options?: CallOptions) {
      enter(options?.signal);
      validateEvents(batch);
      if (batch.length === 0) return [];
      return appendQueue.append(batch, options?.signal);
    },
    async *scan(eventQuery: EventQuery = {}) {
      enter(eventQuery.signal);
      const batchSize = validateInteger('batchSize', eventQuery.batchSize, 1, DEFAULT_EVENT_SCAN_BATCH);
      let afterSeq = validateInteger('afterSeq', eventQuery.afterSeq, 0, 0);
      const userId = eventQuery.userId === undefined ? undefined : validateKey('userId', eventQuery.userId);
      const itemId = eventQuery.itemId === undefined ? undefined : validateKey('itemId', eventQuery.itemId);
      const types = validateEventTypes(eventQuery.types);
      if (types !== undefined && types.length === 0) return;
      const where = ['seq > $1'];
      const filters: PgValue[] = [];
      if (userId !== undefined) {
        filters.push(userId);
        where.push(`user_id = $${filters.length + 1}`);
      }
      if (itemId !== undefined) {
        filters.push(itemId);
        where.push(`item_id = $${filters.length + 1}`);
      }
      if (types !== undefined) {
        filters.push([...types]);
        where.push(`type = ANY($${filters.length + 1}::text[])`);
      }
      const text = `SELECT ${EVENT_COLUMNS} FROM events WHERE ${where.join(' AND ')} ORDER BY seq LIMIT $${filters.length + 2}`;
      for (;;) {
        const page = await read('events.scan', eventQuery.signal, async (query) => (await query<EventRow>(text, [afterSeq, ...filters, batchSize])).rows.map(eventFromRow));
        if (page.length === 0) return;
        yield page;
        if (page.length < batchSize) return;
        afterSeq = page[page.length - 1].seq;
      }
    },
    async *scanCounted(eventQuery: Pick<EventQuery, 'afterSeq' | 'batchSize' | 'signal'> = {}) {
      enter(eventQuery.signal);
      const batchSize = validateInteger('batchSize', eventQuery.batchSize, 1, DEFAULT_EVENT_SCAN_BATCH);
      let afterSeq = validateInteger('afterSeq', eventQuery.afterSeq, 0, 0);
      const text = `SELECT ${COUNTED_EVENT_COLUMNS} FROM events WHERE seq > $1 ORDER BY seq LIMIT $2`;
      for (;;) {
        const page = await read('events.scanCounted', eventQuery.signal, async (query) => (await query<Omit<EventRow, 'user_id' | 'context'>>(text, [afterSeq, batchSize])).rows.map(countedEventFromRow));
        if (page.length === 0) return;
        yield page;
        if (page.length < batchSize) return;
        afterSeq = page[page.length - 1].seq;
      }
    },
    async forUser(userId, options: CallOptions & { limit?: number } = {}) {
      enter(options.signal);
      validateKey('userId', userId);
      const limit = options.limit === undefined ? undefined : validateInteger('limit', options.limit, 0, 0);
      return read('events.forUser', options.signal, async (query) =>
        (limit === undefined
          ? await query<EventRow>(`SELECT ${EVENT_COLUMNS} FROM events WHERE user_id = $1 ORDER BY ts, seq`, [userId])
          : // The latest `limit` from the index backwards, then back in time order.
            await query<EventRow>(
              `SELECT * FROM (SELECT ${EVENT_COLUMNS} FROM events WHERE user_id = $1 ORDER BY ts DESC, seq DESC LIMIT $2) latest ORDER BY ts, seq`,
              [userId, limit],
            )
        ).rows.map(eventFromRow),
      );
    },
    async count(options: CallOptions & { userId?: string; itemId?: string } = {}) {
      enter(options.signal);
      const userId = options.userId === undefined ? undefined : validateKey('userId', options.userId);
      const itemId = options.itemId === undefined ? undefined : validateKey('itemId', options.itemId);
      return read('events.count', options.signal, async (query) => {
        const where: string[] = [];
        const params: PgValue[] = [];
        if (userId !== undefined) {
          params.push(userId);
          where.push(`user_id = $${params.length}`);
        }
        if (itemId !== undefined) {
          params.push(itemId);
          where.push(`item_id = $${params.length}`);
        }
        const text = `SELECT COUNT(*) AS n FROM events${where.length === 0 ? '' : ` WHERE ${where.join(' AND ')}`}`;
        return (await query<{ n: number }>(text, params)).rows[0].n;
      });
    },
    async lastSeq(options?: CallOptions) {
      // The counter, committed with the events it numbered: never an event still in flight, and it
      // does not move back when the newest events are deleted.
      return read('events.lastSeq', options?.signal, async (query) => (await query<{ value: number }>("SELECT value FROM counters WHERE name = 'events'")).rows[0].value);
    },
    async deleteBefore(before: number, options?: DeleteBeforeOptions) {
      enter(options?.signal);
      const args = validateRetention(before, options?.limit);
      return write('events.deleteBefore', options?.signal, (query) => deleteEventsBefore(query, args.before, args.limit));
    },
  };

  const impressions: ImpressionStore = {
    async record(impression: Impression, options?: RecordImpressionOptions) {
      enter(options?.signal);
      validateImpression(impression);
      return write('impressions.record', options?.signal, async (query) => {
        if (options?.onlyKnownUser === true) {
          // Under the user's lock, which a deletion holds to its commit: a deletion committed
          // before this check leaves nothing to find, one after it removes this row too.
          await lockUser(query, impression.userId);
          const known = await query(
            'SELECT 1 FROM users WHERE id = $1 UNION ALL SELECT 1 FROM (SELECT 1 FROM events WHERE user_id = $1 LIMIT 1) e LIMIT 1',
            [impression.userId],
          );
          if (known.rows.length === 0) return false;
        }
        const inserted = await query(
          `INSERT INTO impressions (id, user_id, model_version, variant, item_ids, created_at) VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (id) DO NOTHING`,
          [impression.id, impression.userId, impression.modelVersion, impression.variant, JSON.stringify(impression.itemIds), impression.createdAt],
        );
        if ((inserted.rowCount ?? 0) === 0) {
          throw new ConflictError(`impression ${impression.id} is already recorded`, { details: { field: 'id', id: impression.id } });
        }
        return true;
      });
    },
    async get(id, options?: CallOptions) {
      enter(options?.signal);
      validateKey('id', id);
      return read('impressions.get', options?.signal, async (query) => {
        const row = (await query<ImpressionRow>('SELECT id, user_id, model_version, variant, item_ids, created_at FROM impressions WHERE id = $1', [id])).rows[0];
        return row === undefined ? undefined : impressionFromRow(row);
      });
    },
    async click(impressionId, itemId, at, options?: CallOptions) {
      enter(options?.signal);
      validateKey('impressionId', impressionId);
      validateKey('itemId', itemId);
      if (typeof at !== 'number' || !Number.isFinite(at)) throw new ValidationError('at must be a finite number (ms since epoch)', { details: { field: 'at' } });
      await write('impressions.click', options?.signal, async (query) => {
        // FOR SHARE: a deletion of the list waits for this click, then removes it with the list.
        const row = (await query<{ item_ids: string }>('SELECT item_ids FROM impressions WHERE id = $1 FOR SHARE', [impressionId])).rows[0];
        if (row === undefined) throw new NotFoundError(`impression ${impressionId} not found`, { details: { field: 'impressionId', impressionId } });
        if (!(JSON.parse(row.item_ids) as string[]).includes(itemId)) {
          throw new ValidationError(`item ${itemId} was not in impression ${impressionId}`, { details: { field: 'itemId', impressionId, itemId } });
        }
        await query('INSERT INTO clicks (impression_id, item_id, at) VALUES ($1, $2, $3) ON CONFLICT (impression_id, item_id) DO NOTHING', [impressionId, itemId, at]);
      });
    },
    async stats(options: CallOptions & { since?: number } = {}) {
      enter(options.signal);
      const since = options.since;
      if (since !== undefined && (typeof since !== 'number' || !Number.isFinite(since))) {
        throw new ValidationError('since must be a finite number (ms since epoch)', { details: { field: 'since' } });
      }
      return read('impressions.stats', options.signal, async (query) =>
        (
          await query<{ model_version: string; variant: string; impressions: number; clicks: number }>(
            `SELECT i.model_version AS model_version, i.variant AS variant, COUNT(*) AS impressions, COALESCE(SUM(c.n), 0)::bigint AS clicks
             FROM impressions i LEFT JOIN (SELECT impression_id, COUNT(*) AS n FROM clicks GROUP BY impression_id) c ON c.impression_id = i.id
             WHERE i.created_at >= $1
             GROUP BY i.model_version, i.variant
             ORDER BY i.model_version, i.variant`,
            [since ?? -Number.MAX_VALUE],
          )
        ).rows.map((row): ImpressionStats => ({ modelVersion: row.model_version, variant: row.variant, impressions: row.impressions, clicks: row.clicks })),
      );
    },
    async deleteBefore(before: number, options?: DeleteBeforeOptions) {
      enter(options?.signal);
      const args = validateRetention(before, options?.limit);
      return write('impressions.deleteBefore', options?.signal, (query) => deleteImpressionsBefore(query, args.before, args.limit));
    },
  };

  const embeddings: EmbeddingStore = {
    async get(encoderId, hashes, options?: CallOptions) {
      enter(options?.signal);
      validateKey('encoderId', encoderId);
      if (!isStringArray(hashes)) throw new ValidationError('hashes must be an array of strings', { details: { field: 'hashes' } });
      const out = new Map<string, Float32Array>();
      if (hashes.length === 0) return out;
      return read('embeddings.get', options?.signal, async (query) => {
        const rows = (await query<{ hash: string; vector: unknown }>('SELECT hash, vector FROM embeddings WHERE encoder = $1 AND hash = ANY($2::text[])', [encoderId, hashes])).rows;
        for (const row of rows) out.set(row.hash, vectorFromBytes(row.vector));
        return out;
      });
    },
    async put(encoderId, entries, options?: CallOptions) {
      enter(options?.signal);
      validateKey('encoderId', encoderId);
      validateEmbeddingEntries(entries);
      if (entries.length === 0) return 0;
      return write('embeddings.put', options?.signal, async (query) => {
        await upsertEmbeddings(query, entries.map((e) => ({ encoder: encoderId, hash: e.hash, vector: e.vector })));
        return entries.length;
      });
    },
    async count(encoderId, options?: CallOptions) {
      enter(options?.signal);
      validateKey('encoderId', encoderId);
      return read('embeddings.count', options?.signal, async (query) => (await query<{ n: number }>('SELECT COUNT(*) AS n FROM embeddings WHERE encoder = $1', [encoderId])).rows[0].n);
    },
  };

  /** One bounded transaction of a chunked bulk write. */
  async function writePart(
    query: PgQueryFn,
    part: { kind: 'items' | 'users' | 'events'; rows: readonly (Item | User | Event)[] },
    written: BulkWriteResult,
  ): Promise<number[]> {
    if (part.kind === 'items') written.items += await upsertItems(query, part.rows as readonly Item[]);
    else if (part.kind === 'users') written.users += await upsertUsers(query, part.rows as readonly User[]);
    else {
      const seqs = await appendEvents(query, part.rows as readonly Event[]);
      written.events += seqs.length;
      return seqs;
    }
    return [];
  }

  /**
   * `bulkWrite` in transactions of at most `chunkRows` rows, as SQLite's: the import mark is checked
   * in the first transaction and recorded in the last; when a chunk fails, the events earlier
   * chunks wrote are deleted again (their seqs are contiguous per transaction).
   */
  async function chunkedBulkWrite(batch: { items: readonly Item[]; users: readonly User[]; events: readonly Event[] }, mark: ImportMark | undefined, chunkRows: number, signal: AbortSignal | undefined): Promise<BulkWriteResult> {
    const written = { items: 0, users: 0, events: 0 };
    const eventRanges: [number, number][] = [];
    const parts: { kind: 'items' | 'users' | 'events'; rows: readonly (Item | User | Event)[] }[] = [];
    for (let i = 0; i < batch.items.length; i += chunkRows) parts.push({ kind: 'items', rows: batch.items.slice(i, i + chunkRows) });
    for (let i = 0; i < batch.users.length; i += chunkRows) parts.push({ kind: 'users', rows: batch.users.slice(i, i + chunkRows) });
    for (let i = 0; i < batch.events.length; i += chunkRows) parts.push({ kind: 'events', rows: batch.events.slice(i, i + chunkRows) });
    try {
      for (let index = 0; index < parts.length; index++) {
        const last = index === parts.length - 1;
        await write('bulkWrite', signal, async (query) => {
          if (mark !== undefined && (index === 0 || last)) {
            await lockImports(query);
            await checkImport(query, mark);
          }
          const seqs = await writePart(query, parts[index], written);
          if (seqs.length > 0) eventRanges.push([seqs[0], seqs[seqs.length - 1]]);
          if (last && mark !== undefined) await recordImport(query, mark, written, Date.now());
        });
      }
      return written;
    } catch (error) {
      return undoChunkedWrite(error, written, eventRanges, chunkRows, (first, last) => write('bulkWrite.undo', undefined, async (query) => {
          const undone = (await query('DELETE FROM events WHERE seq BETWEEN $1 AND $2', [first, last])).rowCount ?? 0;
          if (undone > 0) await clearPostgresSnapshots(query);
          return undone;
        }));
    }
  }

  const capabilities: StorageCapabilities = Object.freeze({ concurrentWriters: true });

  return {
    url: shown,
    capabilities,
    items,
    users,
    events,
    models: createPostgresModelStore(calls, { chunkBytes: modelChunkBytes, chunkReader }),
    embeddings,
    impressions,
    erasures: createPostgresErasureStore(calls),
    imports: createPostgresImportStore(calls),
    settings: createPostgresSettingsStore(calls),
    snapshots: createPostgresSnapshotStore(calls),
    llmCache: createPostgresLlmCacheStore(calls),
    generatedTexts: createPostgresGeneratedTextStore(calls),
    changes: createPostgresChangeStore(calls),
    leases: createPostgresLeaseStore(calls),
    transfer: createPostgresTransfer(calls, { chunkBytes: modelChunkBytes }),
    async bulkWrite(batch: BulkWrite, options?: BulkWriteOptions): Promise<BulkWriteResult> {
      enter(options?.signal);
      const { items: batchItems, users: batchUsers, events: batchEvents, mark, rows, chunkRows } = validateBulkWrite(batch, options);
      if (chunkRows === undefined || rows <= chunkRows) {
        if (rows === 0 && mark === undefined) return { items: 0, users: 0, events: 0 };
        return write('bulkWrite', options?.signal, async (query) => {
          if (mark !== undefined) {
            await lockImports(query);
            await checkImport(query, mark);
          }
          const written = { items: await upsertItems(query, batchItems), users: await upsertUsers(query, batchUsers), events: 0 };
          // Events last: the event counter's lock is then held for the shortest time.
          written.events = (await appendEvents(query, batchEvents)).length;
          if (mark !== undefined) await recordImport(query, mark, written, Date.now());
          return written;
        });
      }
      return chunkedBulkWrite({ items: batchItems, users: batchUsers, events: batchEvents }, mark, chunkRows, options?.signal);
    },
    health: () => calls.health(),
    watch: changesWatch.watch,
    close: async () => {
      await changesWatch.close();
      await chunkReader.close();
      await calls.close();
    },
  };
}

