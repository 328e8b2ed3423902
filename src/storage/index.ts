/**
 * Storage: the port every backend implements, `openStorage(url)` choosing a backend by scheme, the
 * embedded SQLite backend, the PostgreSQL backend and `copyStorage` between any two. Explicit
 * re-exports only, so the public surface is reviewed here.
 * @module
 */
export type {
  BulkWrite,
  BulkWriteOptions,
  BulkWriteResult,
  CallOptions,
  EmbeddingEntry,
  EmbeddingStore,
  CatalogStore,
  DeleteBeforeOptions,
  EmbeddingRecord,
  Erasure,
  ErasureStore,
  EventQuery,
  EventStore,
  Impression,
  ImpressionDeletion,
  ImpressionRecord,
  ImpressionStats,
  ImpressionStore,
  ImportMark,
  ImportRecord,
  ImportStore,
  ListOptions,
  ModelActivation,
  ModelChunks,
  ModelHead,
  ModelRecord,
  ModelStore,
  RecordImpressionOptions,
  SettingsStore,
  ChangeKind,
  ChangeStore,
  LeaseStore,
  StoredChange,
  Storage,
  StorageCapabilities,
  StorageHealth,
  StoredSetting,
  StorageTransfer,
  TransferBatch,
  TransferCounters,
  UserDeletion,
  UserStore,
} from './storage.js';
export { STORAGE_SCHEMES, openStorage, parseStorageUrl } from './open-storage.js';
export type { OpenStorageOptions, StorageLocation } from './open-storage.js';
export { REDACTED, redactUrl } from './storage-url.js';
export { COPY_TRANSACTION_ROWS, copyStorage, storedKinds } from './copy-storage.js';
export type { CopyReport, CopyStorageOptions } from './copy-storage.js';
export { DEFAULT_POOL_SIZE, DEFAULT_STATEMENT_TIMEOUT_MS, createPostgresStorage } from './postgres/postgres-storage.js';
export type { PostgresStorageOptions } from './postgres/postgres-storage.js';
export {
  DEFAULT_EVENT_SCAN_BATCH,
  DEFAULT_ITEM_SCAN_BATCH,
  DEFAULT_LIST_LIMIT,
  MAX_LIST_LIMIT,
  createSqliteStorage,
} from './sqlite/sqlite-storage.js';
export type { SqliteStorageOptions } from './sqlite/sqlite-storage.js';
