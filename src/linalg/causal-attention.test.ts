// causalAttention against a naive masked-softmax reference, and its backward pass against central differences.
import { describe, expect, it } from 'vitest';
import { causalAttention, causalAttentionBackward } from './causal-attention.js';
import type { AttentionBlock } from './causal-attention.js';
import { createRng } from './random.js';
import { maxAbsDiff, randomMatrix } from './test-support.js';

/** out_i = Σ_j≤i softmax(q_i·k_j/√dh) v_j per head, straight from the definition. */
function naiveAttention(q: Float64Array, k: Float64Array, v: Float64Array, T: number, dim: number, heads: number): Float64Array {
  const dh = dim / heads;
  const out = new Float64Array(T * dim);
  for (let h = 0; h < heads; h++) {
    for (let i = 0; i < T; i++) {
      const s: number[] = [];
      for (let j = 0; j <= i; j++) {
        let dot = 0;
        for (let c = 0; c < dh; c++) dot += q[i * dim + h * dh + c] * k[j * dim + h * dh + c];
        s.push(Math.exp(dot / Math.sqrt(dh)));
      }
      const z = s.reduce((a, b) => a + b, 0);
      for (let j = 0; j <= i; j++) for (let c = 0; c < dh; c++) out[i * dim + h * dh + c] += (s[j] / z) * v[j * dim + h * dh + c];
    }
  }
  return out;
}

describe('causalAttention', () => {
  it.each([
    [1, 4, 1],
    [5, 6, 2],
    [9, 8, 4],
  ])('matches the naive reference for T=%i dim=%i heads=%i, at a row offset', (T, dim, heads) => {
    const rng = createRng(T * 7 + dim);
    const pad = 2;
    const q = randomMatrix(rng, T + pad, dim);
    const k = randomMatrix(rng, T + pad, dim);
    const v = randomMatrix(rng, T + pad, dim);
    const out = new Float64Array((T + pad) * dim);
    const block: AttentionBlock = { rowOff: pad, length: T, probOff: 3, dim, heads };
    causalAttention(q, k, v, out, new Float64Array(3 + heads * T * T), block);
    const expected = naiveAttention(q.subarray(pad * dim), k.subarray(pad * dim), v.subarray(pad * dim), T, dim, heads);
    expect(maxAbsDiff(out.subarray(pad * dim), expected)).toBeLessThan(1e-12);
    expect(Array.from(out.subarray(0, pad * dim)).every((x) => x === 0)).toBe(true);
  });

  it('backward matches central differences', () => {
    const [T, dim, heads] = [6, 6, 2];
    const rng = createRng(5);
    const q = randomMatrix(rng, T, dim);
    const k = randomMatrix(rng, T, dim);
    const v = randomMatrix(rng, T, dim);
    const w = randomMatrix(rng, T, dim);
    const block: AttentionBlock = { rowOff: 0, length: T, probOff: 0, dim, heads };
    const loss = (): number => {
      const out = new Float64Array(T * dim);
      causalAttention(q, k, v, out, new Float64Array(heads * T * T), block);
      return out.reduce((s, o, i) => s + o * w[i], 0);
    };
    const probs = new Float64Array(heads * T * T);
    causalAttention(q, k, v, new Float64Array(T * dim), probs, block);
    const dq = new Float64Array(T * dim);
    const dk = new Float64Array(T * dim);
    const dv = new Float64Array(T * dim);
    causalAttentionBackward(q, k, v, probs, w, dq, dk, dv, block);
    const eps = 1e-6;
    const numeric = (arr: Float64Array): Float64Array =>
      arr.map((x, i) => {
        arr[i] = x + eps;
        const up = loss();
        arr[i] = x - eps;
        const down = loss();
        arr[i] = x;
        return (up - down) / (2 * eps);
      });
    expect(maxAbsDiff(dq, numeric(q))).toBeLessThan(1e-6);
    expect(maxAbsDiff(dk, numeric(k))).toBeLessThan(1e-6);
    expect(maxAbsDiff(dv, numeric(v))).toBeLessThan(1e-6);
  });
});
