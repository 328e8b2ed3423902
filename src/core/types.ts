/**
 * Domain types: items, users and events as the engine stores and exchanges them.
 * Times are milliseconds since the Unix epoch. External ids are strings; dense indices
 * (`userIdx`, `itemIdx`) live only inside models and the evaluation harness.
 * @module
 */

/** JSON-compatible value stored in attributes and event context. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** Free-form attributes: category, brand, price, tags, language, genres, or any JSON. */
export type Attributes = Record<string, JsonValue>;

/** A thing that can be recommended. */
export interface Item {
  /** External id, unique in the catalogue. */
  id: string;
  /** Display title. */
  title: string;
  /** Free text: description, plot, body. */
  text?: string;
  /** Structured attributes (category, brand, price, tags, language, …). */
  attributes?: Attributes;
  /** Creation or publication time, ms since epoch. */
  createdAt?: number;
  /** Whether the item may be recommended now; defaults to true. */
  available?: boolean;
}

/** A person who receives recommendations. */
export interface User {
  /** External id. */
  id: string;
  /** Optional attributes (age band, location, occupation, …). */
  attributes?: Attributes;
}

/** Every kind of behaviour the engine understands. */
export const EVENT_TYPES = [
  'view',
  'click',
  'add-to-cart',
  'purchase',
  'rating',
  'review',
  'search',
  'like',
  'share',
  'skip',
  'dislike',
  'tag',
] as const;

/** One of {@link EVENT_TYPES}. */
export type EventType = (typeof EVENT_TYPES)[number];

/** Event types that are not about one item (the item id is optional for them). */
export const ITEMLESS_EVENT_TYPES: ReadonlySet<EventType> = new Set<EventType>(['search']);

/** True when `value` names a known event type. */
export function isEventType(value: string): value is EventType {
  return (EVENT_TYPES as readonly string[]).includes(value);
}

/** A behaviour of a user, optionally about an item. */
export interface Event {
  /** Who did it. */
  userId: string;
  /** What it was about; absent for item-less events such as searches. */
  itemId?: string;
  /** What kind of behaviour. */
  type: EventType;
  /** Numeric value: the rating for `rating`, a quantity or price for `purchase`, … */
  value?: number;
  /** Text: review body, search query, tag. */
  text?: string;
  /** When it happened, ms since epoch. */
  timestamp: number;
  /** Context (device, page, session id, …). */
  context?: Attributes;
}

/** An event as stored, with its storage-assigned sequence number. */
export interface StoredEvent extends Event {
  /** Monotonic sequence number assigned by storage on append. */
  seq: number;
}
