/**
 * Shared machinery of matrix-factorisation models: scoring by dot products of user and item
 * factors, item-item cosine, and the closed-form fold-in of a user the model has not seen
 * (one weighted ridge solve against fixed item factors).
 * @module
 */
import { createRng, dot, dotRows, gramianT, solveSpdSmall } from '../linalg/index.js';
import type { UserQuery } from './recommender.js';

/** Factor matrices of a trained model. */
export interface Factors {
  /** Users × dim, row-major. */
  userFactors: Float32Array;
  /** Items × dim, row-major. */
  itemFactors: Float32Array;
  /** Per-item bias (zeros when the model has none). */
  itemBias: Float32Array;
  dim: number;
}

/** Weighted-ridge fold-in settings. */
export interface FoldInOptions {
  /** Confidence added per unit of interaction value (implicit ALS's α). */
  alpha: number;
  /** Ridge weight λ. */
  regularization: number;
}

/** Writes scores u·y_j + b_j for every item into `out`. */
export function scoreWithVector(f: Factors, userVec: Float32Array | Float64Array, out: Float32Array): void {
  const { itemFactors, itemBias, dim } = f;
  const n = itemBias.length;
  dotRows(userVec instanceof Float32Array ? userVec : Float32Array.from(userVec.subarray(0, dim)), itemFactors, dim, 0, n, out);
  for (let j = 0; j < n; j++) out[j] += itemBias[j];
}

/**
 * Solves (YᵀY + Σᵢ αvᵢ yᵢyᵢᵀ + λI) x = Σᵢ (1 + αvᵢ) yᵢ over the user's history: the exact implicit-ALS
 * user step with item factors held fixed. `yty` is YᵀY (dim × dim), computed once per model.
 */
export function foldInUser(f: Factors, yty: Float64Array, items: Int32Array, values: Float32Array, options: FoldInOptions): Float64Array {
  const { itemFactors, dim } = f;
  const a = Float64Array.from(yty);
  const b = new Float64Array(dim);
  const numItems = f.itemBias.length;
  for (let k = 0; k < dim; k++) a[k * dim + k] += options.regularization;
  for (let t = 0; t < items.length; t++) {
    const i = items[t];
    if (i < 0 || i >= numItems) continue;
    const c = options.alpha * (values[t] || 1);
    const off = i * dim;
    for (let r = 0; r < dim; r++) {
      const yr = itemFactors[off + r];
      b[r] += (1 + c) * yr;
      const cyr = c * yr;
      for (let s = 0; s < dim; s++) a[r * dim + s] += cyr * itemFactors[off + s];
    }
  }
  solveSpdSmall(a, dim, b);
  return b;
}

/** Scores for `query`: stored factors for a known user, fold-in for an unknown one, zeros without history. */
export function scoreFactors(
  f: Factors,
  query: UserQuery,
  out: Float32Array,
  yty: () => Float64Array,
  foldIn: FoldInOptions,
): void {
  const p = factorUserVector(f, query, yty, foldIn);
  if (p) scoreWithVector(f, p, out);
  else out.set(f.itemBias);
}

/**
 * The user vector {@link scoreFactors} scores with: the trained row of a known user, else the
 * history folded in by one weighted ridge solve; undefined for an empty history (biases only).
 */
export function factorUserVector(f: Factors, query: UserQuery, yty: () => Float64Array, foldIn: FoldInOptions): Float32Array | Float64Array | undefined {
  const numUsers = f.userFactors.length / f.dim;
  if (query.userIdx >= 0 && query.userIdx < numUsers) return f.userFactors.subarray(query.userIdx * f.dim, (query.userIdx + 1) * f.dim);
  if (query.items.length === 0) return undefined;
  return foldInUser(f, yty(), query.items, query.values, foldIn);
}

/** Cosine similarity of item `itemIdx`'s factors to every item's. */
export function factorCosine(f: Factors, itemIdx: number, out: Float32Array): void {
  const { itemFactors, dim } = f;
  const n = f.itemBias.length;
  const off = itemIdx * dim;
  const ni = Math.sqrt(dot(itemFactors, off, itemFactors, off, dim)) || 1;
  for (let j = 0; j < n; j++) {
    const nj = Math.sqrt(dot(itemFactors, j * dim, itemFactors, j * dim, dim)) || 1;
    out[j] = dot(itemFactors, off, itemFactors, j * dim, dim) / (ni * nj);
  }
}

/** YᵀY of the item factors. */
export function itemGramian(f: Factors): Float64Array {
  return gramianT(f.itemFactors, f.itemBias.length, f.dim);
}

/** Binary search for `value` in the ascending run `sorted[start, end)`. */
export function sortedContains(sorted: Int32Array, start: number, end: number, value: number): boolean {
  let lo = start;
  let hi = end - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const v = sorted[mid];
    if (v === value) return true;
    if (v < value) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

/**
 * A user vector for a history the model has not seen: BPR steps on the user's factors only, item
 * factors frozen, starting from the mean of the history's item factors. Deterministic per history.
 */
export function bprFoldIn(f: Factors, items: Int32Array, options: { learningRate: number; regularization: number }): Float32Array {
  const { itemFactors: Q, itemBias: bias, dim } = f;
  const numItems = bias.length;
  const valid = Int32Array.from(items.filter((i) => i >= 0 && i < numItems)).sort();
  const p = new Float32Array(dim);
  if (valid.length === 0) return p;
  for (const i of valid) for (let k = 0; k < dim; k++) p[k] += Q[i * dim + k] / valid.length;
  let h = 2166136261;
  for (const i of valid) h = Math.imul(h ^ i, 16777619);
  const rng = createRng(h >>> 0);
  const { learningRate: lr, regularization: reg } = options;
  const steps = Math.max(200, 20 * valid.length);
  for (let s = 0; s < steps; s++) {
    const i = valid[rng.int(valid.length)];
    let j = rng.int(numItems);
    for (let t = 0; t < 10 && sortedContains(valid, 0, valid.length, j); t++) j = rng.int(numItems);
    let x = bias[i] - bias[j];
    for (let k = 0; k < dim; k++) x += p[k] * (Q[i * dim + k] - Q[j * dim + k]);
    const g = 1 / (1 + Math.exp(x));
    for (let k = 0; k < dim; k++) p[k] += lr * (g * (Q[i * dim + k] - Q[j * dim + k]) - reg * p[k]);
  }
  return p;
}
