/**
 * Causal (masked) multi-head scaled dot-product attention over one sequence, forward and backward:
 * position i attends to positions 0…i. Rows are positions of row-major `T × dim` blocks inside larger
 * arrays (so a batch of packed variable-length sequences needs no padding); head h uses columns
 * [h·dim/heads, (h+1)·dim/heads).
 * @module
 */
import { checkRange, type FloatArray } from './float-array.js';

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
