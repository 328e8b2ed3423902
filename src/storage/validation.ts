/**
 * Validation at the storage port boundary, shared by every backend so that they reject the same
 * inputs with the same errors. Records arrive from importers, HTTP bodies and user code; a bad row
 * must fail the whole call before anything is written, naming the batch index and the field so
 * the caller can find it.
 * @module
 */
import { ConflictError, ValidationError } from '../core/errors.js';
import { ITEMLESS_EVENT_TYPES, isEventType } from '../core/types.js';
import type { Attributes, Event, EventType, Item, JsonValue, User } from '../core/types.js';
import { MAX_SNAPSHOT_BYTES } from './storage.js';
import type { BulkWrite, BulkWriteOptions, EmbeddingEntry, GeneratedText, ImportMark, TransferBatch } from './storage.js';

/** JSON nesting deeper than this is rejected; it also stops cycles from recursing forever. */
const MAX_JSON_DEPTH = 64;

function fail(collection: string, index: number, field: string, problem: string): never {
  throw new ValidationError(`${collection}[${index}].${field} ${problem}`, {
    details: { collection, index, field },
  });
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Returns a reason when `value` would not survive a JSON round-trip unchanged, else undefined. */
function jsonProblem(value: unknown, depth: number): string | undefined {
  if (depth > MAX_JSON_DEPTH) return `nests deeper than ${MAX_JSON_DEPTH} levels (or is cyclic)`;
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return undefined;
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : 'contains a non-finite number';
  if (Array.isArray(value)) {
    for (const element of value) {
      const problem = jsonProblem(element, depth + 1);
      if (problem !== undefined) return problem;
    }
    return undefined;
  }
  if (isPlainObject(value)) {
    for (const key of Object.keys(value)) {
      const member = value[key];
      // Undefined members are dropped by JSON like any absent optional field; not an error.
      if (member === undefined) continue;
      const problem = jsonProblem(member, depth + 1);
      if (problem !== undefined) return problem;
    }
    return undefined;
  }
  return `contains a value that is not JSON (${typeof value})`;
}

function checkAttributes(collection: string, index: number, field: string, value: unknown): void {
  if (value === undefined) return;
  if (!isPlainObject(value)) fail(collection, index, field, 'must be a plain JSON object when present');
  const problem = jsonProblem(value, 0);
  if (problem !== undefined) fail(collection, index, field, problem);
}

/** Longest id (in UTF-16 code units) any record may have. */
export const MAX_ID_LENGTH = 512;
/** Longest item title. */
export const MAX_TITLE_LENGTH = 2_000;
/** Rating values beyond this magnitude are refused (no scale uses them; 1e308 would poison sums). */
export const MAX_EVENT_VALUE = 1e6;

const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;

function checkId(collection: string, index: number, field: string, value: unknown): void {
  if (typeof value !== 'string' || value.length === 0) fail(collection, index, field, 'must be a non-empty string');
  if (value.length > MAX_ID_LENGTH) fail(collection, index, field, `must be at most ${MAX_ID_LENGTH} characters (got ${value.length})`);
  // A NUL or other control character would be cut or mangled by drivers and terminals, so two ids could read back as one.
  const bad = CONTROL_CHARACTER.exec(value);
  if (bad) fail(collection, index, field, `must not contain control characters (U+${bad[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')} at position ${bad.index})`);
}

function checkTitle(collection: string, index: number, value: unknown): void {
  if (typeof value !== 'string' || value.trim().length === 0) fail(collection, index, 'title', 'must be a non-empty string');
  if (value.length > MAX_TITLE_LENGTH) fail(collection, index, 'title', `must be at most ${MAX_TITLE_LENGTH} characters (got ${value.length}); put long text in "text"`);
  if (value.includes('\u0000')) fail(collection, index, 'title', 'must not contain NUL characters');
}

function checkOptionalString(collection: string, index: number, field: string, value: unknown): void {
  if (value !== undefined && typeof value !== 'string') fail(collection, index, field, 'must be a string when present');
}

function checkOptionalNumber(collection: string, index: number, field: string, value: unknown): void {
  if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value))) {
    fail(collection, index, field, 'must be a finite number when present');
  }
}

function checkArray(collection: string, records: unknown): asserts records is readonly unknown[] {
  if (!Array.isArray(records)) {
    throw new ValidationError(`${collection} must be an array`, { details: { collection } });
  }
}

function checkRecord(collection: string, index: number, record: unknown): asserts record is Record<string, unknown> {
  if (typeof record !== 'object' || record === null || Array.isArray(record)) {
    throw new ValidationError(`${collection}[${index}] must be an object`, { details: { collection, index } });
  }
}

/** Rejects a second record with the same id: which one should win is the caller's decision, not ours. */
function checkUniqueIds(collection: string, records: readonly { id: string }[]): void {
  const seen = new Map<string, number>();
  records.forEach((record, index) => {
    const first = seen.get(record.id);
    if (first !== undefined) {
      throw new ConflictError(`${collection}[${index}].id "${record.id}" repeats ${collection}[${first}].id in one batch`, {
        details: { collection, index, field: 'id', firstIndex: first },
      });
    }
    seen.set(record.id, index);
  });
}

/**
 * Checks a batch of items; throws {@link ValidationError} naming the first bad index and field, or
 * {@link ConflictError} when an id repeats within the batch.
 */
export function validateItems(items: readonly Item[], collection = 'items'): void {
  checkArray(collection, items);
  items.forEach((item: unknown, index) => {
    checkRecord(collection, index, item);
    checkId(collection, index, 'id', item.id);
    checkTitle(collection, index, item.title);
    checkOptionalString(collection, index, 'text', item.text);
    checkAttributes(collection, index, 'attributes', item.attributes);
    checkOptionalNumber(collection, index, 'createdAt', item.createdAt);
    if (item.available !== undefined && typeof item.available !== 'boolean') {
      fail(collection, index, 'available', 'must be a boolean when present');
    }
  });
  checkUniqueIds(collection, items);
}

/** Checks a batch of users; same errors as {@link validateItems}. */
export function validateUsers(users: readonly User[], collection = 'users'): void {
  checkArray(collection, users);
  users.forEach((user: unknown, index) => {
    checkRecord(collection, index, user);
    checkId(collection, index, 'id', user.id);
    checkAttributes(collection, index, 'attributes', user.attributes);
  });
  checkUniqueIds(collection, users);
}

/** Checks a batch of events; throws {@link ValidationError} naming the first bad index and field. */
export function validateEvents(events: readonly Event[], collection = 'events'): void {
  checkArray(collection, events);
  events.forEach((event: unknown, index) => {
    checkRecord(collection, index, event);
    const type = event.type;
    if (typeof type !== 'string' || !isEventType(type)) {
      fail(collection, index, 'type', `must be one of the known event types (got ${JSON.stringify(type) ?? 'undefined'})`);
    }
    checkId(collection, index, 'userId', event.userId);
    if (event.itemId === undefined) {
      if (!ITEMLESS_EVENT_TYPES.has(type)) fail(collection, index, 'itemId', `is required for event type "${type}"`);
    } else {
      checkId(collection, index, 'itemId', event.itemId);
    }
    if (typeof event.timestamp !== 'number' || !Number.isFinite(event.timestamp)) {
      fail(collection, index, 'timestamp', 'must be a finite number (ms since epoch)');
    }
    checkOptionalNumber(collection, index, 'value', event.value);
    const value = event.value as number | undefined;
    if (value !== undefined && Math.abs(value) > MAX_EVENT_VALUE) fail(collection, index, 'value', `must be between -${MAX_EVENT_VALUE} and ${MAX_EVENT_VALUE} (got ${value})`);
    if (type === 'rating' && value === undefined) fail(collection, index, 'value', 'is required for event type "rating"');
    checkOptionalString(collection, index, 'text', event.text);
    checkAttributes(collection, index, 'context', event.context);
  });
}

/** Checks an event-type filter: every entry must be a known type, so that a typo is not an empty result. */
export function validateEventTypes(types: readonly string[] | undefined): readonly EventType[] | undefined {
  if (types === undefined) return undefined;
  if (!Array.isArray(types)) throw new ValidationError('types must be an array', { details: { field: 'types' } });
  for (const type of types) {
    if (typeof type !== 'string' || !isEventType(type)) {
      throw new ValidationError(`types contains an unknown event type ${JSON.stringify(type) ?? 'undefined'}`, {
        details: { field: 'types', value: type },
      });
    }
  }
  return types as readonly EventType[];
}

/** Checks a non-empty string argument such as an id or a model name. */
export function validateKey(field: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new ValidationError(`${field} must be a non-empty string`, { details: { field } });
  }
  return value;
}

/** Checks an optional integer argument against a minimum; returns `fallback` when absent. */
export function validateInteger(field: string, value: unknown, min: number, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw new ValidationError(`${field} must be an integer >= ${min}`, { details: { field, value } });
  }
  return value;
}

/** Most change-log entries one `changes.since` call returns. */
export const MAX_CHANGES_PAGE = 100_000;

/** Checks `changes.since` arguments: a non-negative seq and a page size; returns the page size. */
export function validateChangesSince(afterSeq: number, limit: number | undefined): number {
  if (!Number.isSafeInteger(afterSeq) || afterSeq < 0) throw new ValidationError(`afterSeq must be a non-negative integer, got ${afterSeq}`, { details: { field: 'afterSeq', value: afterSeq } });
  const page = limit ?? 1000;
  if (!Number.isInteger(page) || page < 1 || page > MAX_CHANGES_PAGE) throw new ValidationError(`limit must be an integer between 1 and ${MAX_CHANGES_PAGE}, got ${page}`, { details: { field: 'limit', value: page } });
  return page;
}

/** Checks a time in ms since epoch given as a cut-off (`before`). */
export function validateBefore(before: number): void {
  if (!Number.isFinite(before)) throw new ValidationError(`before must be a time in ms, got ${before}`, { details: { field: 'before', value: before } });
}

/** Longest lease: one day (a holder renews long before). */
export const MAX_LEASE_MS = 86_400_000;

/** Checks `leases.acquire` arguments: name, holder and a time to live in ms. */
export function validateLease(name: string, holder: string, ttlMs?: number): void {
  validateKey('name', name);
  validateKey('holder', holder);
  if (ttlMs !== undefined && (!Number.isInteger(ttlMs) || ttlMs < 1 || ttlMs > MAX_LEASE_MS)) {
    throw new ValidationError(`ttlMs must be an integer between 1 and ${MAX_LEASE_MS}, got ${ttlMs}`, { details: { field: 'ttlMs', value: ttlMs } });
  }
}

/** Checks model metadata: a plain JSON object. */
export function validateMeta(meta: unknown): Record<string, unknown> {
  if (!isPlainObject(meta)) throw new ValidationError('meta must be a plain JSON object', { details: { field: 'meta' } });
  const problem = jsonProblem(meta, 0);
  if (problem !== undefined) throw new ValidationError(`meta ${problem}`, { details: { field: 'meta' } });
  return meta;
}

/** Encodes optional attributes as JSON text, or null when absent. */
export function encodeJson(value: Attributes | Record<string, unknown> | undefined): string | null {
  return value === undefined ? null : JSON.stringify(value);
}

/** Checks one impression record; throws {@link ValidationError} naming the field. */
export function validateImpression(impression: unknown): void {
  if (!isPlainObject(impression)) {
    throw new ValidationError('impression must be an object', { details: { field: 'impression' } });
  }
  for (const field of ['id', 'userId', 'modelVersion', 'variant'] as const) validateKey(field, impression[field]);
  const itemIds = impression.itemIds;
  if (!Array.isArray(itemIds)) throw new ValidationError('itemIds must be an array of item ids', { details: { field: 'itemIds' } });
  itemIds.forEach((itemId: unknown, index) => {
    if (typeof itemId !== 'string' || itemId.length === 0) {
      throw new ValidationError(`itemIds[${index}] must be a non-empty string`, { details: { field: 'itemIds', index } });
    }
  });
  const createdAt = impression.createdAt;
  if (typeof createdAt !== 'number' || !Number.isFinite(createdAt)) {
    throw new ValidationError('createdAt must be a finite number (ms since epoch)', { details: { field: 'createdAt' } });
  }
}

/** Checks an import mark before the write transaction opens. */
export function validateImportMark(mark: ImportMark): void {
  if (typeof mark !== 'object' || mark === null) throw new ValidationError('importMark must be an object', { details: { field: 'importMark' } });
  validateKey('importMark.hash', mark.hash);
  if (typeof mark.source !== 'string') throw new ValidationError('importMark.source must be a string', { details: { field: 'importMark.source' } });
  validateKey('importMark.format', mark.format);
}

/** Whether `value` is JSON (finite numbers, plain objects, at most 64 levels deep): what a setting may hold. */
export function isJsonValue(value: unknown, depth = 0): value is JsonValue {
  if (depth > MAX_JSON_DEPTH) return false;
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (Array.isArray(value)) return value.every((v) => isJsonValue(v, depth + 1));
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) return Object.values(value).every((v) => isJsonValue(v, depth + 1));
  return false;
}

/** Checks a retention cut-off (finite ms since epoch) and batch size; `limit` undefined means every matching row. */
export function validateRetention(before: number, limit: number | undefined): { before: number; limit: number | undefined } {
  if (typeof before !== 'number' || !Number.isFinite(before)) {
    throw new ValidationError('before must be a finite number (ms since epoch)', { details: { field: 'before' } });
  }
  return { before, limit: limit === undefined ? undefined : validateInteger('limit', limit, 1, 1) };
}

/** Checks one generated item description (entry `index` of a put), naming the field. */
export function validateGeneratedText(entry: GeneratedText, index: number): void {
  for (const field of ['itemId', 'text', 'model', 'promptVersion'] as const) {
    const value = (entry as unknown as Record<string, unknown> | null)?.[field];
    if (typeof value !== 'string' || value === '') throw new ValidationError(`generated text ${index}: ${field} must be a non-empty string`, { details: { field, index } });
  }
  if (!Number.isInteger(entry.createdAt)) throw new ValidationError(`generated text ${index}: createdAt must be an integer (ms since epoch)`, { details: { field: 'createdAt', index } });
}

/** Checks the entries of an embedding put, naming the index and field of the first bad one. */
export function validateEmbeddingEntries(entries: readonly EmbeddingEntry[]): void {
  if (!Array.isArray(entries)) throw new ValidationError('embeddings must be an array', { details: { field: 'entries' } });
  entries.forEach((e: EmbeddingEntry, index) => {
    if (typeof e?.hash !== 'string' || e.hash.length === 0) {
      throw new ValidationError(`embeddings[${index}]: field "hash" must be a non-empty string`, { details: { index, field: 'hash' } });
    }
    if (!(e.vector instanceof Float32Array) || e.vector.length === 0 || !e.vector.every(Number.isFinite)) {
      throw new ValidationError(`embeddings[${index}]: field "vector" must be a non-empty Float32Array of finite numbers`, { details: { index, field: 'vector' } });
    }
  });
}

/** A bulk write as checked by {@link validateBulkWrite}. */
export interface CheckedBulkWrite {
  items: readonly Item[];
  users: readonly User[];
  events: readonly Event[];
  mark: ImportMark | undefined;
  /** Items, users and events together. */
  rows: number;
  /** Rows per transaction, or undefined for one transaction. */
  chunkRows: number | undefined;
}

/** Checks a whole bulk write before any transaction opens (every backend refuses the same batches). */
export function validateBulkWrite(batch: BulkWrite, options: BulkWriteOptions | undefined): CheckedBulkWrite {
  if (typeof batch !== 'object' || batch === null) throw new ValidationError('bulk write must be an object with items, users and/or events');
  const items = batch.items ?? [];
  const users = batch.users ?? [];
  const events = batch.events ?? [];
  validateItems(items);
  validateUsers(users);
  validateEvents(events);
  const mark = batch.importMark;
  if (mark !== undefined) validateImportMark(mark);
  const chunkRows = options?.transactionRows === undefined ? undefined : validateInteger('transactionRows', options.transactionRows, 1, 1);
  return { items, users, events, mark, rows: items.length + users.length + events.length, chunkRows };
}

/** Checks the identities of a transfer batch (`StorageTransfer.write`) before the transaction opens. */
export function validateTransferBatch(batch: TransferBatch): void {
  if (typeof batch !== 'object' || batch === null) throw new ValidationError('transfer batch must be an object', { details: { field: 'batch' } });
  const events = batch.events ?? [];
  validateEvents(events);
  events.forEach((event, index) => validateInteger(`events[${index}].seq`, event.seq, 1, 1));
  (batch.impressions ?? []).forEach((impression) => validateImpression(impression));
  (batch.erasures ?? []).forEach((erasure, index) => validateInteger(`erasures[${index}].id`, erasure.id, 1, 1));
  (batch.imports ?? []).forEach((record, index) => validateInteger(`imports[${index}].id`, record.id, 1, 1));
  (batch.embeddings ?? []).forEach((record) => {
    validateKey('embeddings.encoder', record.encoder);
    validateKey('embeddings.hash', record.hash);
  });
}

/** Size of the chunks a snapshot payload is stored in (both backends). */
export const SNAPSHOT_CHUNK_BYTES = 8 * 1024 * 1024;

/** The checks both backends make before a put: a JSON object for `meta`, bytes within {@link MAX_SNAPSHOT_BYTES}. */
export function validateSnapshot(name: string, meta: unknown, payload: unknown): void {
  if (typeof meta !== 'object' || meta === null || Array.isArray(meta) || !isJsonValue(meta)) {
    throw new ValidationError(`snapshot ${name}: meta must be a JSON object`, { details: { field: 'meta', name } });
  }
  if (!(payload instanceof Uint8Array)) throw new ValidationError(`snapshot ${name}: payload must be bytes`, { details: { field: 'payload', name } });
  if (payload.byteLength > MAX_SNAPSHOT_BYTES) {
    throw new ValidationError(`snapshot ${name}: payload of ${payload.byteLength} bytes is over the ${MAX_SNAPSHOT_BYTES} a snapshot may hold`, { details: { field: 'payload', name, bytes: payload.byteLength, max: MAX_SNAPSHOT_BYTES } });
  }
}
