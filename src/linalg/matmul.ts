/**
 * Single-precision matrix products for the neural models: C (+)= op(A)·op(B) on row-major
 * Float32Arrays, register-blocked four rows by four columns. Unlike {@link gemm} it neither packs nor
 * widens to Float64, which suits the many small products of a training step (shapes like
 * 1000 × 64 · 64 × 64) where the conversion would cost as much as the product.
 * @module
 */
import { checkDims, checkRange } from './float-array.js';

/** Options of {@link matmul}. */
export interface MatmulOptions {
  /** `a` holds A stored `k × m`; the product uses Aᵀ. */
  transA?: boolean;
  /** `b` holds B stored `n × k`; the product uses Bᵀ. */
  transB?: boolean;
  /** Add the product to C instead of overwriting it. */
  accumulate?: boolean;
}

/**
 * C (`m × n`) = op(A) (`m × k`) · op(B) (`k × n`), or C += … with `accumulate`. `c` must not alias `a`
 * or `b`. Both transposes at once are not supported (RangeError).
 *
 * @example
 * matmul(hidden, itemEmbedding, logits, rows, dim, numItems, { transB: true }); // logits = H·Eᵀ
 */
export function matmul(a: Float32Array, b: Float32Array, c: Float32Array, m: number, k: number, n: number, options: MatmulOptions = {}): void {
  checkDims('matmul', { m, k, n });
  checkRange('matmul a', a, 0, m * k);
  checkRange('matmul b', b, 0, k * n);
  checkRange('matmul c', c, 0, m * n);
  if (!options.accumulate) c.fill(0, 0, m * n);
  if (m === 0 || n === 0 || k === 0) return;
  if (options.transA && options.transB) throw new RangeError('matmul: transA and transB together are not supported');
  if (options.transB) matmulNT(a, b, c, m, k, n);
  else if (options.transA) rankUpdateF32(a, 1, m, b, c, m, k, n);
  else rankUpdateF32(a, k, 1, b, c, m, k, n);
}

/** C += X·B with X(i, r) at `x[i*rs + r*cs]`, B `k × n` row-major: four rows of C per sweep of four rows of B. */
function rankUpdateF32(x: Float32Array, rs: number, cs: number, b: Float32Array, c: Float32Array, m: number, k: number, n: number): void {
  const k4 = k - (k % 4);
  let i = 0;
  for (; i + 4 <= m; i += 4) {
    const c0 = i * n;
    const c1 = c0 + n;
    const c2 = c1 + n;
    const c3 = c2 + n;
    let r = 0;
    for (; r < k4; r += 4) {
      const p0 = i * rs + r * cs;
      const p1 = p0 + cs;
      const p2 = p1 + cs;
      const p3 = p2 + cs;
      const a00 = x[p0], a01 = x[p1], a02 = x[p2], a03 = x[p3];
      const a10 = x[p0 + rs], a11 = x[p1 + rs], a12 = x[p2 + rs], a13 = x[p3 + rs];
      const a20 = x[p0 + 2 * rs], a21 = x[p1 + 2 * rs], a22 = x[p2 + 2 * rs], a23 = x[p3 + 2 * rs];
      const a30 = x[p0 + 3 * rs], a31 = x[p1 + 3 * rs], a32 = x[p2 + 3 * rs], a33 = x[p3 + 3 * rs];
      const t0 = r * n;
      const t1 = t0 + n;
      const t2 = t1 + n;
      const t3 = t2 + n;
      for (let j = 0; j < n; j++) {
        const y0 = b[t0 + j];
        const y1 = b[t1 + j];
        const y2 = b[t2 + j];
        const y3 = b[t3 + j];
        c[c0 + j] += a00 * y0 + a01 * y1 + a02 * y2 + a03 * y3;
        c[c1 + j] += a10 * y0 + a11 * y1 + a12 * y2 + a13 * y3;
        c[c2 + j] += a20 * y0 + a21 * y1 + a22 * y2 + a23 * y3;
        c[c3 + j] += a30 * y0 + a31 * y1 + a32 * y2 + a33 * y3;
      }
    }
    for (; r < k; r++) {
      const p = i * rs + r * cs;
      const a0 = x[p], a1 = x[p + rs], a2 = x[p + 2 * rs], a3 = x[p + 3 * rs];
      const t0 = r * n;
      for (let j = 0; j < n; j++) {
        const y = b[t0 + j];
        c[c0 + j] += a0 * y;
        c[c1 + j] += a1 * y;
        c[c2 + j] += a2 * y;
        c[c3 + j] += a3 * y;
      }
    }
  }
  for (; i < m; i++) {
    const c0 = i * n;
    for (let r = 0; r < k; r++) {
      const a0 = x[i * rs + r * cs];
      if (a0 === 0) continue;
      const t0 = r * n;
      for (let j = 0; j < n; j++) c[c0 + j] += a0 * b[t0 + j];
    }
  }
}

/** C += A·Bᵀ, A `m × k`, B `n × k`: sixteen dot products per 4 × 4 block, accumulated in registers. */
function matmulNT(a: Float32Array, b: Float32Array, c: Float32Array, m: number, k: number, n: number): void {
  let i = 0;
  for (; i + 4 <= m; i += 4) {
    const a0 = i * k;
    const a1 = a0 + k;
    const a2 = a1 + k;
    const a3 = a2 + k;
    let j = 0;
    for (; j + 4 <= n; j += 4) {
      const b0 = j * k;
      const b1 = b0 + k;
      const b2 = b1 + k;
      const b3 = b2 + k;
      let s00 = 0, s01 = 0, s02 = 0, s03 = 0;
      let s10 = 0, s11 = 0, s12 = 0, s13 = 0;
      let s20 = 0, s21 = 0, s22 = 0, s23 = 0;
      let s30 = 0, s31 = 0, s32 = 0, s33 = 0;
      for (let r = 0; r < k; r++) {
        const x0 = a[a0 + r], x1 = a[a1 + r], x2 = a[a2 + r], x3 = a[a3 + r];
        const y0 = b[b0 + r], y1 = b[b1 + r], y2 = b[b2 + r], y3 = b[b3 + r];
        s00 += x0 * y0; s01 += x0 * y1; s02 += x0 * y2; s03 += x0 * y3;
        s10 += x1 * y0; s11 += x1 * y1; s12 += x1 * y2; s13 += x1 * y3;
        s20 += x2 * y0; s21 += x2 * y1; s22 += x2 * y2; s23 += x2 * y3;
        s30 += x3 * y0; s31 += x3 * y1; s32 += x3 * y2; s33 += x3 * y3;
      }
      const c0 = i * n + j;
      c[c0] += s00; c[c0 + 1] += s01; c[c0 + 2] += s02; c[c0 + 3] += s03;
      c[c0 + n] += s10; c[c0 + n + 1] += s11; c[c0 + n + 2] += s12; c[c0 + n + 3] += s13;
      c[c0 + 2 * n] += s20; c[c0 + 2 * n + 1] += s21; c[c0 + 2 * n + 2] += s22; c[c0 + 2 * n + 3] += s23;
      c[c0 + 3 * n] += s30; c[c0 + 3 * n + 1] += s31; c[c0 + 3 * n + 2] += s32; c[c0 + 3 * n + 3] += s33;
    }
    for (; j < n; j++) {
      const b0 = j * k;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let r = 0; r < k; r++) {
        const y = b[b0 + r];
        s0 += a[a0 + r] * y;
        s1 += a[a1 + r] * y;
        s2 += a[a2 + r] * y;
        s3 += a[a3 + r] * y;
      }
      c[i * n + j] += s0;
      c[(i + 1) * n + j] += s1;
      c[(i + 2) * n + j] += s2;
      c[(i + 3) * n + j] += s3;
    }
  }
  for (; i < m; i++) {
    const a0 = i * k;
    for (let j = 0; j < n; j++) {
      const b0 = j * k;
      let s = 0;
      for (let r = 0; r < k; r++) s += a[a0 + r] * b[b0 + r];
      c[i * n + j] += s;
    }
  }
}
