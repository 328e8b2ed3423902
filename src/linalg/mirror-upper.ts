/**
 * Completes a symmetric matrix from its upper triangle, in cache-sized square tiles so the
 * column-order writes into the lower triangle stay in cache.
 * @module
 * @internal
 */

/** Edge of the square tiles. */
const TILE = 32;

/**
 * For the `n × n` row-major `a`: scales the upper triangle by `scale` and the diagonal by
 * `diagScale`, then copies the upper triangle into the lower one. The lower triangle is not read.
 */
export function mirrorUpper(a: Float64Array, n: number, scale = 1, diagScale = scale): void {
  for (let i0 = 0; i0 < n; i0 += TILE) {
    const i1 = Math.min(i0 + TILE, n);
    for (let j0 = i0; j0 < n; j0 += TILE) {
      const j1 = Math.min(j0 + TILE, n);
      for (let i = i0; i < i1; i++) {
        const row = i * n;
        for (let j = Math.max(i + 1, j0); j < j1; j++) {
          const v = scale * a[row + j] + 0; // + 0 turns a negated zero back into +0
          a[row + j] = v;
          a[j * n + i] = v;
        }
      }
    }
  }
  if (diagScale !== 1) for (let i = 0; i < n; i++) a[i * n + i] = diagScale * a[i * n + i] + 0;
}
