/**
 * Embedded SQLite backend: the default storage, one file (or memory) per engine. The driver is
 * synchronous, so every method does its work in one synchronous stretch; async generators yield
 * between pages, and no cursor stays open across a yield, so scans never block writers.
 *
 * SQLite allows one writer at a time across processes (WAL lets readers continue meanwhile). A
 * write waiting for another process's lock must not hold up the event loop, so SQLite's own
 * (synchronous) busy wait is kept short ({@link LOCK_WAIT_SLICE_MS}) and a write that finds the lock
 * taken retries asynchronously with backoff until `busyTimeoutMs` has passed (`write-lock.ts`).
 *
 * A file that cannot be written (mode, read-only mount, `-wal`/`-shm` files or a directory that
 * cannot be written) is opened read-only rather than refused: reads are served, writes are refused
 * with `UnsupportedError`, and {@link Storage.health} says why (`sqlite-access.ts`).
 * @module
 */
import { BackendError, EngineError, UnsupportedError, ValidationError, throwIfAborted } from '../../core/errors.js';
import { undoChunkedWrite } from '../undo-chunked-write.js';
import type { Attributes, Event, Item, StoredEvent, User } from '../../core/types.js';
import type {
  BulkWrite,
  BulkWriteOptions,
  BulkWriteResult,
  CallOptions,
  CatalogStore,
  DeleteBeforeOptions,
  EmbeddingStore,
  ErasureStore,
  CountedEvent,
  EventQuery,
  EventStore,
  ImportStore,
  ListOptions,
  ModelStore,
  SettingsStore,
  Storage,
  StorageCapabilities,
  StorageHealth,
  UserDeletion,
  UserStore,
} from '../storage.js';
import { redactUrl } from '../storage-url.js';
import { createWriteHealth } from '../write-health.js';
import {
  encodeJson,
  validateBulkWrite,
  validateEmbeddingEntries,
  validateEventTypes,
  validateEvents,
  validateInteger,
  validateItems,
  validateKey,
  validateUsers,
} from '../validation.js';
import { openSqliteAccess } from './sqlite-access.js';
import type { SqliteCalls } from './sqlite-calls.js';
import { toBytes } from './sqlite-driver.js';
import type { SqliteDatabase, SqliteStatement, SqliteValue } from './sqlite-driver.js';
import { createSqliteErasureStore, recordErasure } from './sqlite-erasure-store.js';
import { checkImport, createSqliteImportStore, recordImport } from './sqlite-import-store.js';
import { MODEL_CHUNKS_SCHEMA_VERSION, checkModelChunkBytes, createSqliteModelStore } from './sqlite-model-store.js';
import { createChunkReader } from './sqlite-chunk-reader.js';
import { deleteEventsBefore, retentionArguments } from './sqlite-retention.js';
import { createSqliteSettingsStore } from './sqlite-settings-store.js';
import { clearSqliteSnapshots, createSqliteSnapshotStore } from './sqlite-snapshot-store.js';
import { createSqliteChangeStore } from './sqlite-change-store.js';
import { createSqliteImpressionStore } from './sqlite-impression-store.js';
import { createSqliteLeaseStore } from './sqlite-lease-store.js';
import { createSqliteGeneratedTextStore, createSqliteLlmCacheStore } from './sqlite-llm-stores.js';
import { SQLITE_SCHEMA_VERSION, migrateSqliteSchema, readSqliteSchemaVersion } from './sqlite-schema.js';
import { createSqliteTransfer } from './sqlite-transfer.js';
import { BULK_CHUNK_PAUSE_MS, LOCK_WAIT_SLICE_MS, isBusyError, waitForLock } from './write-lock.js';

/** Options of {@link createSqliteStorage}. */
export interface SqliteStorageOptions {
  /** Database file (created with its schema when missing; its directory must exist) or `:memory:`. */
  path: string;
  /** Open an existing file for reading only; writes reject with `UnsupportedError`. */
  readonly?: boolean;
  /**
   * How long a write waits for another process's write lock before failing (default 5000 ms). The
   * wait is asynchronous: the thread blocks for at most {@link LOCK_WAIT_SLICE_MS} at a time.
   */
  busyTimeoutMs?: number;
  /** URL to report as `storage.url` (redacted); defaults to one built from `path`. */
  url?: string;
  /**
   * Bytes per stored chunk of a model payload (default 64 MiB, at most 512 MiB): payloads are split
   * so that none exceeds SQLite's 1 GB BLOB limit. Tests use a small value to cover multi-chunk
   * payloads without writing gigabytes.
   */
  modelChunkBytes?: number;
}

/** Page size of `list` when the caller gives none. */
export const DEFAULT_LIST_LIMIT = 100;
/** Largest page `list` returns, whatever the caller asks: bounds memory per call. */
export const MAX_LIST_LIMIT = 10_000;
/** Page size of `items.scan` when the caller gives none. */
export const DEFAULT_ITEM_SCAN_BATCH = 1_000;
/** Page size of `events.scan` when the caller gives none (the port documents 10 000). */
export const DEFAULT_EVENT_SCAN_BATCH = 10_000;

const DEFAULT_BUSY_TIMEOUT_MS = 5_000;

interface ItemRow {
  id: string;
  title: string;
  text: string | null;
  attributes: string | null;
  created_at: number | null;
  available: number;
}

interface UserRow {
  id: string;
  attributes: string | null;
}

interface EventRow {
  seq: number;
  user_id: string;
  item_id: string | null;
  type: string;
  value: number | null;
  text: string | null;
  ts: number;
  context: string | null;
}

const ITEM_COLUMNS = 'id, title, text, attributes, created_at, available';
const USER_COLUMNS = 'id, attributes';
const EVENT_COLUMNS = 'seq, user_id, item_id, type, value, text, ts, context';

// Rows are mapped field by field: the driver adds `_metadata` to each row, and absent optional
// fields must stay absent (not null) so that what comes out deep-equals what went in.
function itemFromRow(row: ItemRow): Item {
  const item: Item = { id: row.id, title: row.title };
  if (row.text !== null) item.text = row.text;
  if (row.attributes !== null) item.attributes = JSON.parse(row.attributes) as Attributes;
  if (row.created_at !== null) item.createdAt = row.created_at;
  item.available = row.available !== 0;
  return item;
}

function userFromRow(row: UserRow): User {
  const user: User = { id: row.id };
  if (row.attributes !== null) user.attributes = JSON.parse(row.attributes) as Attributes;
  return user;
}

function eventFromRow(row: EventRow): StoredEvent {
  const event: StoredEvent = { seq: row.seq, userId: row.user_id, type: row.type as StoredEvent['type'], timestamp: row.ts };
  if (row.item_id !== null) event.itemId = row.item_id;
  if (row.value !== null) event.value = row.value;
  if (row.text !== null) event.text = row.text;
  if (row.context !== null) event.context = JSON.parse(row.context) as Attributes;
  return event;
}

/** The columns of {@link CountedEvent}: all but the user and the context. */
const COUNTED_EVENT_COLUMNS = "seq, item_id, type, value, text, ts";

type CountedEventRow = Omit<EventRow, 'user_id' | 'context'>;

function countedEventFromRow(row: CountedEventRow): CountedEvent {
  const event: CountedEvent = { seq: row.seq, type: row.type as StoredEvent['type'], timestamp: row.ts };
  if (row.item_id !== null) event.itemId = row.item_id;
  if (row.value !== null) event.value = row.value;
  if (row.text !== null) event.text = row.text;
  return event;
}

function itemParams(item: Item): SqliteValue[] {
  return [
    item.id,
    item.title,
    item.text ?? null,
    encodeJson(item.attributes),
    item.createdAt ?? null,
    item.available === false ? 0 : 1,
  ];
}

function eventParams(event: Event): SqliteValue[] {
  return [
    event.userId,
    event.itemId ?? null,
    event.type,
    event.value ?? null,
    event.text ?? null,
    event.timestamp,
    encodeJson(event.context),
  ];
}

function isStringArray(value: unknown): value is readonly string[] {
  return Array.isArray(value) && value.every((entry) => typeof entry === 'string');
}

function defaultUrl(path: string): string {
  if (path === ':memory:') return 'sqlite::memory:';
  return path.startsWith('/') ? `sqlite://${path}` : `sqlite://${path.replace(/\\/g, '/')}`;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Creates the embedded SQLite storage. Opens (or creates) the file, switches it to WAL, and brings
 * its schema up to date; throws `BackendError` when the file cannot be opened or has a newer schema.
 * @example
 * const storage = createSqliteStorage({ path: 'data/lmrec.db' });
 * await storage.items.upsert([{ id: 'm1', title: 'Heat' }]);
 * await storage.close();
 */
export function createSqliteStorage(options: SqliteStorageOptions): Storage {
  const { path } = options;
  if (typeof path !== 'string' || path.length === 0) {
    throw new ValidationError('sqlite storage path must be a non-empty string', { details: { field: 'path' } });
  }
  const readonly = options.readonly ?? false;
  const busyTimeoutMs = validateInteger('busyTimeoutMs', options.busyTimeoutMs, 0, DEFAULT_BUSY_TIMEOUT_MS);
  const modelChunkBytes = checkModelChunkBytes(options.modelChunkBytes);
  const memory = path === ':memory:';
  if (readonly && memory) {
    throw new ValidationError('a read-only sqlite storage needs a file path: an in-memory database starts empty', {
      details: { field: 'readonly' },
    });
  }
  // What the file holds once opened: the latest schema, except for a read-only open of an older file.
  let schemaVersion = SQLITE_SCHEMA_VERSION;
  const access = openSqliteAccess(path, readonly);
  const opened: SqliteDatabase = access.db;
  // Set when the file is opened read-only, asked for or not; writes are then refused with it.
  const readOnlyReason = access.readOnlyReason;
  try {
    // Readers in WAL mode never wait for writers; a writer waits for another writer for at most one
    // slice synchronously, then again asynchronously (see `write`).
    opened.exec(`PRAGMA busy_timeout = ${Math.min(busyTimeoutMs, LOCK_WAIT_SLICE_MS)}`);
    opened.exec('PRAGMA foreign_keys = ON');
    if (readOnlyReason !== undefined) {
      // The driver ignores its own readonly flag; query_only makes SQLite itself refuse writes.
      opened.exec('PRAGMA query_only = ON');
      const version = readSqliteSchemaVersion(opened);
      schemaVersion = version;
      if (version === 0) throw new BackendError(`${path} holds no lmrec schema; open it writable once to create it`);
      if (version > SQLITE_SCHEMA_VERSION) {
        throw new BackendError(`database schema version ${version} is newer than this build supports (${SQLITE_SCHEMA_VERSION})`);
      }
    } else {
      // WAL lets readers proceed during a write; NORMAL sync is durable across crashes of the
      // process (only an OS crash may lose the last commits), at a fraction of FULL's fsyncs.
      opened.exec('PRAGMA journal_mode = WAL');
      opened.exec('PRAGMA synchronous = NORMAL');
      migrateSqliteSchema(opened);
    }
  } catch (error) {
    opened.close();
    if (error instanceof EngineError) throw error;
    throw new BackendError(`cannot initialise sqlite database ${path}: ${message(error)}`, { cause: error, details: { path } });
  }

  const storageUrl = redactUrl(options.url ?? defaultUrl(path));
  let db: SqliteDatabase | undefined = opened;
  const statements = new Map<string, SqliteStatement>();

  /** Prepared statements are cached by text: most calls repeat a handful of statements. */
  function sql(text: string): SqliteStatement {
    let statement = statements.get(text);
    if (statement === undefined) {
      statement = connection().prepare(text);
      statements.set(text, statement);
    }
    return statement;
  }

  function connection(): SqliteDatabase {
    if (db === undefined) throw new BackendError('storage is closed', { details: { url: storageUrl } });
    return db;
  }

  /** Entry checks of every call, before argument validation: aborted first, then closed. */
  function enter(signal: AbortSignal | undefined): void {
    throwIfAborted(signal);
    connection();
  }

  /** Runs `work` after the entry checks (again: scans call it between pages), wrapping driver errors. */
  function run<T>(operation: string, signal: AbortSignal | undefined, work: () => T): T {
    enter(signal);
    try {
      return work();
    } catch (error) {
      if (error instanceof EngineError) throw error;
      throw new BackendError(`sqlite ${operation} failed: ${message(error)}`, { cause: error, details: { operation } });
    }
  }

  /** Counts failed writes for {@link Storage.health}: only the backend's own failures, not refusals. */
  const writeHealth = createWriteHealth();

  /**
   * One attempt of {@link write}: `busy` when another connection holds the write lock (nothing was
   * done), otherwise `work`'s result inside one IMMEDIATE transaction.
   */
  function writeOnce<T>(operation: string, signal: AbortSignal | undefined, work: () => T): { busy: true } | { busy: false; value: T } {
    return run(operation, signal, () => {
      if (readOnlyReason !== undefined) {
        throw new UnsupportedError(`${operation}: storage is read-only (${readOnlyReason})`, { details: { operation, reason: 'read_only' } });
      }
      const conn = connection();
      // IMMEDIATE takes the write lock up front, so a busy database fails (or waits) before any work.
      try {
        conn.exec('BEGIN IMMEDIATE');
      } catch (error) {
        if (isBusyError(error)) return { busy: true };
        throw error;
      }
      try {
        const value = work();
        conn.exec('COMMIT');
        return { busy: false, value };
      } catch (error) {
        rollback(conn);
        throw error;
      }
    });
  }

  /**
   * Like {@link run}, inside one IMMEDIATE transaction: all of `work` lands, or none of it. While
   * another process holds the write lock the attempt is retried asynchronously (backoff up to
   * `busyTimeoutMs`), so the thread is never blocked for longer than one wait slice.
   */
  async function write<T>(operation: string, signal: AbortSignal | undefined, work: () => T): Promise<T> {
    try {
      const value = await waitForLock(operation, busyTimeoutMs, signal, () => writeOnce(operation, signal, work));
      writeHealth.note(operation, undefined);
      return value;
    } catch (error) {
      writeHealth.note(operation, error);
      throw error;
    }
  }

  function rollback(conn: SqliteDatabase): void {
    try {
      conn.exec('ROLLBACK');
    } catch {
      // SQLite already rolled back on its own (e.g. after SQLITE_FULL); the original error matters.
    }
  }

  function listLimit(limit: number | undefined): number {
    return Math.min(validateInteger('limit', limit, 0, DEFAULT_LIST_LIMIT), MAX_LIST_LIMIT);
  }

  function optionalAfter(after: string | undefined): string | undefined {
    if (after !== undefined && typeof after !== 'string') {
      throw new ValidationError('after must be a string', { details: { field: 'after' } });
    }
    return after;
  }

  function insertItems(items: readonly Item[]): number {
    const statement = sql(
      `INSERT INTO items (${ITEM_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET title = excluded.title, text = excluded.text, attributes = excluded.attributes,
         created_at = excluded.created_at, available = excluded.available`,
    );
    for (const item of items) statement.run(itemParams(item));
    return items.length;
  }

  function insertUsers(users: readonly User[]): number {
    const statement = sql(
      `INSERT INTO users (${USER_COLUMNS}) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET attributes = excluded.attributes`,
    );
    for (const user of users) statement.run([user.id, encodeJson(user.attributes)]);
    return users.length;
  }

  function insertEvents(events: readonly Event[]): number[] {
    const statement = sql(`INSERT INTO events (user_id, item_id, type, value, text, ts, context) VALUES (?, ?, ?, ?, ?, ?, ?)`);
    const seqs = new Array<number>(events.length);
    for (let i = 0; i < events.length; i++) seqs[i] = Number(statement.run(eventParams(events[i])).lastInsertRowid);
    return seqs;
  }

  const items: CatalogStore = {
    async upsert(batch, options?: CallOptions) {
      enter(options?.signal);
      validateItems(batch);
      return write('items.upsert', options?.signal, () => insertItems(batch));
    },
    async get(id, options?: CallOptions) {
      enter(options?.signal);
      validateKey('id', id);
      return run('items.get', options?.signal, () => {
        const row = sql(`SELECT ${ITEM_COLUMNS} FROM items WHERE id = ?`).get([id]) as ItemRow | undefined;
        return row === undefined ? undefined : itemFromRow(row);
      });
    },
    async getMany(ids, options?: CallOptions) {
      enter(options?.signal);
      if (!isStringArray(ids)) {
        throw new ValidationError('ids must be an array of strings', { details: { field: 'ids' } });
      }
      return run('items.getMany', options?.signal, () => {
        if (ids.length === 0) return [];
        // json_each binds any number of ids as one parameter, with no SQLITE_MAX_VARIABLE_NUMBER limit.
        const rows = sql(`SELECT ${ITEM_COLUMNS} FROM items WHERE id IN (SELECT value FROM json_each(?))`).all([
          JSON.stringify(ids),
        ]) as ItemRow[];
        const byId = new Map(rows.map((row) => [row.id, itemFromRow(row)]));
        return ids.flatMap((id) => {
          const item = byId.get(id);
          return item === undefined ? [] : [item];
        });
      });
    },
    async delete(id, options?: CallOptions) {
      enter(options?.signal);
      validateKey('id', id);
      return write('items.delete', options?.signal, () => sql('DELETE FROM items WHERE id = ?').run([id]).changes > 0);
    },
    async list(options: ListOptions = {}) {
      enter(options.signal);
      const after = optionalAfter(options.after);
      const limit = listLimit(options.limit);
      return run('items.list', options.signal, () => {
        const rows = (
          after === undefined
            ? sql(`SELECT ${ITEM_COLUMNS} FROM items ORDER BY id LIMIT ?`).all([limit])
            : sql(`SELECT ${ITEM_COLUMNS} FROM items WHERE id > ? ORDER BY id LIMIT ?`).all([after, limit])
        ) as ItemRow[];
        return rows.map(itemFromRow);
      });
    },
    async *scan(options: CallOptions & { batchSize?: number } = {}) {
      enter(options.signal);
      const batchSize = validateInteger('batchSize', options.batchSize, 1, DEFAULT_ITEM_SCAN_BATCH);
      let after: string | undefined;
      for (;;) {
        const page = run('items.scan', options.signal, () => {
          const rows = (
            after === undefined
              ? sql(`SELECT ${ITEM_COLUMNS} FROM items ORDER BY id LIMIT ?`).all([batchSize])
              : sql(`SELECT ${ITEM_COLUMNS} FROM items WHERE id > ? ORDER BY id LIMIT ?`).all([after, batchSize])
          ) as ItemRow[];
          return rows.map(itemFromRow);
        });
        if (page.length === 0) return;
        yield page;
        if (page.length < batchSize) return;
        after = page[page.length - 1].id;
      }
    },
    async count(options?: CallOptions) {
      return run('items.count', options?.signal, () => (sql('SELECT COUNT(*) AS n FROM items').get([]) as { n: number }).n);
    },
  };

  const users: UserStore = {
    async upsert(batch, options?: CallOptions) {
      enter(options?.signal);
      validateUsers(batch);
      return write('users.upsert', options?.signal, () => insertUsers(batch));
    },
    async get(id, options?: CallOptions) {
      enter(options?.signal);
      validateKey('id', id);
      return run('users.get', options?.signal, () => {
        const row = sql(`SELECT ${USER_COLUMNS} FROM users WHERE id = ?`).get([id]) as UserRow | undefined;
        return row === undefined ? undefined : userFromRow(row);
      });
    },
    async delete(id, options?: CallOptions): Promise<UserDeletion> {
      enter(options?.signal);
      validateKey('id', id);
      return write('users.delete', options?.signal, () => {
        // First, while their events are still there: the log keeps where they began, not who they were.
        recordErasure(sql, id, Date.now());
        const events = sql('DELETE FROM events WHERE user_id = ?').run([id]).changes;
        const clicks = sql('DELETE FROM clicks WHERE impression_id IN (SELECT id FROM impressions WHERE user_id = ?)').run([id]).changes;
        const impressionCount = sql('DELETE FROM impressions WHERE user_id = ?').run([id]).changes;
        const user = sql('DELETE FROM users WHERE id = ?').run([id]).changes > 0;
        // Derived state (the live counts' snapshot) may hold their events.
        clearSqliteSnapshots(sql);
        return { user, events, impressions: impressionCount, clicks };
      });
    },
    async list(options: ListOptions = {}) {
      enter(options.signal);
      const after = optionalAfter(options.after);
      const limit = listLimit(options.limit);
      return run('users.list', options.signal, () => {
        const rows = (
          after === undefined
            ? sql(`SELECT ${USER_COLUMNS} FROM users ORDER BY id LIMIT ?`).all([limit])
            : sql(`SELECT ${USER_COLUMNS} FROM users WHERE id > ? ORDER BY id LIMIT ?`).all([after, limit])
        ) as UserRow[];
        return rows.map(userFromRow);
      });
    },
    async count(options?: CallOptions) {
      return run('users.count', options?.signal, () => (sql('SELECT COUNT(*) AS n FROM users').get([]) as { n: number }).n);
    },
  };

  const events: EventStore = {
    async append(batch, options?: CallOptions) {
      enter(options?.signal);
      validateEvents(batch);
      return write('events.append', options?.signal, () => insertEvents(batch));
    },
    async *scan(query: EventQuery = {}) {
      enter(query.signal);
      const batchSize = validateInteger('batchSize', query.batchSize, 1, DEFAULT_EVENT_SCAN_BATCH);
      let afterSeq = validateInteger('afterSeq', query.afterSeq, 0, 0);
      const userId = query.userId === undefined ? undefined : validateKey('userId', query.userId);
      const itemId = query.itemId === undefined ? undefined : validateKey('itemId', query.itemId);
      const types = validateEventTypes(query.types);
      // No type can match an empty type list.
      if (types !== undefined && types.length === 0) return;
      const where = ['seq > ?'];
      if (userId !== undefined) where.push('user_id = ?');
      if (itemId !== undefined) where.push('item_id = ?');
      if (types !== undefined) where.push('type IN (SELECT value FROM json_each(?))');
      const text = `SELECT ${EVENT_COLUMNS} FROM events WHERE ${where.join(' AND ')} ORDER BY seq LIMIT ?`;
      const filters: SqliteValue[] = [];
      if (userId !== undefined) filters.push(userId);
      if (itemId !== undefined) filters.push(itemId);
      if (types !== undefined) filters.push(JSON.stringify(types));
      for (;;) {
        const page = run('events.scan', query.signal, () =>
          (sql(text).all([afterSeq, ...filters, batchSize]) as EventRow[]).map(eventFromRow),
        );
        if (page.length === 0) return;
        yield page;
        if (page.length < batchSize) return;
        afterSeq = page[page.length - 1].seq;
      }
    },
    async *scanCounted(query: Pick<EventQuery, 'afterSeq' | 'batchSize' | 'signal'> = {}) {
      enter(query.signal);
      const batchSize = validateInteger('batchSize', query.batchSize, 1, DEFAULT_EVENT_SCAN_BATCH);
      let afterSeq = validateInteger('afterSeq', query.afterSeq, 0, 0);
      const text = `SELECT ${COUNTED_EVENT_COLUMNS} FROM events WHERE seq > ? ORDER BY seq LIMIT ?`;
      for (;;) {
        const page = run('events.scanCounted', query.signal, () => (sql(text).all([afterSeq, batchSize]) as CountedEventRow[]).map(countedEventFromRow));
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
      return run('events.forUser', options.signal, () => {
        const rows = (
          limit === undefined
            ? sql(`SELECT ${EVENT_COLUMNS} FROM events WHERE user_id = ? ORDER BY ts, seq`).all([userId])
            : // Take the latest `limit` from the index backwards, then put them back in time order.
              sql(
                `SELECT * FROM (SELECT ${EVENT_COLUMNS} FROM events WHERE user_id = ? ORDER BY ts DESC, seq DESC LIMIT ?)
                 ORDER BY ts, seq`,
              ).all([userId, limit])
        ) as EventRow[];
        return rows.map(eventFromRow);
      });
    },
    async count(options: CallOptions & { userId?: string; itemId?: string } = {}) {
      enter(options.signal);
      const userId = options.userId === undefined ? undefined : validateKey('userId', options.userId);
      const itemId = options.itemId === undefined ? undefined : validateKey('itemId', options.itemId);
      return run('events.count', options.signal, () => {
        const where: string[] = [];
        const params: SqliteValue[] = [];
        if (userId !== undefined) {
          where.push('user_id = ?');
          params.push(userId);
        }
        if (itemId !== undefined) {
          where.push('item_id = ?');
          params.push(itemId);
        }
        const row = sql(`SELECT COUNT(*) AS n FROM events${where.length === 0 ? '' : ` WHERE ${where.join(' AND ')}`}`).get(params) as { n: number };
        return row.n;
      });
    },
    async lastSeq(options?: CallOptions) {
      // sqlite_sequence holds the highest seq ever assigned, so lastSeq never moves backwards when
      // the newest events are deleted (MAX(seq) would), which keeps incremental readers' watermarks valid.
      return run('events.lastSeq', options?.signal, () => {
        const row = sql("SELECT seq FROM sqlite_sequence WHERE name = 'events'").get([]) as { seq: number } | undefined;
        return row?.seq ?? 0;
      });
    },
    async deleteBefore(before: number, options?: DeleteBeforeOptions) {
      enter(options?.signal);
      const args = retentionArguments(before, options?.limit);
      return write('events.deleteBefore', options?.signal, () => deleteEventsBefore(sql, args.before, args.limit));
    },
  };

  const calls: SqliteCalls = { sql, enter, run, write };
  const chunked = schemaVersion >= MODEL_CHUNKS_SCHEMA_VERSION;
  // A file's model chunks are read on a thread of its own (an in-memory database has no file to share).
  const chunkReader = memory || !chunked ? undefined : createChunkReader(path);
  const models: ModelStore = createSqliteModelStore(calls, { chunkBytes: modelChunkBytes, chunked, ...(chunkReader === undefined ? {} : { chunkReader }) });
  const erasures: ErasureStore = createSqliteErasureStore(calls);
  const imports: ImportStore = createSqliteImportStore(calls);
  const settings: SettingsStore = createSqliteSettingsStore(calls);
  const transfer = createSqliteTransfer(calls, { chunkBytes: modelChunkBytes });
  const llmCache = createSqliteLlmCacheStore(calls);
  const generatedTexts = createSqliteGeneratedTextStore(calls);
  const changes = createSqliteChangeStore(calls);
  const leases = createSqliteLeaseStore(calls);

  const impressions = createSqliteImpressionStore(calls);

  const embeddings: EmbeddingStore = {
    async get(encoderId, hashes, options?: CallOptions) {
      enter(options?.signal);
      validateKey('encoderId', encoderId);
      return run('embeddings.get', options?.signal, () => {
        const out = new Map<string, Float32Array>();
        const stmt = sql('SELECT vector FROM embeddings WHERE encoder = ? AND hash = ?');
        for (const hash of hashes) {
          const row = stmt.get([encoderId, hash]) as { vector: unknown } | undefined;
          if (row === undefined) continue;
          const bytes = toBytes(row.vector);
          const vector = new Float32Array(bytes.byteLength / 4);
          new Uint8Array(vector.buffer).set(bytes);
          out.set(hash, vector);
        }
        return out;
      });
    },
    async put(encoderId, entries, options?: CallOptions) {
      enter(options?.signal);
      validateKey('encoderId', encoderId);
      validateEmbeddingEntries(entries);
      return write('embeddings.put', options?.signal, () => {
        const stmt = sql('INSERT OR REPLACE INTO embeddings (encoder, hash, dim, vector) VALUES (?, ?, ?, ?)');
        for (const e of entries) stmt.run([encoderId, e.hash, e.vector.length, new Uint8Array(e.vector.buffer, e.vector.byteOffset, e.vector.byteLength)]);
        return entries.length;
      });
    },
    async count(encoderId, options?: CallOptions) {
      enter(options?.signal);
      validateKey('encoderId', encoderId);
      return run('embeddings.count', options?.signal, () => {
        const row = sql('SELECT COUNT(*) AS n FROM embeddings WHERE encoder = ?').get([encoderId]) as { n: number };
        return row.n;
      });
    },
  };

  /**
   * `bulkWrite` in transactions of at most `chunkRows` rows: items, then users, then events. The
   * import mark is checked in the first transaction and recorded in the last. When a chunk fails,
   * the events earlier chunks wrote are deleted again (their seqs are contiguous per transaction),
   * and the error says what stays.
   */
  async function chunkedBulkWrite(
    batchItems: readonly Item[],
    batchUsers: readonly User[],
    batchEvents: readonly Event[],
    mark: BulkWrite['importMark'],
    chunkRows: number,
    signal: AbortSignal | undefined,
  ): Promise<BulkWriteResult> {
    const written = { items: 0, users: 0, events: 0 };
    const eventRanges: [number, number][] = [];
    const parts: { kind: 'items' | 'users' | 'events'; rows: readonly (Item | User | Event)[] }[] = [];
    for (let i = 0; i < batchItems.length; i += chunkRows) parts.push({ kind: 'items', rows: batchItems.slice(i, i + chunkRows) });
    for (let i = 0; i < batchUsers.length; i += chunkRows) parts.push({ kind: 'users', rows: batchUsers.slice(i, i + chunkRows) });
    for (let i = 0; i < batchEvents.length; i += chunkRows) parts.push({ kind: 'events', rows: batchEvents.slice(i, i + chunkRows) });
    try {
      for (let index = 0; index < parts.length; index++) {
        const { kind, rows } = parts[index];
        await write('bulkWrite', signal, () => {
          if (index === 0 && mark !== undefined) checkImport(sql, mark);
          if (kind === 'items') written.items += insertItems(rows as readonly Item[]);
          else if (kind === 'users') written.users += insertUsers(rows as readonly User[]);
          else {
            const seqs = insertEvents(rows as readonly Event[]);
            written.events += seqs.length;
            eventRanges.push([seqs[0], seqs[seqs.length - 1]]);
          }
          if (index === parts.length - 1 && mark !== undefined) {
            checkImport(sql, mark);
            recordImport(sql, mark, written, Date.now());
          }
        });
        // A pause between chunks lets a waiting writer of another process take the lock.
        if (index < parts.length - 1) await new Promise((resolve) => setTimeout(resolve, BULK_CHUNK_PAUSE_MS));
      }
      return written;
    } catch (error) {
      return undoChunkedWrite(error, written, eventRanges, chunkRows, (first, last) => write('bulkWrite.undo', undefined, () => {
          const undone = sql('DELETE FROM events WHERE seq BETWEEN ? AND ?').run([first, last]).changes;
          if (undone > 0) clearSqliteSnapshots(sql);
          return undone;
        }));
    }
  }

  const capabilities: StorageCapabilities = Object.freeze({ concurrentWriters: false });

  return {
    url: storageUrl,
    capabilities,
    items,
    users,
    events,
    models,
    embeddings,
    impressions,
    erasures,
    imports,
    settings,
    snapshots: createSqliteSnapshotStore(calls),
    transfer,
    llmCache,
    generatedTexts,
    changes,
    leases,
    async bulkWrite(batch: BulkWrite, options?: BulkWriteOptions): Promise<BulkWriteResult> {
      enter(options?.signal);
      const { items: batchItems, users: batchUsers, events: batchEvents, mark, rows, chunkRows } = validateBulkWrite(batch, options);
      if (chunkRows === undefined || rows <= chunkRows) {
        // Everything is validated before the transaction opens, and the writes run synchronously, so
        // an abort can only be observed at entry; a driver error inside rolls all three kinds back.
        return write('bulkWrite', options?.signal, () => {
          if (mark !== undefined) checkImport(sql, mark);
          const written = { items: insertItems(batchItems), users: insertUsers(batchUsers), events: insertEvents(batchEvents).length };
          if (mark !== undefined) recordImport(sql, mark, written, Date.now());
          return written;
        });
      }
      return chunkedBulkWrite(batchItems, batchUsers, batchEvents, mark, chunkRows, options?.signal);
    },
    health(): StorageHealth {
      return writeHealth.report(readOnlyReason);
    },
    async close() {
      if (db === undefined) return;
      const closing = db;
      db = undefined;
      statements.clear();
      await chunkReader?.close();
      try {
        closing.close();
      } catch (error) {
        throw new BackendError(`sqlite close failed: ${message(error)}`, { cause: error });
      }
    },
  };
}
