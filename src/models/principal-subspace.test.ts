import { describe, expect, it } from 'vitest';
import { createRng, gramianT } from '../linalg/index.js';
import { principalSubspace, principalSubspaceOfGram, projectOnBasis } from './principal-subspace.js';

/** Rows with a decaying spectrum: coordinate c has spread 1/(1 + c). */
function spectrumRows(rows: number, dim: number, seed: number): Float32Array {
  const rng = createRng(seed);
  const out = new Float32Array(rows * dim);
  for (let r = 0; r < rows; r++) for (let c = 0; c < dim; c++) out[r * dim + c] = rng.normal() / (1 + c);
  return out;
}

/** Column c of a row-major `dim × cols` matrix. */
const column = (m: Float64Array, dim: number, cols: number, c: number): number[] => Array.from({ length: dim }, (_, i) => m[i * cols + c]);
const dotOf = (a: number[], b: number[]): number => a.reduce((s, x, i) => s + x * b[i], 0);

describe('principalSubspaceOfGram', () => {
  it('with fixed directions, finds the next ones: orthonormal, orthogonal to the fixed, spanning what one basis of both ranks spans', () => {
    const dim = 24;
    const rows = 2_000;
    const v = spectrumRows(rows, dim, 3);
    const gram = gramianT(v, rows, dim);
    const head = principalSubspaceOfGram(gram, dim, 4);
    expect(Array.from(head)).toEqual(Array.from(principalSubspace(v, rows, dim, 4)));
    const tail = principalSubspaceOfGram(gram, dim, 6, 30, 2, { basis: head, rank: 4 });
    for (let a = 0; a < 6; a++) {
      const ta = column(tail, dim, 6, a);
      for (let b = 0; b < 6; b++) expect(dotOf(ta, column(tail, dim, 6, b))).toBeCloseTo(a === b ? 1 : 0, 6);
      for (let f = 0; f < 4; f++) expect(dotOf(ta, column(head, dim, 4, f))).toBeCloseTo(0, 6);
    }
    // Every direction of a rank-10 basis lies in the span of head and tail (the data's coordinates
    // 0–9 have clearly separated spreads, so the leading 10-dimensional subspace is well defined).
    const both = principalSubspace(v, rows, dim, 10, 30);
    for (let c = 0; c < 10; c++) {
      const x = column(both, dim, 10, c);
      let inSpan = 0;
      for (let f = 0; f < 4; f++) inSpan += dotOf(x, column(head, dim, 4, f)) ** 2;
      for (let t = 0; t < 6; t++) inSpan += dotOf(x, column(tail, dim, 6, t)) ** 2;
      expect(inSpan).toBeGreaterThan(0.99);
    }
  });
});

describe('projectOnBasis', () => {
  it('is uᵀ·basis for a dim × rank basis', () => {
    const basis = Float32Array.from([1, 0, 0, 2, 3, -1]); // 3 × 2
    expect(Array.from(projectOnBasis([1, 0, 2], basis, 3, 2))).toEqual([7, -2]);
  });
});
