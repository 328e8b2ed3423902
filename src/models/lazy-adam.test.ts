// Lazy Adam against dense Adam (every row touched, or few with the skipped steps deferred), and the
// work it does per step.
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

  it('a step leaves the rows it does not list untouched; after flush the table is dense Adam\'s', () => {
    // 1,500 steps cross the point where the bias correction reaches 1, so both ways of summing the
    // skipped steps are exercised; rows are touched with probabilities from 0.9 down to 0.002.
    const rows = 24;
    const width = 3;
    const dense = randomTable(rows, width, 2);
    const lazy = dense.slice();
    const a = new Adam(dense, OPTIONS);
    const b = new LazyAdam(lazy, width, OPTIONS);
    const rng = createRng(8);
    for (let step = 0; step < 1500; step++) {
      const grad = new Float32Array(rows * width);
      const touched: number[] = [];
      for (let r = 0; r < rows; r++) {
        if (rng.next() >= 0.9 * Math.pow(0.77, r)) continue;
        touched.push(r);
        for (let c = 0; c < width; c++) grad[r * width + c] = rng.normal();
      }
      const before = lazy.slice();
      // Gradient in rows the step does not list is not read.
      for (let r = 0; r < rows; r++) if (!touched.includes(r)) grad.fill(0, r * width, (r + 1) * width);
      a.step(grad);
      for (let r = 0; r < rows; r++) if (!touched.includes(r)) grad.fill(99, r * width, (r + 1) * width);
      b.step(grad, touched);
      for (let r = 0; r < rows; r++) {
        if (touched.includes(r)) continue;
        expect(lazy.subarray(r * width, (r + 1) * width)).toEqual(before.subarray(r * width, (r + 1) * width));
      }
    }
    b.flush();
    expectClose(lazy, dense, 5);
  });

  it('applies the skipped steps of a row untouched for long, weight decay included', () => {
    const width = 4;
    const dense = randomTable(3, width, 3);
    const lazy = dense.slice();
    const a = new Adam(dense, OPTIONS);
    const b = new LazyAdam(lazy, width, OPTIONS);
    // Row 1 at steps 1-3, 40 and 1,200 only; row 0 never; row 2 at every step.
    for (let step = 1; step <= 1300; step++) {
      const grad = new Float32Array(3 * width);
      const touched = [2];
      grad.set(randomTable(1, width, 1000 + step), 2 * width);
      if (step <= 3 || step === 40 || step === 1200) {
        grad.set(randomTable(1, width, step), width);
        touched.push(1);
      }
      a.step(grad);
      b.step(grad, touched);
    }
    b.flush();
    expectClose(lazy, dense, 5);
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

    // Few rows per step: the same parameters once flushed.
    const rng = createRng(6);
    for (let step = 0; step < 30; step++) {
      const g = new Float32Array(thetaA.length);
      const picked = [rng.int(rows), rng.int(rows)];
      for (const r of picked) for (let c = 0; c < width; c++) g[r * width + c] = rng.normal();
      for (let c = rows * width; c < g.length; c++) g[c] = rng.normal();
      gradA.set(g);
      gradB.set(g);
      lazy.touched!.addAll(picked);
      dense.step();
      lazy.step();
    }
    lazy.flush();
    expectClose(thetaB, thetaA, 5);

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
