/**
 * Blocklists (C22): items that are never recommended, named by id or by attribute values
 * (`{ genres: ['Horror'] }`, `{ provider: ['acme'] }`). An item is blocked when its id is listed or
 * any listed attribute of it equals one of the listed values (for an array attribute, when any
 * element does; strings compare case-insensitively, as business-rule filters do).
 *
 * @example
 * const blocklist = parseBlocklist({ items: ['m13'], attributes: { genres: ['Horror'] } });
 * isBlocked('m1', { id: 'm1', title: 'Alien', attributes: { genres: ['Horror', 'Sci-Fi'] } }, blocklist); // true
 * @module
 */
import { ValidationError } from '../core/errors.js';
import type { Item, JsonValue } from '../core/types.js';

/** A value an attribute may be blocked for. */
export type BlockedValue = string | number | boolean;

/** Items never to recommend. */
export interface Blocklist {
  /** Item ids. */
  items: string[];
  /** Attribute name → values; an item with any of these values is blocked. */
  attributes: Record<string, BlockedValue[]>;
}

/** Longest list of item ids or of values per attribute accepted. */
export const MAX_BLOCKLIST_ENTRIES = 100_000;

/** A blocklist that blocks nothing. */
export function emptyBlocklist(): Blocklist {
  return { items: [], attributes: {} };
}

/** Whether `blocklist` blocks nothing. */
export function isEmptyBlocklist(blocklist: Blocklist): boolean {
  return blocklist.items.length === 0 && Object.values(blocklist.attributes).every((values) => values.length === 0);
}

/**
 * A blocklist from untrusted input (config, an API body, storage): `items` an array of non-empty
 * strings, `attributes` an object of arrays of strings, numbers or booleans; both optional.
 * Duplicates are dropped. `ValidationError` naming the field otherwise.
 */
export function parseBlocklist(value: unknown, field = 'blocklist'): Blocklist {
  if (value === undefined || value === null) return emptyBlocklist();
  if (typeof value !== 'object' || Array.isArray(value)) throw new ValidationError(`${field} must be an object with items and/or attributes`, { details: { field } });
  const { items, attributes, ...rest } = value as { items?: unknown; attributes?: unknown };
  const unknown = Object.keys(rest);
  if (unknown.length > 0) throw new ValidationError(`${field} has unknown key "${unknown[0]}" (expected items, attributes)`, { details: { field: `${field}.${unknown[0]}` } });
  const out = emptyBlocklist();
  if (items !== undefined) {
    if (!Array.isArray(items) || items.length > MAX_BLOCKLIST_ENTRIES || !items.every((id) => typeof id === 'string' && id !== '')) {
      throw new ValidationError(`${field}.items must be an array of at most ${MAX_BLOCKLIST_ENTRIES} non-empty item ids`, { details: { field: `${field}.items` } });
    }
    out.items = [...new Set(items as string[])];
  }
  if (attributes !== undefined) {
    if (typeof attributes !== 'object' || attributes === null || Array.isArray(attributes)) {
      throw new ValidationError(`${field}.attributes must be an object of attribute name → values`, { details: { field: `${field}.attributes` } });
    }
    for (const [name, values] of Object.entries(attributes)) {
      const ok = Array.isArray(values) && values.length <= MAX_BLOCKLIST_ENTRIES && values.every((v) => typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v)));
      if (name === '' || !ok) {
        throw new ValidationError(`${field}.attributes.${name} must be an array of strings, numbers or booleans`, { details: { field: `${field}.attributes.${name}` } });
      }
      out.attributes[name] = [...new Set(values as BlockedValue[])];
    }
  }
  return out;
}

/** The union of several blocklists. */
export function mergeBlocklists(...lists: readonly Blocklist[]): Blocklist {
  const items = new Set<string>();
  const attributes = new Map<string, Set<BlockedValue>>();
  for (const list of lists) {
    for (const id of list.items) items.add(id);
    for (const [name, values] of Object.entries(list.attributes)) {
      const set = attributes.get(name) ?? new Set<BlockedValue>();
      for (const v of values) set.add(v);
      attributes.set(name, set);
    }
  }
  return { items: [...items], attributes: Object.fromEntries([...attributes].map(([name, set]) => [name, [...set]])) };
}

/** A blocklist prepared for matching many items: id set, lower-cased string values. */
export interface BlocklistMatcher {
  /** Whether the item is blocked; with attribute rules an unknown item (`item` undefined) is not. */
  blocks(itemId: string, item: Item | undefined): boolean;
  /** Whether attribute rules exist (matching then needs the item's record). */
  readonly needsItems: boolean;
  /** Whether it blocks nothing. */
  readonly empty: boolean;
}

function key(v: JsonValue): string | undefined {
  if (typeof v === 'string') return `s:${v.toLowerCase()}`;
  if (typeof v === 'number' || typeof v === 'boolean') return `${typeof v}:${String(v)}`;
  return undefined;
}

/** Compiles `blocklist` for {@link BlocklistMatcher.blocks}. */
export function compileBlocklist(blocklist: Blocklist): BlocklistMatcher {
  const ids = new Set(blocklist.items);
  const rules = Object.entries(blocklist.attributes)
    .filter(([, values]) => values.length > 0)
    .map(([name, values]) => [name, new Set(values.map((v) => key(v) as string))] as const);
  return {
    needsItems: rules.length > 0,
    empty: ids.size === 0 && rules.length === 0,
    blocks(itemId, item) {
      if (ids.has(itemId)) return true;
      if (item === undefined) return false;
      for (const [name, values] of rules) {
        const value = item.attributes?.[name];
        if (value === undefined || value === null) continue;
        for (const v of Array.isArray(value) ? value : [value]) {
          const k = key(v);
          if (k !== undefined && values.has(k)) return true;
        }
      }
      return false;
    },
  };
}

/** Shorthand for one item: {@link compileBlocklist} then `blocks`. */
export function isBlocked(itemId: string, item: Item | undefined, blocklist: Blocklist): boolean {
  return compileBlocklist(blocklist).blocks(itemId, item);
}
