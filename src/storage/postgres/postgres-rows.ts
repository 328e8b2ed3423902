/**
 * Row mapping and multi-row writes shared by the PostgreSQL stores: rows to port records (absent
 * optional fields stay absent, never null) and `INSERT … SELECT FROM unnest(…)` upserts in slices.
 * @module
 */
import type { Attributes, Item, StoredEvent, User } from '../../core/types.js';
import type { CountedEvent, Impression } from '../storage.js';
import { encodeJson } from '../validation.js';
import { bytesOf } from './pg-driver.js';
import type { PgQueryFn } from './postgres-calls.js';
import { ROWS_PER_STATEMENT } from './postgres-event-log.js';

/** An `items` row. */
export interface ItemRow {
  id: string;
  title: string;
  text: string | null;
  attributes: string | null;
  created_at: number | null;
  available: boolean;
}

/** A `users` row. */
export interface UserRow {
  id: string;
  attributes: string | null;
}

/** An `events` row. */
export interface EventRow {
  seq: number;
  user_id: string;
  item_id: string | null;
  type: string;
  value: number | null;
  text: string | null;
  ts: number;
  context: string | null;
}

/** An `impressions` row. */
export interface ImpressionRow {
  id: string;
  user_id: string;
  model_version: string;
  variant: string;
  item_ids: string;
  created_at: number;
}

/** Columns of `items` in the order the rows map them. */
export const ITEM_COLUMNS = 'id, title, text, attributes, created_at, available';

/** An item row as the port returns it. */
export function itemFromRow(row: ItemRow): Item {
  const item: Item = { id: row.id, title: row.title };
  if (row.text !== null) item.text = row.text;
  if (row.attributes !== null) item.attributes = JSON.parse(row.attributes) as Attributes;
  if (row.created_at !== null) item.createdAt = row.created_at;
  item.available = row.available;
  return item;
}

/** A user row as the port returns it. */
export function userFromRow(row: UserRow): User {
  const user: User = { id: row.id };
  if (row.attributes !== null) user.attributes = JSON.parse(row.attributes) as Attributes;
  return user;
}

/** An event row as the port returns it: absent optional fields stay absent. */
export function eventFromRow(row: EventRow): StoredEvent {
  const event: StoredEvent = { seq: row.seq, userId: row.user_id, type: row.type as StoredEvent['type'], timestamp: row.ts };
  if (row.item_id !== null) event.itemId = row.item_id;
  if (row.value !== null) event.value = row.value;
  if (row.text !== null) event.text = row.text;
  if (row.context !== null) event.context = JSON.parse(row.context) as Attributes;
  return event;
}

/** The columns of a {@link CountedEvent}: all but the user and the context. */
export const COUNTED_EVENT_COLUMNS = "seq, item_id, type, value, text, ts";

/** A row of {@link COUNTED_EVENT_COLUMNS} as the port returns it. */
export function countedEventFromRow(row: Omit<EventRow, 'user_id' | 'context'>): CountedEvent {
  const event: CountedEvent = { seq: row.seq, type: row.type as StoredEvent['type'], timestamp: row.ts };
  if (row.item_id !== null) event.itemId = row.item_id;
  if (row.value !== null) event.value = row.value;
  if (row.text !== null) event.text = row.text;
  return event;
}

/** An impression row as the port returns it. */
export function impressionFromRow(row: ImpressionRow): Impression {
  return { id: row.id, userId: row.user_id, modelVersion: row.model_version, variant: row.variant, itemIds: JSON.parse(row.item_ids) as string[], createdAt: row.created_at };
}

/** Inside the caller's transaction: upserts items in slices of {@link ROWS_PER_STATEMENT}. */
export async function upsertItems(query: PgQueryFn, items: readonly Item[]): Promise<number> {
  for (let at = 0; at < items.length; at += ROWS_PER_STATEMENT) {
    const slice = items.slice(at, at + ROWS_PER_STATEMENT);
    await query(
      `INSERT INTO items (${ITEM_COLUMNS})
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::float8[], $6::bool[])
       ON CONFLICT (id) DO UPDATE SET title = excluded.title, text = excluded.text, attributes = excluded.attributes,
         created_at = excluded.created_at, available = excluded.available`,
      [
        slice.map((item) => item.id),
        slice.map((item) => item.title),
        slice.map((item) => item.text ?? null),
        slice.map((item) => encodeJson(item.attributes)),
        slice.map((item) => item.createdAt ?? null),
        slice.map((item) => item.available !== false),
      ],
    );
  }
  return items.length;
}

/** Inside the caller's transaction: upserts users in slices of {@link ROWS_PER_STATEMENT}. */
export async function upsertUsers(query: PgQueryFn, users: readonly User[]): Promise<number> {
  for (let at = 0; at < users.length; at += ROWS_PER_STATEMENT) {
    const slice = users.slice(at, at + ROWS_PER_STATEMENT);
    await query(
      `INSERT INTO users (id, attributes) SELECT * FROM unnest($1::text[], $2::text[])
       ON CONFLICT (id) DO UPDATE SET attributes = excluded.attributes`,
      [slice.map((user) => user.id), slice.map((user) => encodeJson(user.attributes))],
    );
  }
  return users.length;
}

/** A float32 vector from its stored bytes (copied: a Float32Array needs 4-byte alignment). */
export function vectorFromBytes(value: unknown): Float32Array {
  const bytes = bytesOf(value);
  const vector = new Float32Array(bytes.byteLength / 4);
  new Uint8Array(vector.buffer).set(bytes);
  return vector;
}

/** The bytes of a float32 vector, as a view. */
export function vectorBytes(vector: Float32Array): Uint8Array {
  return new Uint8Array(vector.buffer, vector.byteOffset, vector.byteLength);
}

/** Inside the caller's transaction: upserts vectors (the last of a repeated key wins, as a replace would). */
export async function upsertEmbeddings(query: PgQueryFn, records: readonly { encoder: string; hash: string; vector: Float32Array }[]): Promise<void> {
  const unique = new Map<string, { encoder: string; hash: string; vector: Float32Array }>();
  for (const record of records) unique.set(`${record.encoder}\u0000${record.hash}`, record);
  const rows = [...unique.values()];
  for (let at = 0; at < rows.length; at += ROWS_PER_STATEMENT) {
    const slice = rows.slice(at, at + ROWS_PER_STATEMENT);
    await query(
      `INSERT INTO embeddings (encoder, hash, dim, vector) SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::bytea[])
       ON CONFLICT (encoder, hash) DO UPDATE SET dim = excluded.dim, vector = excluded.vector`,
      [slice.map((r) => r.encoder), slice.map((r) => r.hash), slice.map((r) => r.vector.length), slice.map((r) => vectorBytes(r.vector))],
    );
  }
}

