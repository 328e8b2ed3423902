/**
 * The one register-blocked inner kernel behind `gemm`, `gramianT`, `choleskyInPlace` and
 * `spdInverse`: a rank-`kc` update of a block of rows, in i-k-j order.
 *
 * V8 does not vectorise, so speed comes from reuse in registers: four rows of C are updated per
 * sweep over four rows of T, so each loaded `T[r][j]` feeds four multiply-adds and each `C[i][j]`
 * is loaded and stored once per four `r`. Everything is Float64Array so the function stays
 * monomorphic; callers convert or pack Float32 inputs first.
 * @module
 * @internal
 */

/**
 * C += alpha · X · T on a block, in place.
 *
 * - C: `rows × width`, element (i, j) at `c[cOff + i*ldc + j]`.
 * - X: `rows × kc`, element (i, r) at `x[xOff + i*xRowStride + r*xColStride]` (any strides, so a
 *   transposed operand costs nothing: X is only read outside the inner loop).
 * - T: `kc × width`, element (r, j) at `t[tOff + r*ldt + j]` (rows contiguous).
 *
 * No bounds checks: callers check their public arguments once.
 */
export function rankUpdate(
  c: Float64Array,
  cOff: number,
  ldc: number,
  rows: number,
  width: number,
  x: Float64Array,
  xOff: number,
  xRowStride: number,
  xColStride: number,
  alpha: number,
  t: Float64Array,
  tOff: number,
  ldt: number,
  kc: number,
): void {
  if (width <= 0 || rows <= 0 || kc <= 0) return;
  const kc4 = kc - (kc % 4);
  let i = 0;
  for (; i + 4 <= rows; i += 4) {
    const c0 = cOff + i * ldc;
    const c1 = c0 + ldc;
    const c2 = c1 + ldc;
    const c3 = c2 + ldc;
    const xi = xOff + i * xRowStride;
    let r = 0;
    for (; r < kc4; r += 4) {
      const p0 = xi + r * xColStride;
      const p1 = p0 + xColStride;
      const p2 = p1 + xColStride;
      const p3 = p2 + xColStride;
      const a00 = alpha * x[p0];
      const a01 = alpha * x[p1];
      const a02 = alpha * x[p2];
      const a03 = alpha * x[p3];
      const a10 = alpha * x[p0 + xRowStride];
      const a11 = alpha * x[p1 + xRowStride];
      const a12 = alpha * x[p2 + xRowStride];
      const a13 = alpha * x[p3 + xRowStride];
      const a20 = alpha * x[p0 + 2 * xRowStride];
      const a21 = alpha * x[p1 + 2 * xRowStride];
      const a22 = alpha * x[p2 + 2 * xRowStride];
      const a23 = alpha * x[p3 + 2 * xRowStride];
      const a30 = alpha * x[p0 + 3 * xRowStride];
      const a31 = alpha * x[p1 + 3 * xRowStride];
      const a32 = alpha * x[p2 + 3 * xRowStride];
      const a33 = alpha * x[p3 + 3 * xRowStride];
      const t0 = tOff + r * ldt;
      const t1 = t0 + ldt;
      const t2 = t1 + ldt;
      const t3 = t2 + ldt;
      for (let j = 0; j < width; j++) {
        const y0 = t[t0 + j];
        const y1 = t[t1 + j];
        const y2 = t[t2 + j];
        const y3 = t[t3 + j];
        c[c0 + j] += a00 * y0 + a01 * y1 + a02 * y2 + a03 * y3;
        c[c1 + j] += a10 * y0 + a11 * y1 + a12 * y2 + a13 * y3;
        c[c2 + j] += a20 * y0 + a21 * y1 + a22 * y2 + a23 * y3;
        c[c3 + j] += a30 * y0 + a31 * y1 + a32 * y2 + a33 * y3;
      }
    }
    for (; r < kc; r++) {
      const p = xi + r * xColStride;
      const a0 = alpha * x[p];
      const a1 = alpha * x[p + xRowStride];
      const a2 = alpha * x[p + 2 * xRowStride];
      const a3 = alpha * x[p + 3 * xRowStride];
      const t0 = tOff + r * ldt;
      for (let j = 0; j < width; j++) {
        const y = t[t0 + j];
        c[c0 + j] += a0 * y;
        c[c1 + j] += a1 * y;
        c[c2 + j] += a2 * y;
        c[c3 + j] += a3 * y;
      }
    }
  }
  for (; i < rows; i++) {
    const c0 = cOff + i * ldc;
    const xi = xOff + i * xRowStride;
    let r = 0;
    for (; r < kc4; r += 4) {
      const p0 = xi + r * xColStride;
      const a0 = alpha * x[p0];
      const a1 = alpha * x[p0 + xColStride];
      const a2 = alpha * x[p0 + 2 * xColStride];
      const a3 = alpha * x[p0 + 3 * xColStride];
      const t0 = tOff + r * ldt;
      const t1 = t0 + ldt;
      const t2 = t1 + ldt;
      const t3 = t2 + ldt;
      for (let j = 0; j < width; j++) {
        c[c0 + j] += a0 * t[t0 + j] + a1 * t[t1 + j] + a2 * t[t2 + j] + a3 * t[t3 + j];
      }
    }
    for (; r < kc; r++) {
      const a0 = alpha * x[xi + r * xColStride];
      const t0 = tOff + r * ldt;
      for (let j = 0; j < width; j++) c[c0 + j] += a0 * t[t0 + j];
    }
  }
}
