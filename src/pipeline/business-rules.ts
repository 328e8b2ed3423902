/**
 * Re-rank stage: business rules over item attributes — filters that keep only matching items and
 * boosts that multiply the score of matching items. A condition names an attribute (or `category`,
 * `price`, … inside `attributes`) and a value, a list of accepted values, or a numeric range; an
 * array attribute (e.g. `genres`) matches when any element matches.
 *
 * @example
 * applyBusinessRules(list, { filters: { genres: 'Comedy', price: { max: 20 } }, boosts: [{ where: { brand: 'acme' }, factor: 1.5 }] });
 * @module
 */
import { ValidationError } from '../core/errors.js';
import type { Item, JsonValue } from '../core/types.js';
import type { ScoredItem } from './scored-item.js';

/** A numeric range (inclusive). */
export interface RangeCondition {
  min?: number;
  max?: number;
}

/** What one attribute must be: a value, any of several values, or a range. */
export type AttributeCondition = string | number | boolean | readonly (string | number | boolean)[] | RangeCondition;

/** Conditions by attribute name; all must hold. */
export type AttributeFilter = Record<string, AttributeCondition>;

/** Multiplies the score of items matching `where` by `factor` (> 1 promotes, < 1 demotes). */
export interface AttributeBoost {
  where: AttributeFilter;
  factor: number;
}

/** Rules of {@link applyBusinessRules}. */
export interface BusinessRules {
  filters?: AttributeFilter;
  boosts?: readonly AttributeBoost[];
}

/** True when `item` satisfies every condition of `filter` (items without the attribute fail). */
export function matchesFilter(item: Item | undefined, filter: AttributeFilter): boolean {
  for (const [field, cond] of Object.entries(filter)) {
    const value = attributeValue(item, field);
    if (value === undefined || value === null) return false;
    const values = Array.isArray(value) ? value : [value];
    if (!values.some((v) => matchesCondition(v, cond))) return false;
  }
  return true;
}

/**
 * Applies filters and boosts. Scores are shifted to be positive first when needed, so a boost
 * always promotes. Items marked `available === false` are removed.
 */
export function applyBusinessRules(list: readonly ScoredItem[], rules: BusinessRules): ScoredItem[] {
  for (const b of rules.boosts ?? []) {
    if (!(b.factor > 0) || !Number.isFinite(b.factor)) throw new ValidationError(`boost factor must be a positive number, got ${b.factor}`, { details: { field: 'boosts', value: b.factor } });
  }
  const kept = list.filter((c) => c.item?.available !== false && (!rules.filters || matchesFilter(c.item, rules.filters)));
  if (!rules.boosts || rules.boosts.length === 0) return kept;
  let min = Infinity;
  for (const c of kept) min = Math.min(min, c.score);
  const shift = min <= 0 ? 1e-6 - min : 0;
  return kept.map((c) => {
    let factor = 1;
    for (const b of rules.boosts ?? []) if (matchesFilter(c.item, b.where)) factor *= b.factor;
    return factor === 1 ? c : { ...c, score: (c.score + shift) * factor };
  });
}

function attributeValue(item: Item | undefined, field: string): JsonValue | undefined {
  if (!item) return undefined;
  if (field === 'id') return item.id;
  if (field === 'title') return item.title;
  if (field === 'createdAt') return item.createdAt;
  if (field === 'available') return item.available ?? true;
  return item.attributes?.[field];
}

function matchesCondition(v: JsonValue, cond: AttributeCondition): boolean {
  if (Array.isArray(cond)) return (cond as readonly (string | number | boolean)[]).some((c) => equal(v, c));
  if (typeof cond === 'object') {
    const range = cond as RangeCondition;
    const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : NaN;
    if (Number.isNaN(n)) return false;
    return (range.min === undefined || n >= range.min) && (range.max === undefined || n <= range.max);
  }
  return equal(v, cond);
}

function equal(v: JsonValue, c: string | number | boolean): boolean {
  if (typeof v === 'string' && typeof c === 'string') return v.toLowerCase() === c.toLowerCase();
  return v === c;
}
