/**
 * Preparation of item text embeddings for scoring: mean-centring (USE-style embeddings share a large
 * common component that makes every pair look similar) and L2 normalisation, with items without text
 * kept as zero rows.
 * @module
 */
import { ValidationError } from '../core/errors.js';
import type { ItemEmbeddings } from './recommender.js';

/** Checks that `embeddings` exist and cover `numItems` items; names the fix when they do not. */
export function requireEmbeddings(kind: string, embeddings: ItemEmbeddings | undefined, numItems: number): ItemEmbeddings {
  if (!embeddings) {
    throw new ValidationError(`model "${kind}" needs item text embeddings: embed the catalogue first (lmrec embed) and train with them`, {
      details: { model: kind },
    });
  }
  if (embeddings.vectors.length !== numItems * embeddings.dim) {
    throw new ValidationError(
      `model "${kind}": item embeddings hold ${embeddings.vectors.length / Math.max(embeddings.dim, 1)} rows of dim ${embeddings.dim}, but the training matrix has ${numItems} items`,
      { details: { model: kind } },
    );
  }
  return embeddings;
}

/** Centred, L2-normalised copy of `e` (zero rows stay zero); the mean is over non-zero rows. */
export function centredUnitRows(e: ItemEmbeddings, centre = true): Float32Array {
  const { vectors, dim } = e;
  const n = vectors.length / dim;
  const mean = new Float64Array(dim);
  const hasText = new Uint8Array(n);
  let count = 0;
  for (let i = 0; i < n; i++) {
    let nz = false;
    for (let k = 0; k < dim; k++) if (vectors[i * dim + k] !== 0) nz = true;
    if (!nz) continue;
    hasText[i] = 1;
    count++;
    for (let k = 0; k < dim; k++) mean[k] += vectors[i * dim + k];
  }
  if (count > 0) for (let k = 0; k < dim; k++) mean[k] /= count;
  const out = new Float32Array(vectors.length);
  for (let i = 0; i < n; i++) {
    if (!hasText[i]) continue;
    let norm = 0;
    for (let k = 0; k < dim; k++) {
      const v = vectors[i * dim + k] - (centre ? mean[k] : 0);
      out[i * dim + k] = v;
      norm += v * v;
    }
    const inv = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (let k = 0; k < dim; k++) out[i * dim + k] *= inv;
  }
  return out;
}
