/**
 * Storage: the port every backend implements, `openStorage(url)` choosing a backend by scheme, and
 * the embedded SQLite backend. Explicit re-exports only, so the public surface is reviewed here.
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
  Erasure,
  ErasureStore,
  EventQuery,
  EventStore,
  Impression,
  ImpressionDeletion,
  ImpressionStats,
  ImpressionStore,
  ImportMark,
  ImportRecord,
  ImportStore,
  ListOptions,
  ModelChunks,
  ModelHead,
  ModelRecord,
  ModelStore,
  RecordImpressionOptions,
  SettingsStore,
  Storage,
  StorageCapabilities,
  StorageHealth,
  StoredSetting,
  UserDeletion,
  UserStore,
} from './storage.js';
export { STORAGE_SCHEMES, openStorage, parseStorageUrl } from './open-storage.js';
export type { OpenStorageOptions, StorageLocation } from './open-storage.js';
export { REDACTED, redactUrl } from './storage-url.js';
export {
  DEFAULT_EVENT_SCAN_BATCH,
  DEFAULT_ITEM_SCAN_BATCH,
  DEFAULT_LIST_LIMIT,
  MAX_LIST_LIMIT,
  createSqliteStorage,
} from './sqlite/sqlite-storage.js';
export type { SqliteStorageOptions } from './sqlite/sqlite-storage.js';
