/**
 * Row-wise L2 normalisation shared by every encoder: cosine similarity then becomes a dot product,
 * and vectors from different encoders are on the same scale.
 * @module
 */

/**
 * Scales each `dim`-long row of the row-major `matrix` to unit length, in place, and returns it.
 * Sums run in float64, so no finite float32 row overflows; a zero row stays zero instead of
 * turning into NaN.
 */
export function l2NormalizeRows(matrix: Float32Array, dim: number): Float32Array {
  if (dim <= 0) return matrix;
  for (let start = 0; start + dim <= matrix.length; start += dim) {
    let sumSq = 0;
    for (let j = start; j < start + dim; j++) sumSq += matrix[j] * matrix[j];
    // A zero row stays zero; a row holding NaN or ±Infinity is left for the caller's validation.
    if (!(sumSq > 0) || !Number.isFinite(sumSq)) continue;
    const scale = 1 / Math.sqrt(sumSq);
    for (let j = start; j < start + dim; j++) matrix[j] *= scale;
  }
  return matrix;
}
