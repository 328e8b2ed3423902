/**
 * Storage port: what every backend (embedded SQLite, PostgreSQL, …) provides. Every method takes an
 * optional `AbortSignal`; every backend runs the same contract suite (`storage.contract.ts`).
 * @module
 */
import type { Event, Item, JsonValue, StoredEvent, User } from '../core/types.js';

/** Options common to I/O calls. */
export interface CallOptions {
  /** Abort the call. */
  signal?: AbortSignal;
}

/** Paging over a listing ordered by id. */
export interface ListOptions extends CallOptions {
  /** Return ids strictly after this one. */
  after?: string;
  /** Page size; backends cap it. */
  limit?: number;
}

/** Filter over stored events. */
export interface EventQuery extends CallOptions {
  /** Only events of this user. */
  userId?: string;
  /** Only events about this item. */
  itemId?: string;
  /** Only events of these types. */
  types?: readonly string[];
  /** Only events with `seq` greater than this (for incremental reads). */
  afterSeq?: number;
  /** Page size for the async iteration (default 10 000). */
  batchSize?: number;
}

/**
 * An event as counters read it (`EventStore.scanCounted`): without its user and its context (its
 * text stays: the sentiment of a review or a tag weighs it).
 */
export type CountedEvent = Pick<StoredEvent, 'seq' | 'itemId' | 'type' | 'value' | 'text' | 'timestamp'>;

/** What deleting a user removed. */
export interface UserDeletion {
  /** Whether the user row existed. */
  user: boolean;
  /** Number of events removed. */
  events: number;
  /** Number of impressions (served lists) removed. */
  impressions: number;
  /** Number of clicks on those impressions removed. */
  clicks: number;
}

/**
 * Options of the retention deletes ({@link EventStore.deleteBefore}, {@link ImpressionStore.deleteBefore}):
 * a purge of years of rows runs as many short transactions, so other writers wait for one batch at most.
 */
export interface DeleteBeforeOptions extends CallOptions {
  /** Delete at most this many rows (the oldest first) in this call; unset: every matching row. */
  limit?: number;
}

/** What {@link ImpressionStore.deleteBefore} removed. */
export interface ImpressionDeletion {
  /** Served lists removed. */
  impressions: number;
  /** Clicks on those lists removed with them. */
  clicks: number;
}

/** One served recommendation list, recorded so that clicks on it can be attributed (C20). */
export interface Impression {
  /** Unique id, handed to the client with the list. */
  id: string;
  /** Who was served. */
  userId: string;
  /** Which model produced it, e.g. `ease@3`. */
  modelVersion: string;
  /** The A/B variant the user was bucketed into (`default` when no experiment runs). */
  variant: string;
  /** The items served, in rank order. */
  itemIds: string[];
  /** When it was served, ms since epoch. */
  createdAt: number;
}

/** Online counts for one (model version, variant) pair. */
export interface ImpressionStats {
  modelVersion: string;
  variant: string;
  /** Lists served. */
  impressions: number;
  /** Distinct (impression, item) clicks on those lists. */
  clicks: number;
}

/** Options of {@link ImpressionStore.record}. */
export interface RecordImpressionOptions extends CallOptions {
  /**
   * Record only when storage knows the user (a user row or at least one event), checked in the same
   * transaction as the write, so a list served to a deleted or never-seen user leaves no row naming them.
   */
  onlyKnownUser?: boolean;
}

/** Served lists and the clicks on them: the feedback loop's record. */
export interface ImpressionStore {
  /**
   * Stores one served list and resolves true; false (nothing written) when `onlyKnownUser` is set and
   * the user is unknown. `ConflictError` when its id is taken, `ValidationError` on a malformed record.
   */
  record(impression: Impression, options?: RecordImpressionOptions): Promise<boolean>;
  /** One impression, or undefined. */
  get(id: string, options?: CallOptions): Promise<Impression | undefined>;
  /**
   * Records a click on an item of a served list; `NotFoundError` for an unknown impression,
   * `ValidationError` when the item was not in it; idempotent per (impression, item): the first click's time is kept.
   */
  click(impressionId: string, itemId: string, at: number, options?: CallOptions): Promise<void>;
  /**
   * Impressions and clicks per (model version, variant), ordered by model version then variant;
   * `since` keeps impressions created at or after it (ms since epoch).
   */
  stats(options?: CallOptions & { since?: number }): Promise<ImpressionStats[]>;
  /**
   * Retention: removes served lists created before `before` (ms since epoch) and the clicks on them,
   * the oldest first, at most `limit` lists per call, in one transaction. Repeat until it removes none.
   */
  deleteBefore(before: number, options?: DeleteBeforeOptions): Promise<ImpressionDeletion>;
}

/** A saved model version: metadata plus one binary payload. */
export interface ModelRecord {
  /** Model name, e.g. `ease` or `als`. */
  name: string;
  /** Version number, assigned by storage on save (1, 2, …). */
  version: number;
  /** When it was saved, ms since epoch. */
  createdAt: number;
  /** Free metadata (hyper-parameters, metrics, data fingerprint). */
  meta: Record<string, unknown>;
  /** Serialised model. */
  payload: Uint8Array;
}

/**
 * A saved model version with its payload handed over in chunks ({@link ModelStore.loadChunks}), so
 * that a loader never needs the whole payload in one buffer, nor two copies of it.
 */
export interface ModelChunks extends Omit<ModelRecord, 'payload'> {
  /** Length of the whole payload in bytes. */
  byteLength: number;
  /**
   * The payload's bytes in order, read from storage as they are consumed (iterate once). Each read
   * honours the call's signal (`AbortError`) and rejects with `NotFoundError` when the version was
   * deleted before its last chunk was read.
   */
  chunks: AsyncIterable<Uint8Array>;
}

/** Items catalogue. */
export interface CatalogStore {
  /** Inserts or replaces items by id; returns how many were written. */
  upsert(items: readonly Item[], options?: CallOptions): Promise<number>;
  /** One item, or undefined. */
  get(id: string, options?: CallOptions): Promise<Item | undefined>;
  /** Several items in the order asked; unknown ids are skipped. */
  getMany(ids: readonly string[], options?: CallOptions): Promise<Item[]>;
  /** Removes one item; returns whether it existed. Its events are kept as history. */
  delete(id: string, options?: CallOptions): Promise<boolean>;
  /** A page of items ordered by id. */
  list(options?: ListOptions): Promise<Item[]>;
  /** All items, in pages, ordered by id. */
  scan(options?: CallOptions & { batchSize?: number }): AsyncIterable<Item[]>;
  /** Number of items. */
  count(options?: CallOptions): Promise<number>;
}

/** Users. */
export interface UserStore {
  /** Inserts or replaces users by id; returns how many were written. */
  upsert(users: readonly User[], options?: CallOptions): Promise<number>;
  /** One user, or undefined. */
  get(id: string, options?: CallOptions): Promise<User | undefined>;
  /**
   * Removes the user and every event, impression and click of theirs; reports what was removed. When
   * they had events, the same transaction appends an {@link Erasure} (first seq and time, not the id).
   */
  delete(id: string, options?: CallOptions): Promise<UserDeletion>;
  /** A page of users ordered by id. */
  list(options?: ListOptions): Promise<User[]>;
  /** Number of users. */
  count(options?: CallOptions): Promise<number>;
}

/** Append-only event log. */
export interface EventStore {
  /** Appends events durably; returns their sequence numbers in order. */
  append(events: readonly Event[], options?: CallOptions): Promise<number[]>;
  /** Events matching `query`, in pages, ordered by `seq`. */
  scan(query?: EventQuery): AsyncIterable<StoredEvent[]>;
  /**
   * Every event after `afterSeq`, in pages ordered by `seq`, as counters read them ({@link CountedEvent}):
   * without the two columns a count needs not, so a bulk load of millions of events builds less.
   */
  scanCounted(query?: Pick<EventQuery, 'afterSeq' | 'batchSize' | 'signal'>): AsyncIterable<CountedEvent[]>;
  /** The events of one user ordered by timestamp then seq (most recent last); `limit` keeps the latest. */
  forUser(userId: string, options?: CallOptions & { limit?: number }): Promise<StoredEvent[]>;
  /** Number of events (optionally of one user and/or about one item). */
  count(options?: CallOptions & { userId?: string; itemId?: string }): Promise<number>;
  /** Highest sequence number, 0 when empty. */
  lastSeq(options?: CallOptions): Promise<number>;
  /**
   * Retention: removes events whose `timestamp` is before `before` (ms since epoch), the oldest first,
   * at most `limit` per call, in one transaction; returns how many went. Repeat until it returns 0.
   * Sequence numbers are not reused and {@link EventStore.lastSeq} does not move back. Unlike a user
   * deletion this appends nothing to the erasure log: models trained on these events are not purged.
   */
  deleteBefore(before: number, options?: DeleteBeforeOptions): Promise<number>;
}

/** The newest stored version of one model name and its activated version, as {@link ModelStore.heads} lists them. */
export interface ModelHead {
  name: string;
  /** Highest stored version. */
  latest: number;
  /** The activated version, absent when none is activated (the latest serves then). */
  active?: number;
}

/** Versioned model snapshots. */
export interface ModelStore {
  /** Stores a new version of `name`; returns the record with its version number. */
  save(name: string, meta: Record<string, unknown>, payload: Uint8Array, options?: CallOptions): Promise<ModelRecord>;
  /** A given version, or the latest when `version` is omitted; undefined when none. */
  load(name: string, version?: number, options?: CallOptions): Promise<ModelRecord | undefined>;
  /**
   * Like {@link ModelStore.load}, with the payload in chunks read on demand: what a loader of a large
   * model uses, so that the payload is never in memory twice (nor whole, if the decoder streams).
   */
  loadChunks(name: string, version?: number, options?: CallOptions): Promise<ModelChunks | undefined>;
  /** Versions of `name` (without payloads), newest first. */
  versions(name: string, options?: CallOptions): Promise<Omit<ModelRecord, 'payload'>[]>;
  /** Names that have at least one version. */
  names(options?: CallOptions): Promise<string[]>;
  /** Marks `version` of `name` as the one to serve; `NotFoundError` when that version is not stored. */
  activate(name: string, version: number, options?: CallOptions): Promise<void>;
  /** The activated version of `name`; undefined when none was activated (callers then use the latest). */
  active(name: string, options?: CallOptions): Promise<number | undefined>;
  /**
   * Latest and activated version of every stored name, ordered by name, in one cheap read: what a
   * server polls to notice versions trained or activated by another process.
   */
  heads(options?: CallOptions): Promise<ModelHead[]>;
  /**
   * Removes one stored version; true when a row was removed. When it was the activated version the
   * activation is cleared (callers then serve the latest). A deleted version's number is never
   * assigned again by {@link ModelStore.save}.
   */
  delete(name: string, version: number, options?: CallOptions): Promise<boolean>;
}

/**
 * One user deletion as the erasure log keeps it: where the user's events began in the event log and
 * when they were removed, never who the user was.
 */
export interface Erasure {
  /** 1, 2, …: increases in commit order across deletions and is never reused. */
  id: number;
  /** The smallest event `seq` the user had when deleted. */
  firstSeq: number;
  /** When the deletion was committed (ms since epoch). */
  at: number;
}

/**
 * The durable erasure log, written by {@link UserStore.delete} in the same transaction as the rows it
 * removes (one entry per deleted user who had events). Model versions trained while those events
 * were stored are found from it and purged, even after a crash between the deletion and the purge.
 */
export interface ErasureStore {
  /** Erasures with `id` greater than `afterId` (default 0), oldest first. */
  list(options?: CallOptions & { afterId?: number }): Promise<Erasure[]>;
  /** Highest erasure id, 0 when none: training records it before reading events. */
  lastId(options?: CallOptions): Promise<number>;
}

/** A cached vector under its text hash. */
export interface EmbeddingEntry {
  /** Hash of the exact text that was encoded (hex). */
  hash: string;
  vector: Float32Array;
}

/** Cache of text embeddings keyed by (encoder id, text hash): a text is encoded once per encoder. */
export interface EmbeddingStore {
  /** The cached vectors among `hashes`; hashes not cached are absent from the map. */
  get(encoderId: string, hashes: readonly string[], options?: CallOptions): Promise<Map<string, Float32Array>>;
  /** Stores vectors, replacing any under the same key; returns how many were written. */
  put(encoderId: string, entries: readonly EmbeddingEntry[], options?: CallOptions): Promise<number>;
  /** Number of vectors cached for `encoderId`. */
  count(encoderId: string, options?: CallOptions): Promise<number>;
}

/** One import as the import log keeps it. */
export interface ImportRecord {
  /** 1, 2, …, in commit order. */
  id: number;
  /** Hash of the imported content (see `ImportMark.hash`). */
  hash: string;
  /** Where it came from (the path given), for people reading the log. */
  source: string;
  /** Import format, e.g. `csv`. */
  format: string;
  /** When it was committed, ms since epoch. */
  at: number;
  /** Records written. */
  items: number;
  users: number;
  events: number;
}

/** Marks a {@link BulkWrite} as the import of one source, recorded in the import log in the same transaction. */
export interface ImportMark {
  /** Content hash (hex) of what is imported: the same hash means the same records. */
  hash: string;
  source: string;
  format: string;
  /** Write even when the log already holds this hash (a deliberate second import). */
  force?: boolean;
}

/** The log of imports, so that importing the same content twice is noticed (its events would count twice). */
export interface ImportStore {
  /** Recorded imports, oldest first; `hash` keeps those of one content. */
  list(options?: CallOptions & { hash?: string }): Promise<ImportRecord[]>;
}

/** One operator setting as {@link SettingsStore} keeps it. */
export interface StoredSetting {
  key: string;
  /** Any JSON value. */
  value: JsonValue;
  /** 1 on the first put, one more on each later put of the key: readers compare it to notice a change. */
  version: number;
  /** When it was last put, ms since epoch. */
  updatedAt: number;
}

/**
 * Operator settings changed at run time (e.g. the serving blocklist), kept in storage so they survive
 * restarts and every process on the same storage reads the same value.
 */
export interface SettingsStore {
  /** The setting under `key`, or undefined when it was never put. */
  get(key: string, options?: CallOptions): Promise<StoredSetting | undefined>;
  /** Replaces the value of `key` (JSON only: `ValidationError` otherwise) and returns it with its new version. */
  put(key: string, value: JsonValue, options?: CallOptions): Promise<StoredSetting>;
}

/** A derived artefact kept under a name; see {@link SnapshotStore}. */
export interface StoredSnapshot {
  name: string;
  /** What the payload covers, as its writer describes it (JSON). */
  meta: Record<string, JsonValue>;
  payload: Uint8Array;
  /** When it was put, ms since epoch. */
  savedAt: number;
}

/**
 * Derived state a process can rebuild from the other stores but would rather not (e.g. the live
 * item counts a server tallies from every event on start), one payload per name, replaced whole.
 * Every write that deletes events (a user deletion, retention, an import undone) or inserts them
 * with their own seqs (`transfer`) removes every snapshot in its transaction: a snapshot that is
 * stored describes events none of which was deleted since, and none inserted below its seq. Not part of `lmrec copy`: a copy's processes rebuild it. A payload is stored in chunks
 * and read chunk by chunk, yielding between them, but handed over whole (at most {@link MAX_SNAPSHOT_BYTES}).
 */
export interface SnapshotStore {
  /** The snapshot under `name`, or undefined when none is stored (or it was replaced while being read). */
  get(name: string, options?: CallOptions): Promise<StoredSnapshot | undefined>;
  /**
   * How many times the snapshots were removed by a write of events so far. A writer that reads it
   * before reading the events its snapshot is made of passes it to {@link SnapshotStore.put} as
   * `ifGeneration`, so a deletion while it read them is not outlived by its snapshot.
   */
  generation(options?: CallOptions): Promise<number>;
  /**
   * Stores `payload` under `name`, replacing any; true when stored, false when `ifGeneration` is
   * given and the snapshots were removed since (checked in the write's transaction).
   * `ValidationError` beyond {@link MAX_SNAPSHOT_BYTES}.
   */
  put(name: string, meta: Record<string, JsonValue>, payload: Uint8Array, options?: CallOptions & { ifGeneration?: number }): Promise<boolean>;
  /** Removes the snapshot under `name`; true when one was stored. */
  delete(name: string, options?: CallOptions): Promise<boolean>;
}

/** Largest snapshot payload a backend takes (below SQLite's 1 GB value and PostgreSQL's 1 GB `bytea`). */
export const MAX_SNAPSHOT_BYTES = 512 * 1024 * 1024;

/** One cached model answer; see {@link LlmCacheStore}. */
export interface LlmCacheEntry {
  /** The chat model's id (provider, endpoint, model name). */
  model: string;
  /** SHA-256 (hex) of the request as sent: messages, JSON mode, temperature, token limit. */
  hash: string;
  /** The answer as the model gave it (JSON text of text, usage and model name). */
  response: string;
  /** When it was stored, ms since epoch. */
  createdAt: number;
}

/**
 * Answers of generative models keyed by model id and prompt hash, so the same prompt (e.g. the
 * description of an item) is not paid for twice. Only prompts without user data are cached.
 */
export interface LlmCacheStore {
  /** The entry under `model` and `hash`, or undefined. */
  get(model: string, hash: string, options?: CallOptions): Promise<LlmCacheEntry | undefined>;
  /** Stores `entry`, replacing one with the same model and hash. */
  put(entry: LlmCacheEntry, options?: CallOptions): Promise<void>;
}

/** A description a generative model wrote for an item; kept beside the item's own text, never over it. */
export interface GeneratedText {
  itemId: string;
  /** The generated description. */
  text: string;
  /** The chat model's id. */
  model: string;
  /** Version of the prompt template that produced it (e.g. `enrich-v1`). */
  promptVersion: string;
  /** When it was generated, ms since epoch. */
  createdAt: number;
}

/** Generated item descriptions, one per item at most (see {@link GeneratedText}). */
export interface GeneratedTextStore {
  /** Stores the entries, replacing an item's earlier one; returns how many were written. */
  put(entries: readonly GeneratedText[], options?: CallOptions): Promise<number>;
  /** The entries of the given items that exist, in no particular order. */
  getMany(itemIds: readonly string[], options?: CallOptions): Promise<GeneratedText[]>;
  /** Entries in item-id order, after `after`, at most `limit` (default 100). */
  list(options?: ListOptions): Promise<GeneratedText[]>;
  /** Discards an item's generated text; false when there was none. */
  delete(itemId: string, options?: CallOptions): Promise<boolean>;
}

/** A served list with the clicks on it, as {@link StorageTransfer} copies it. */
export interface ImpressionRecord extends Impression {
  /** Clicks on the list, one per item at most, in item order. */
  clicks: { itemId: string; at: number }[];
}

/** One cached vector with the encoder it belongs to, as {@link StorageTransfer} copies it. */
export interface EmbeddingRecord extends EmbeddingEntry {
  encoder: string;
}

/** An activated model version as stored. */
export interface ModelActivation {
  name: string;
  version: number;
  /** When it was activated, ms since epoch. */
  activatedAt: number;
}

/**
 * The highest numbers a storage ever handed out, also for rows since deleted: a copy carries them
 * over so the target never hands out a number the source used (models and impressions name them).
 */
export interface TransferCounters {
  /** Highest event seq ({@link EventStore.lastSeq}). */
  lastSeq: number;
  /** Highest erasure id ({@link ErasureStore.lastId}). */
  lastErasureId: number;
  /** Highest import log id. */
  lastImportId: number;
  /** Highest version ever saved per model name, ordered by name. */
  modelVersions: { name: string; lastVersion: number }[];
}

/** One batch of records written by {@link StorageTransfer.write} with their identities. */
export interface TransferBatch {
  /** Events with the seqs they had. */
  events?: readonly StoredEvent[];
  impressions?: readonly ImpressionRecord[];
  embeddings?: readonly EmbeddingRecord[];
  /** Erasures with their ids. */
  erasures?: readonly Erasure[];
  /** Import log entries with their ids. */
  imports?: readonly ImportRecord[];
  /** Settings with their versions and times. */
  settings?: readonly StoredSetting[];
  /** Activations; each names a version already written. */
  activations?: readonly ModelActivation[];
  /** Raises the target's counters to at least these. */
  counters?: TransferCounters;
}

/**
 * What a storage holds beyond the serving port's reads, read and written with every identity kept
 * (event seqs and times, model versions and save times, log ids, setting versions), so one storage
 * can be copied into another backend (`copyStorage`, `lmrec copy`). Items and users need nothing
 * here: their ids are their identity and `bulkWrite` upserts them.
 */
export interface StorageTransfer {
  /** Every served list with its clicks, in pages ordered by id. */
  impressions(options?: CallOptions & { batchSize?: number }): AsyncIterable<ImpressionRecord[]>;
  /** Every cached vector, in pages ordered by encoder then hash. */
  embeddings(options?: CallOptions & { batchSize?: number }): AsyncIterable<EmbeddingRecord[]>;
  /** Every setting, ordered by key. */
  settings(options?: CallOptions): Promise<StoredSetting[]>;
  /** Every activation, ordered by name. */
  activations(options?: CallOptions): Promise<ModelActivation[]>;
  /** The highest numbers handed out (see {@link TransferCounters}). */
  counters(options?: CallOptions): Promise<TransferCounters>;
  /**
   * Writes `batch` in one transaction, keeping every identity. `ConflictError` (nothing written)
   * when an event seq, impression id, erasure id or import id is already stored; embeddings and
   * settings replace what is stored under their keys.
   */
  write(batch: TransferBatch, options?: CallOptions): Promise<void>;
  /**
   * Stores one model version under its own number and save time from its chunks, read as they
   * are written (never the whole payload at once); the version appears only when all of them are
   * stored. `ConflictError` when that version is stored already.
   */
  writeModel(record: Omit<ModelRecord, 'payload'>, chunks: AsyncIterable<Uint8Array>, options?: CallOptions): Promise<void>;
}

/** One atomic write of several kinds of records: all land or none do. */
export interface BulkWrite {
  items?: readonly Item[];
  users?: readonly User[];
  events?: readonly Event[];
  /**
   * Records the write as this import in the import log, in the same transaction: `ConflictError`
   * (nothing written) when the log already holds its hash, unless `force` is set.
   */
  importMark?: ImportMark;
}

/** What a bulk write wrote. */
export interface BulkWriteResult {
  items: number;
  users: number;
  events: number;
}

/** Options of {@link Storage.bulkWrite}. */
export interface BulkWriteOptions extends CallOptions {
  /**
   * Commit after at most this many rows (items, users and events together), each chunk in a
   * transaction of its own, so that another process's writes wait for one chunk, not for the whole
   * batch. Unset: one transaction. With chunks the import mark is checked in the first transaction
   * and recorded in the last; when a chunk fails, the events earlier chunks wrote are deleted again
   * (items and users they upserted stay: upserting them again writes the same rows).
   */
  transactionRows?: number;
}

/** Whether storage takes writes now, for health reports; see {@link Storage.health}. */
export interface StorageHealth {
  /**
   * `ok`: the last write succeeded (or none was tried); `failing`: the last write failed in the
   * backend (full disk, a file made read-only, a lock held too long); `read-only`: opened without
   * write access, every write is refused.
   */
  writes: 'ok' | 'failing' | 'read-only';
  /** Why storage is read-only (requested, file mode, mount, `-wal`/`-shm` files). */
  readOnlyReason?: string;
  /** Writes that failed in the backend since the storage was opened. */
  failedWrites: number;
  /** The latest backend failure of a write, also after later writes succeeded. */
  lastWriteError?: { operation: string; message: string; at: number };
}

/** Capability flags; defaults are the safe answer. */
export interface StorageCapabilities {
  /** Several processes may write at once. */
  concurrentWriters: boolean;
}

/** What changed in the catalogue: an item written (inserted or updated) or deleted. */
export type ChangeKind = 'item-upsert' | 'item-delete';

/** One entry of the change log (see {@link ChangeStore}). */
export interface StoredChange {
  /** 1, 2, …: increases in commit order (a follower reading after the last one it saw misses none). */
  seq: number;
  kind: ChangeKind;
  /** The item's id. */
  id: string;
  /** When it was written, ms since epoch. */
  at: number;
}

/**
 * The change log of the catalogue, appended by the backend in the same transaction as each item
 * write or deletion (whatever the path: the API, an import, a copy), so every serving process can
 * bring its in-memory catalogue state up to date by reading what came after the last entry it saw
 * (events have their own log: `events.scan({ afterSeq })`; user deletions theirs: `erasures`).
 */
export interface ChangeStore {
  /** Entries after `afterSeq`, oldest first, at most `limit` (default 1,000). */
  since(afterSeq: number, options?: CallOptions & { limit?: number }): Promise<StoredChange[]>;
  /** The seq of the newest entry (0 for none). */
  lastSeq(options?: CallOptions): Promise<number>;
  /** Deletes entries written before `before` (ms since epoch); resolves with how many. */
  deleteBefore(before: number, options?: CallOptions): Promise<number>;
}

/**
 * Named leases with an expiry, for jobs that exactly one of several processes must run (the trainer
 * and scheduler): the holder renews before its lease expires; when it dies, the lease runs out and
 * another process acquires it.
 */
export interface LeaseStore {
  /**
   * Acquires `name` for `holder` for `ttlMs`, or renews it when `holder` holds it; resolves false
   * while another holder's lease has not expired. One atomic statement: two processes never both get it.
   */
  acquire(name: string, holder: string, ttlMs: number, options?: CallOptions): Promise<boolean>;
  /** Gives the lease up when `holder` holds it (another process may take it at once). */
  release(name: string, holder: string, options?: CallOptions): Promise<void>;
  /** The current holder and expiry, or undefined when nobody holds an unexpired lease. */
  holder(name: string, options?: CallOptions): Promise<{ holder: string; expiresAt: number } | undefined>;
}

/**
 * Subscribes to "a log grew" (events, the change log, the erasure log), so a follower reads at once
 * instead of at its next poll; resolves when the subscription is live. A backend without push has
 * no `watch`, and followers poll only.
 */
export type StorageWatch = (onChange: () => void) => Promise<{ close(): Promise<void> }>;

/** A storage backend. */
export interface Storage {
  /** The URL it was opened with, with any password redacted. */
  readonly url: string;
  /** What this backend can do. */
  readonly capabilities: StorageCapabilities;
  readonly items: CatalogStore;
  readonly users: UserStore;
  readonly events: EventStore;
  readonly models: ModelStore;
  readonly embeddings: EmbeddingStore;
  readonly impressions: ImpressionStore;
  /** The log of user deletions (see {@link ErasureStore}). */
  readonly erasures: ErasureStore;
  /** The log of imports (see {@link ImportStore}). */
  readonly imports: ImportStore;
  /** Operator settings changed at run time (see {@link SettingsStore}). */
  readonly settings: SettingsStore;
  /** Derived state kept to be rebuilt faster (see {@link SnapshotStore}). */
  readonly snapshots: SnapshotStore;
  /** Reads and writes with identities kept, for copying between backends (see {@link StorageTransfer}). */
  readonly transfer: StorageTransfer;
  /** Cached answers of generative models (see {@link LlmCacheStore}). */
  readonly llmCache: LlmCacheStore;
  /** Generated item descriptions (see {@link GeneratedTextStore}). */
  readonly generatedTexts: GeneratedTextStore;
  /** The catalogue's change log, for other serving processes (see {@link ChangeStore}). */
  readonly changes: ChangeStore;
  /** Leases for jobs exactly one process runs (see {@link LeaseStore}). */
  readonly leases: LeaseStore;
  /** Push when a log grows (PostgreSQL: LISTEN/NOTIFY); absent where followers only poll (see {@link StorageWatch}). */
  readonly watch?: StorageWatch;
  /**
   * Writes items, users and events in one transaction; on any error nothing is written. With
   * `transactionRows`, in bounded transactions (see {@link BulkWriteOptions}).
   */
  bulkWrite(batch: BulkWrite, options?: BulkWriteOptions): Promise<BulkWriteResult>;
  /** Whether writes work right now (synchronous: no I/O). */
  health(): StorageHealth;
  /** Releases the connection; further calls fail. */
  close(): Promise<void>;
}
