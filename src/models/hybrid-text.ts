/**
 * The text input of the hybrid's adapter: each item's centred, L2-normalised text embedding ẽᵢ,
 * expressed in the `rank` leading principal directions U of the catalogue's embeddings, tᵢ = Uᵀẽᵢ.
 * An adapter A acting on tᵢ is the full-width adapter A·Uᵀ restricted to that subspace, at a
 * fraction of the cost: training and refreshing it cost n × rank × dim instead of n × textDim × dim,
 * and the coordinates take n × rank floats instead of a second copy of every embedding.
 * @module
 */
import { createRng, gemm } from '../linalg/index.js';
import { principalSubspace } from './principal-subspace.js';
import type { ItemEmbeddings } from './recommender.js';

/** Rows the principal directions are estimated from (a seeded sample beyond this many). */
export const SUBSPACE_SAMPLE_ROWS = 16_384;

/** Rows per block of the projection (bounds its Float64 scratch). */
const BLOCK = 2_048;

/** The adapter's text coordinates. */
export interface AdapterText {
  /** `n × width` row-major: the coordinates tᵢ (zero rows for items without text). */
  coords: Float32Array;
  /** Width of a row: the subspace rank, or the embedding width when no subspace is used. */
  width: number;
  /** The basis U, `textDim × width` row-major (column c is direction c); undefined for the identity. */
  basis: Float32Array | undefined;
}

/**
 * Centres and normalises the rows of `e` and, when `rank < e.dim`, projects them on their `rank`
 * leading principal directions (estimated from at most {@link SUBSPACE_SAMPLE_ROWS} rows with text,
 * chosen by `seed`). With `rank ≥ e.dim` the coordinates are the centred unit rows themselves.
 * The mean is over rows with text; rows without text stay zero. Cost: one pass over the embeddings,
 * sample·textDim² for the directions and n·textDim·rank for the projection.
 */
export function adapterText(e: ItemEmbeddings, rank: number, seed: number): AdapterText {
  const { vectors, dim } = e;
  const n = vectors.length / Math.max(dim, 1);
  const mean = new Float64Array(dim);
  const invNorm = new Float64Array(n);
  const withText: number[] = [];
  for (let i = 0; i < n; i++) {
    const off = i * dim;
    let nz = false;
    for (let k = 0; k < dim; k++) if (vectors[off + k] !== 0) nz = true;
    if (!nz) continue;
    withText.push(i);
    for (let k = 0; k < dim; k++) mean[k] += vectors[off + k];
  }
  if (withText.length > 0) for (let k = 0; k < dim; k++) mean[k] /= withText.length;
  for (const i of withText) {
    const off = i * dim;
    let s = 0;
    for (let k = 0; k < dim; k++) s += (vectors[off + k] - mean[k]) ** 2;
    invNorm[i] = s > 0 ? 1 / Math.sqrt(s) : 0;
  }
  const width = Math.max(1, Math.min(rank, dim));
  if (width >= dim) {
    const coords = new Float32Array(n * dim);
    for (const i of withText) for (let k = 0; k < dim; k++) coords[i * dim + k] = (vectors[i * dim + k] - mean[k]) * invNorm[i];
    return { coords, width: dim, basis: undefined };
  }
  const sample = sampleRows(withText, SUBSPACE_SAMPLE_ROWS, seed);
  const rows = new Float32Array(sample.length * dim);
  sample.forEach((i, s) => {
    for (let k = 0; k < dim; k++) rows[s * dim + k] = (vectors[i * dim + k] - mean[k]) * invNorm[i];
  });
  const basis64 = principalSubspace(rows, sample.length, dim, width, 12, seed);
  // tᵢ = Uᵀ(eᵢ − μ)/‖eᵢ − μ‖ = (Uᵀeᵢ − Uᵀμ)·invNormᵢ, projected block by block from the raw rows.
  const meanProj = new Float64Array(width);
  gemm(mean, basis64, meanProj, 1, dim, width);
  const coords = new Float32Array(n * width);
  const block = new Float64Array(BLOCK * width);
  for (let start = 0; start < n; start += BLOCK) {
    const m = Math.min(BLOCK, n - start);
    gemm(vectors.subarray(start * dim, (start + m) * dim), basis64, block, m, dim, width);
    for (let r = 0; r < m; r++) {
      const inv = invNorm[start + r];
      if (inv === 0) continue;
      const out = (start + r) * width;
      for (let c = 0; c < width; c++) coords[out + c] = (block[r * width + c] - meanProj[c]) * inv;
    }
  }
  return { coords, width, basis: Float32Array.from(basis64) };
}

/** `rows` itself when it has at most `max` entries, else a seeded sample of `max` of them, in order. */
function sampleRows(rows: readonly number[], max: number, seed: number): Int32Array {
  if (rows.length <= max) return Int32Array.from(rows);
  // Selection sampling (Knuth's algorithm S): exactly `max` rows, in order.
  const rng = createRng(seed);
  const out = new Int32Array(max);
  let taken = 0;
  for (let p = 0; p < rows.length && taken < max; p++) {
    if ((rows.length - p) * rng.next() < max - taken) out[taken++] = rows[p];
  }
  return out;
}
