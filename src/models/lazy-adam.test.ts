// Lazy Adam against dense Adam and against a per-row reference; the work it does per step.
import { describe, expect, it } from 'vitest';
import { createRng } from '../linalg/index.js';
import { Adam } from './adam.js';
import type { AdamOptions } from './adam.js';
import { EmbeddingAdam } from './embedding-adam.js';
import { LazyAdam } from './lazy-adam.js';
import { TouchedRows } from './touched-rows.js';

const OPTIONS: AdamOptions = { learningRate: 0.01, weightDecay: 0.05 };

function randomTable(rows: number, width: number, seed: number): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: rows * width }, () => rng.normal());
}

function expectClose(actual: Float32Array, expected: Float32Array, digits = 6): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < actual.length; i++) expect(actual[i], `entry ${i}`).toBeCloseTo(expected[i], digits);
}

/** Adam of one row from its definition: touched at the listed global steps, decayed at every step. */
function referenceRow(p0: Float32Array, grads: Map<number, Float32Array>, steps: number, o: AdamOptions): Float32Array {
  const { learningRate: lr, beta1 = 0.9, beta2 = 0.98, eps = 1e-8, weightDecay = 0 } = o;
  const p = Float64Array.from(p0);
  const m = new Float64Array(p.length);
  const v = new Float64Array(p.length);
  let t = 0;
  for (let step = 1; step <= steps; step++) {
    const g = grads.get(step);
    if (!g) {
      for (let i = 0; i < p.length; i++) p[i] *= 1 - lr * weightDecay;
      continue;
    }
    t++;
    for (let i = 0; i < p.length; i++) {
      m[i] = beta1 * m[i] + (1 - beta1) * g[i];
      v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i];
      p[i] = p[i] * (1 - lr * weightDecay) - (lr * m[i]) / (1 - beta1 ** t) / (Math.sqrt(v[i] / (1 - beta2 ** t)) + eps);
    }
  }
  return Float32Array.from(p);
}

describe('LazyAdam', () => {
  it('agrees with dense Adam when every row is touched at every step', () => {
    const rows = 40;
    const width = 8;
    const dense = randomTable(rows, width, 1);
    const lazy = dense.slice();
    const a = new Adam(dense, OPTIONS);
    const b = new LazyAdam(lazy, width, OPTIONS);
    const all = Int32Array.from({ length: rows }, (_, r) => rows - 1 - r);
    for (let step = 0; step < 25; step++) {
      const grad = randomTable(rows, width, 100 + step);
      a.step(grad);
      b.step(grad, all);
    }
    b.flush();
    expectClose(lazy, dense);
  });

  it('leaves untouched rows where they are; a touched row follows Adam with its own step count', () => {
    const rows = 30;
    const width = 4;
    const table = randomTable(rows, width, 2);
    const before = table.slice();
    const opt = new LazyAdam(table, width, { learningRate: 0.01 });
    // Row 3 at every step, row 7 at steps 2 and 5 only, nothing else.
    const grads3 = new Map<number, Float32Array>();
    const grads7 = new Map<number, Float32Array>();
    for (let step = 1; step <= 6; step++) {
      const grad = new Float32Array(rows * width);
      const g3 = randomTable(1, width, 10 + step);
      grad.set(g3, 3 * width);
      grads3.set(step, g3);
      const touched = [3];
      if (step === 2 || step === 5) {
        const g7 = randomTable(1, width, 20 + step);
        grad.set(g7, 7 * width);
        grads7.set(step, g7);
        touched.push(7);
      }
      // Gradient in rows the step does not list is not read.
      grad.fill(99, 0, width);
      opt.step(grad, touched);
    }
    for (let r = 0; r < rows; r++) {
      if (r === 3 || r === 7) continue;
      expect(Array.from(table.subarray(r * width, (r + 1) * width)), `row ${r}`).toEqual(Array.from(before.subarray(r * width, (r + 1) * width)));
    }
    expectClose(table.subarray(3 * width, 4 * width), referenceRow(before.subarray(3 * width, 4 * width), grads3, 6, { learningRate: 0.01 }));
    // Bias correction by the row's own count (2 updates), not the global step (6).
    expectClose(table.subarray(7 * width, 8 * width), referenceRow(before.subarray(7 * width, 8 * width), grads7, 6, { learningRate: 0.01 }));
  });

  it('pays the weight decay of the steps a row sat out, when it is next touched and on flush', () => {
    const width = 3;
    const table = randomTable(5, width, 3);
    const before = table.slice();
    const opt = new LazyAdam(table, width, OPTIONS);
    const grads = new Map<number, Float32Array>();
    for (let step = 1; step <= 8; step++) {
      const grad = new Float32Array(5 * width);
      const rowsTouched: number[] = [];
      if (step === 3 || step === 4) {
        const g = randomTable(1, width, 30 + step);
        grad.set(g, 2 * width);
        grads.set(step, g);
        rowsTouched.push(2);
      }
      opt.step(grad, rowsTouched);
    }
    opt.flush();
    expectClose(table.subarray(2 * width, 3 * width), referenceRow(before.subarray(2 * width, 3 * width), grads, 8, OPTIONS));
    // A row never touched has only decayed.
    expectClose(table.subarray(0, width), referenceRow(before.subarray(0, width), new Map(), 8, OPTIONS));
  });

  it('does work proportional to the rows touched, not to the table', () => {
    const width = 16;
    const touched = Int32Array.from([5, 17, 400, 901, 3]);
    const work = [1_000, 100_000].map((rows) => {
      const opt = new LazyAdam(new Float32Array(rows * width), width, OPTIONS);
      const grad = new Float32Array(rows * width).fill(0.5);
      for (let step = 0; step < 10; step++) opt.step(grad, touched);
      return opt.updatedEntries;
    });
    expect(work).toEqual([10 * 5 * width, 10 * 5 * width]);
  });
});

describe('EmbeddingAdam', () => {
  it('dense and lazy agree when every table row is touched, and the lazy one clears only touched gradient', () => {
    const rows = 12;
    const width = 4;
    const rest = 10;
    const thetaA = randomTable(1, rows * width + rest, 5);
    const thetaB = thetaA.slice();
    const gradA = new Float32Array(thetaA.length);
    const gradB = new Float32Array(thetaB.length);
    const dense = new EmbeddingAdam(thetaA, gradA, rows, width, OPTIONS, false);
    const lazy = new EmbeddingAdam(thetaB, gradB, rows, width, OPTIONS, true);
    expect(dense.touched).toBeUndefined();
    for (let step = 0; step < 12; step++) {
      const g = randomTable(1, thetaA.length, 50 + step);
      gradA.set(g);
      gradB.set(g);
      for (let r = 0; r < rows; r++) lazy.touched!.add((r * 5) % rows);
      dense.step();
      lazy.step();
      expect(gradA.every((x) => x === 0)).toBe(true);
      expect(gradB.every((x) => x === 0)).toBe(true);
    }
    lazy.flush();
    expectClose(thetaB, thetaA);
    expect(lazy.tableWork).toBe(12 * rows * width);

    // A step that touched two rows zeroes those rows' gradient; the rest of the table is not visited.
    gradB.fill(1, 0, rows * width);
    lazy.touched!.addAll([1, 4]);
    lazy.step();
    for (let r = 0; r < rows; r++) expect(gradB[r * width], `row ${r}`).toBe(r === 1 || r === 4 ? 0 : 1);
    expect(lazy.touched!.size).toBe(0);
  });
});

describe('TouchedRows', () => {
  it('keeps distinct rows in first-touched order and forgets them on clear', () => {
    const t = new TouchedRows(10);
    t.addAll([4, 2, 4, 9, 2]);
    expect(Array.from(t.rows)).toEqual([4, 2, 9]);
    t.clear();
    expect(t.size).toBe(0);
    t.add(4);
    expect(Array.from(t.rows)).toEqual([4]);
  });
});
