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

  it.each([
    [7, 8, 1],
    [13, 8, 2],
    [70, 8, 2],
  ])('Float32 blocked path agrees with the direct loops, forward and backward (T=%i dim=%i heads=%i)', (T, dim, heads) => {
    const rng = createRng(T + 100 * heads);
    const pad = 3;
    const n = (T + pad) * dim;
    const [q, k, v, g] = [0, 1, 2, 3].map(() => randomMatrix(rng, T + pad, dim));
    const block: AttentionBlock = { rowOff: pad, length: T, probOff: 5, dim, heads };
    const probs64 = new Float64Array(5 + heads * T * T);
    const out64 = new Float64Array(n);
    causalAttention(q, k, v, out64, probs64, block);
    const [dq64, dk64, dv64] = [0, 1, 2].map(() => new Float64Array(n));
    causalAttentionBackward(q, k, v, probs64, g, dq64, dk64, dv64, block);
    const f = (a: Float64Array): Float32Array => Float32Array.from(a);
    const probs32 = new Float32Array(probs64.length);
    const out32 = new Float32Array(n);
    causalAttention(f(q), f(k), f(v), out32, probs32, block);
    const [dq32, dk32, dv32] = [0, 1, 2].map(() => new Float32Array(n));
    causalAttentionBackward(f(q), f(k), f(v), probs32, f(g), dq32, dk32, dv32, block);
    expect(maxAbsDiff(Float64Array.from(out32), out64)).toBeLessThan(1e-4);
    expect(maxAbsDiff(Float64Array.from(probs32), probs64)).toBeLessThan(1e-5);
    expect(maxAbsDiff(Float64Array.from(dq32), dq64)).toBeLessThan(1e-4);
    expect(maxAbsDiff(Float64Array.from(dk32), dk64)).toBeLessThan(1e-4);
    expect(maxAbsDiff(Float64Array.from(dv32), dv64)).toBeLessThan(1e-4);
    expect(Array.from(out32.subarray(0, pad * dim)).every((x) => x === 0)).toBe(true);
  });
});
