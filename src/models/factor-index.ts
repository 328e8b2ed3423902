/**
 * Retrieval over a factor model's items: an IVF index (`ivf-index.ts`) over the augmented item
 * vectors [qᵢ, bᵢ] (factors and bias), queried with [p, 1], so that an inner product in the index
 * is exactly the model's score p·qᵢ + bᵢ. Catalogues of at least {@link FACTOR_INDEX_MIN_ITEMS}
 * get one; it is built with the version and stored in its snapshot.
 * @module
 */
import type { Factors } from './factor-model.js';
import { buildIvfIndex, ivfArrays, ivfFromArrays, searchIvf } from './ivf-index.js';
import type { IvfIndex } from './ivf-index.js';
import type { ModelSnapshot } from './snapshot.js';

/** Catalogues at least this large get a retrieval index over their item factors. */
export const FACTOR_INDEX_MIN_ITEMS = 50_000;
/** Name prefix of the index's arrays in a snapshot. */
const PREFIX = 'factorIvf';

/** The items' [qᵢ, bᵢ] rows (n × (dim + 1)). */
export function augmentedItems(f: Factors): Float32Array {
  const { itemFactors, itemBias, dim } = f;
  const n = itemBias.length;
  const width = dim + 1;
  const out = new Float32Array(n * width);
  for (let i = 0; i < n; i++) {
    out.set(itemFactors.subarray(i * dim, (i + 1) * dim), i * width);
    out[i * width + dim] = itemBias[i];
  }
  return out;
}

/** The index of `f`'s items when the catalogue is large enough (`minItems`), else undefined. */
export function buildFactorIndex(f: Factors, options: { seed?: number; minItems?: number } = {}): IvfIndex | undefined {
  const n = f.itemBias.length;
  if (f.dim === 0 || n < (options.minItems ?? FACTOR_INDEX_MIN_ITEMS)) return undefined;
  return buildIvfIndex(augmentedItems(f), n, f.dim + 1, { seed: options.seed ?? 1 });
}

/** The `k` best items for user vector `p` (exact scores p·qᵢ + bᵢ), leaving out masked ones. */
export function searchFactors(index: IvfIndex, p: Float32Array | Float64Array | undefined, k: number, exclude?: Uint8Array): { indices: Int32Array; scores: Float32Array } {
  const width = index.dim;
  const q = new Float32Array(width);
  if (p) q.set(p.subarray(0, width - 1));
  q[width - 1] = 1;
  return searchIvf(index, q, k, { exclude });
}

/** The index's snapshot arrays (none without an index). */
export function factorIndexArrays(index: IvfIndex | undefined): ModelSnapshot['arrays'] {
  return index ? ivfArrays(index, PREFIX) : {};
}

/** Restores the index from a snapshot, undefined when it holds none. */
export function factorIndexFromSnapshot(arrays: ModelSnapshot['arrays'], dim: number): IvfIndex | undefined {
  return ivfFromArrays(arrays, PREFIX, dim + 1);
}
