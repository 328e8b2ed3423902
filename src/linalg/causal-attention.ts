/**
 * Causal (masked) multi-head scaled dot-product attention over one sequence, forward and backward:
 * position i attends to positions 0…i. Rows are positions of row-major `T × dim` blocks inside larger
 * arrays (so a batch of packed variable-length sequences needs no padding); head h uses columns
 * [h·dim/heads, (h+1)·dim/heads). Float32 inputs take a blocked path that computes each head's
 * `T × T` scores and its products with `matmul` on whole blocks (the long sequences of dense data
 * spend most of a training step here); other inputs take the direct loops, the reference in tests.
 * @module
 */
import { checkRange, type FloatArray } from './float-array.js';
import { matmul } from './matmul.js';

/** Where one sequence lives in the packed arrays. */
export interface AttentionBlock {
  /** First row of the sequence in `q`, `k`, `v` and the outputs. */
  rowOff: number;
  /** Sequence length T. */
  length: number;
  /** Offset of this sequence's `heads × T × T` probability block in `probs`. */
  probOff: number;
  /** Model width (row stride). */
  dim: number;
  /** Number of heads; must divide `dim`. */
  heads: number;
}

/** Entries of `probs` one sequence needs: heads · T². */
export function attentionProbSize(length: number, heads: number): number {
  return heads * length * length;
}

function check(name: string, arrays: FloatArray[], b: AttentionBlock): void {
  if (b.dim % b.heads !== 0) throw new RangeError(`${name}: ${b.heads} heads do not divide dim ${b.dim}`);
  for (const a of arrays) checkRange(name, a, b.rowOff * b.dim, b.length * b.dim);
}

/**
 * out_i = Σ_{j ≤ i} softmax_j(q_i·k_j / √d_h) v_j for each head. Writes the attention weights into
 * `probs` (row i of head h at `probOff + (h·T + i)·T`, entries j > i are 0).
 */
export function causalAttention(q: FloatArray, k: FloatArray, v: FloatArray, out: FloatArray, probs: FloatArray, b: AttentionBlock): void {
  check('causalAttention', [q, k, v, out], b);
  const { rowOff, length: T, probOff, dim, heads } = b;
  checkRange('causalAttention probs', probs, probOff, heads * T * T);
  if (q instanceof Float32Array && k instanceof Float32Array && v instanceof Float32Array && out instanceof Float32Array && probs instanceof Float32Array) {
    blockedAttention(q, k, v, out, probs, b);
    return;
  }
  const dh = dim / heads;
  const scale = 1 / Math.sqrt(dh);
  for (let h = 0; h < heads; h++) {
    const col = h * dh;
    for (let i = 0; i < T; i++) {
      const qi = (rowOff + i) * dim + col;
      const pRow = probOff + (h * T + i) * T;
      let max = -Infinity;
      for (let j = 0; j <= i; j++) {
        const kj = (rowOff + j) * dim + col;
        let s = 0;
        for (let c = 0; c < dh; c++) s += q[qi + c] * k[kj + c];
        s *= scale;
        probs[pRow + j] = s;
        if (s > max) max = s;
      }
      let sum = 0;
      for (let j = 0; j <= i; j++) {
        const e = Math.exp(probs[pRow + j] - max);
        probs[pRow + j] = e;
        sum += e;
      }
      const inv = 1 / sum;
      for (let j = 0; j <= i; j++) probs[pRow + j] *= inv;
      for (let j = i + 1; j < T; j++) probs[pRow + j] = 0;
      for (let c = 0; c < dh; c++) out[qi + c] = 0;
      for (let j = 0; j <= i; j++) {
        const p = probs[pRow + j];
        const vj = (rowOff + j) * dim + col;
        for (let c = 0; c < dh; c++) out[qi + c] += p * v[vj + c];
      }
    }
  }
}

/**
 * Backward pass of {@link causalAttention}: from dL/dout and the saved `probs`, writes (overwrites)
 * dL/dq, dL/dk and dL/dv for the sequence's rows.
 */
export function causalAttentionBackward(
  q: FloatArray,
  k: FloatArray,
  v: FloatArray,
  probs: FloatArray,
  dOut: FloatArray,
  dq: FloatArray,
  dk: FloatArray,
  dv: FloatArray,
  b: AttentionBlock,
): void {
  check('causalAttentionBackward', [q, k, v, dOut, dq, dk, dv], b);
  const { rowOff, length: T, probOff, dim, heads } = b;
  checkRange('causalAttentionBackward probs', probs, probOff, heads * T * T);
  if (
    q instanceof Float32Array && k instanceof Float32Array && v instanceof Float32Array && probs instanceof Float32Array &&
    dOut instanceof Float32Array && dq instanceof Float32Array && dk instanceof Float32Array && dv instanceof Float32Array
  ) {
    blockedAttentionBackward(q, k, v, probs, dOut, dq, dk, dv, b);
    return;
  }
  const dh = dim / heads;
  const scale = 1 / Math.sqrt(dh);
  const start = rowOff * dim;
  dq.fill(0, start, start + T * dim);
  dk.fill(0, start, start + T * dim);
  dv.fill(0, start, start + T * dim);
  const dp = new Float64Array(T);
  for (let h = 0; h < heads; h++) {
    const col = h * dh;
    for (let i = 0; i < T; i++) {
      const gi = (rowOff + i) * dim + col;
      const pRow = probOff + (h * T + i) * T;
      let dot = 0;
      for (let j = 0; j <= i; j++) {
        const vj = (rowOff + j) * dim + col;
        const p = probs[pRow + j];
        let s = 0;
        for (let c = 0; c < dh; c++) {
          const g = dOut[gi + c];
          s += g * v[vj + c];
          dv[vj + c] += p * g;
        }
        dp[j] = s;
        dot += p * s;
      }
      for (let j = 0; j <= i; j++) {
        const ds = probs[pRow + j] * (dp[j] - dot) * scale;
        if (ds === 0) continue;
        const kj = (rowOff + j) * dim + col;
        for (let c = 0; c < dh; c++) {
          dq[gi + c] += ds * k[kj + c];
          dk[kj + c] += ds * q[gi + c];
        }
      }
    }
  }
}

/** Scratch buffers of the blocked path, grown on demand (kernels run on one thread). */
const scratch = new Map<string, Float32Array>();

function buffer(name: string, size: number): Float32Array {
  let buf = scratch.get(name);
  if (!buf || buf.length < size) {
    buf = new Float32Array(size);
    scratch.set(name, buf);
  }
  return buf.subarray(0, size);
}

/** Head `h`'s columns of the block's rows as a contiguous `T × dh` matrix (a view when there is one head). */
function gatherHead(src: Float32Array, b: AttentionBlock, h: number, name: string): Float32Array {
  const { rowOff, length: T, dim, heads } = b;
  if (heads === 1) return src.subarray(rowOff * dim, (rowOff + T) * dim);
  const dh = dim / heads;
  const dst = buffer(name, T * dh);
  for (let i = 0; i < T; i++) dst.set(src.subarray((rowOff + i) * dim + h * dh, (rowOff + i) * dim + (h + 1) * dh), i * dh);
  return dst;
}

/** Writes a contiguous `T × dh` head result back into head `h`'s columns of `dst`. */
function scatterHead(src: Float32Array, dst: Float32Array, b: AttentionBlock, h: number): void {
  const { rowOff, length: T, dim, heads } = b;
  const dh = dim / heads;
  if (heads === 1) {
    dst.set(src.subarray(0, T * dim), rowOff * dim);
    return;
  }
  for (let i = 0; i < T; i++) dst.set(src.subarray(i * dh, (i + 1) * dh), (rowOff + i) * dim + h * dh);
}

/** Query rows per tile of the blocked path: tiles skip the key columns after their last row. */
const TILE = 32;

function blockedAttention(q: Float32Array, k: Float32Array, v: Float32Array, out: Float32Array, probs: Float32Array, b: AttentionBlock): void {
  const { length: T, probOff, dim, heads } = b;
  const dh = dim / heads;
  const scale = 1 / Math.sqrt(dh);
  const res = buffer('out', T * dh);
  const tile = buffer('tile', TILE * T);
  for (let h = 0; h < heads; h++) {
    const qh = gatherHead(q, b, h, 'q');
    const kh = gatherHead(k, b, h, 'k');
    const vh = gatherHead(v, b, h, 'v');
    const p = probs.subarray(probOff + h * T * T, probOff + (h + 1) * T * T);
    for (let i0 = 0; i0 < T; i0 += TILE) {
      // Rows i0…i1−1 attend to keys 0…i1−1 at most: an m × n tile of scores.
      const i1 = Math.min(T, i0 + TILE);
      const m = i1 - i0;
      const n = i1;
      const s = tile.subarray(0, m * n);
      matmul(qh.subarray(i0 * dh, i1 * dh), kh.subarray(0, n * dh), s, m, dh, n, { transB: true });
      for (let r = 0; r < m; r++) {
        const i = i0 + r;
        const row = r * n;
        let max = -Infinity;
        for (let j = 0; j <= i; j++) {
          const x = s[row + j] * scale;
          s[row + j] = x;
          if (x > max) max = x;
        }
        let sum = 0;
        for (let j = 0; j <= i; j++) {
          const e = Math.exp(s[row + j] - max);
          s[row + j] = e;
          sum += e;
        }
        const inv = 1 / sum;
        for (let j = 0; j <= i; j++) s[row + j] *= inv;
        s.fill(0, row + i + 1, row + n);
        p.set(s.subarray(row, row + n), i * T);
        p.fill(0, i * T + n, (i + 1) * T);
      }
      matmul(s, vh.subarray(0, n * dh), res.subarray(i0 * dh, i1 * dh), m, n, dh);
    }
    scatterHead(res, out, b, h);
  }
}

function blockedAttentionBackward(
  q: Float32Array,
  k: Float32Array,
  v: Float32Array,
  probs: Float32Array,
  dOut: Float32Array,
  dq: Float32Array,
  dk: Float32Array,
  dv: Float32Array,
  b: AttentionBlock,
): void {
  const { length: T, probOff, dim, heads } = b;
  const dh = dim / heads;
  const scale = 1 / Math.sqrt(dh);
  const tileP = buffer('tile', TILE * T);
  const tileD = buffer('dtile', TILE * T);
  const gq = buffer('gq', T * dh);
  const gk = buffer('gk', T * dh);
  const gv = buffer('gv', T * dh);
  for (let h = 0; h < heads; h++) {
    const qh = gatherHead(q, b, h, 'q');
    const kh = gatherHead(k, b, h, 'k');
    const vh = gatherHead(v, b, h, 'v');
    const go = gatherHead(dOut, b, h, 'dOut');
    const p = probs.subarray(probOff + h * T * T, probOff + (h + 1) * T * T);
    gk.fill(0);
    gv.fill(0);
    // Per tile of rows: dV += Pᵀ·dO; dP = dO·Vᵀ; dS = P ⊙ (dP − rowsum(P ⊙ dP)) · scale; dQ = dS·K; dK += dSᵀ·Q.
    for (let i0 = 0; i0 < T; i0 += TILE) {
      const i1 = Math.min(T, i0 + TILE);
      const m = i1 - i0;
      const n = i1;
      const pt = tileP.subarray(0, m * n);
      for (let r = 0; r < m; r++) pt.set(p.subarray((i0 + r) * T, (i0 + r) * T + n), r * n);
      const goT = go.subarray(i0 * dh, i1 * dh);
      matmul(pt, goT, gv.subarray(0, n * dh), n, m, dh, { transA: true, accumulate: true });
      const ds = tileD.subarray(0, m * n);
      matmul(goT, vh.subarray(0, n * dh), ds, m, dh, n, { transB: true });
      for (let r = 0; r < m; r++) {
        const row = r * n;
        const last = i0 + r;
        let dot = 0;
        for (let j = 0; j <= last; j++) dot += pt[row + j] * ds[row + j];
        for (let j = 0; j <= last; j++) ds[row + j] = pt[row + j] * (ds[row + j] - dot) * scale;
        ds.fill(0, row + last + 1, row + n);
      }
      matmul(ds, kh.subarray(0, n * dh), gq.subarray(i0 * dh, i1 * dh), m, n, dh);
      matmul(ds, qh.subarray(i0 * dh, i1 * dh), gk.subarray(0, n * dh), n, m, dh, { transA: true, accumulate: true });
    }
    scatterHead(gq, dq, b, h);
    scatterHead(gk, dk, b, h);
    scatterHead(gv, dv, b, h);
  }
}
