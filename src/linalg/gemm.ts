/**
 * Dense matrix multiply C = op(A)·B (+ beta·C) on row-major arrays, cache-blocked in i-k-j order.
 * @module
 */
import { checkDims, checkRange, type FloatArray } from './float-array.js';
import { rankUpdate } from './rank-update.js';

/** Options of {@link gemm}. */
export interface GemmOptions {
  /** When true, `a` holds A stored `k × m` and the product uses Aᵀ. Default false. */
  transA?: boolean;
  /**
   * Scale applied to the existing C before adding the product. Default 0: C is overwritten and
   * its previous contents (even NaN) are ignored, as in BLAS.
   */
  beta?: number;
}

/** Rows of B (the shared `k` dimension) per cache tile. */
const K_TILE = 128;
/** Columns of B and C per cache tile: a packed `K_TILE × J_TILE` tile of B is 512 KiB, half of L2. */
const J_TILE = 512;

/**
 * C (`m × n`) = op(A) · B (+ beta·C), all row-major.
 *
 * - `a`: A stored `m × k`, or when `transA` is set, stored `k × m` (so op(A) = Aᵀ is `m × k`).
 * - `b`: `k × n`. `c`: `m × n`, must not alias `a` or `b`.
 *
 * B is packed tile by tile into a Float64 buffer and the product accumulates in Float64; Float32
 * inputs are converted once (O(mk + kn) extra work and memory) so the inner kernel stays
 * monomorphic. Throws RangeError when an array is shorter than its shape.
 */
export function gemm(
  a: FloatArray,
  b: FloatArray,
  c: FloatArray,
  m: number,
  k: number,
  n: number,
  options: GemmOptions = {},
): void {
  checkDims('gemm', { m, k, n });
  checkRange('gemm a', a, 0, m * k);
  checkRange('gemm b', b, 0, k * n);
  checkRange('gemm c', c, 0, m * n);
  const transA = options.transA ?? false;
  const beta = options.beta ?? 0;

  const c64 = c instanceof Float64Array ? c : new Float64Array(m * n);
  if (beta === 0) {
    c64.fill(0, 0, m * n);
  } else {
    if (c64 !== c) for (let p = 0; p < m * n; p++) c64[p] = c[p];
    if (beta !== 1) for (let p = 0; p < m * n; p++) c64[p] *= beta;
  }

  if (m > 0 && n > 0 && k > 0) {
    const a64 = a instanceof Float64Array ? a : Float64Array.from(a.subarray(0, m * k));
    const kTile = Math.min(K_TILE, k);
    const jTile = Math.min(J_TILE, n);
    const packed = new Float64Array(kTile * jTile);
    for (let j0 = 0; j0 < n; j0 += jTile) {
      const width = Math.min(jTile, n - j0);
      for (let k0 = 0; k0 < k; k0 += kTile) {
        const kc = Math.min(kTile, k - k0);
        for (let r = 0; r < kc; r++) {
          const src = (k0 + r) * n + j0;
          const dst = r * width;
          for (let j = 0; j < width; j++) packed[dst + j] = b[src + j];
        }
        if (transA) {
          rankUpdate(c64, j0, n, m, width, a64, k0 * m, 1, m, 1, packed, 0, width, kc);
        } else {
          rankUpdate(c64, j0, n, m, width, a64, k0, k, 1, 1, packed, 0, width, kc);
        }
      }
    }
  }

  if (c64 !== c) for (let p = 0; p < m * n; p++) c[p] = c64[p];
}
