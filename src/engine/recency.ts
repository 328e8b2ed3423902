/**
 * Recency-aware scoring (C17): a user's interests decay with a half-life, so each history event
 * weighs 0.5^(age / halfLife), the age measured back from the user's latest event (a user who
 * returns after a pause keeps the shape of their tastes; only its balance between old and new
 * changes). Factor and text models read the weights as fold-in confidences and interest weights;
 * models whose score is a sum of per-history-item rows but ignore the values (EASE, item-kNN) are
 * scored as that sum with the weights applied, in a few passes over weight buckets.
 * @module
 */
import { ValidationError } from '../core/errors.js';
import type { Recommender, UserQuery } from '../models/recommender.js';

/** Recency settings of the engine and the pipeline. */
export interface RecencyOptions {
  /** Age at which a history event counts half, ms; `Infinity` turns recency weighting off. */
  halfLifeMs: number;
}

/**
 * Models whose score is the sum over history items of a per-item row (so a weighted history is the
 * weighted sum of single-item scores) and which ignore `UserQuery.values`.
 */
export const ITEM_LINEAR_KINDS: ReadonlySet<string> = new Set(['ease', 'edlae', 'nease', 'itemknn']);

/** Weight steps per halving when linear models are scored in buckets (error at most 2^(1/8) − 1 ≈ 9%). */
const BUCKETS_PER_HALVING = 4;
/** Events older than this many half-lives are dropped by the bucketed scoring (weight < 10⁻⁶). */
const MAX_HALVINGS = 20;

/** Checks a half-life: a positive number of ms (or Infinity). */
export function checkHalfLife(halfLifeMs: number): number {
  if (!(halfLifeMs > 0)) throw new ValidationError(`recency half-life must be a positive number of ms, got ${halfLifeMs}`, { details: { field: 'recency.halfLife', value: halfLifeMs } });
  return halfLifeMs;
}

/** 0.5^(age / halfLife) for a non-negative age; 1 without a half-life. */
export function recencyWeight(ageMs: number, halfLifeMs: number | undefined): number {
  if (halfLifeMs === undefined || halfLifeMs === Infinity) return 1;
  return Math.pow(0.5, Math.max(0, ageMs) / halfLifeMs);
}

/**
 * Writes `model`'s scores for `query` into `out`, honouring the query's weights for models in
 * {@link ITEM_LINEAR_KINDS} (which would otherwise count every history item once); other models are
 * scored directly. `scratch` (length `model.numItems`) avoids an allocation per call.
 */
export function scoreWeighted(model: Recommender, query: UserQuery, out: Float32Array, scratch?: Float32Array): void {
  if (!ITEM_LINEAR_KINDS.has(model.kind) || query.values.every((v) => v === query.values[0])) {
    model.score(query, out);
    return;
  }
  const buckets = new Map<number, number[]>();
  for (let t = 0; t < query.items.length; t++) {
    const w = query.values[t];
    if (!(w > 0)) continue;
    const b = Math.round(-Math.log2(w) * BUCKETS_PER_HALVING);
    if (b > MAX_HALVINGS * BUCKETS_PER_HALVING) continue;
    let list = buckets.get(b);
    if (!list) buckets.set(b, (list = []));
    list.push(query.items[t]);
  }
  out.fill(0);
  const part = scratch && scratch.length === out.length ? scratch : new Float32Array(out.length);
  for (const [b, items] of buckets) {
    const items32 = Int32Array.from(items).sort();
    model.score({ userIdx: -1, items: items32, values: new Float32Array(items32.length).fill(1) }, part);
    const w = Math.pow(2, -b / BUCKETS_PER_HALVING);
    for (let j = 0; j < out.length; j++) out[j] += w * part[j];
  }
}
