// InfoNCE against finite differences and its limiting values.
import { describe, expect, it } from 'vitest';
import { createRng } from '../linalg/index.js';
import { infoNce } from './info-nce.js';
import type { InfoNceBatch } from './info-nce.js';
import { Workspace } from './workspace.js';

function batch(rows: number, dim: number, seed: number): InfoNceBatch {
  const rng = createRng(seed);
  const a = Float32Array.from({ length: rows * dim }, () => rng.normal());
  const b = Float32Array.from({ length: rows * dim }, () => rng.normal());
  return { a, b, rows, dim, temperature: 0.7 };
}

function loss(x: InfoNceBatch): number {
  return infoNce(x, new Float32Array(x.rows * x.dim), new Float32Array(x.rows * x.dim), new Workspace());
}

describe('infoNce', () => {
  it.each([
    ['without groups', undefined],
    ['with rows of one group masked as negatives', Int32Array.from([0, 1, 0, 2, 1])],
  ])('matches finite differences %s', (_name, groups) => {
    const x = { ...batch(5, 4, 11), ...(groups ? { groups } : {}) };
    const da = new Float32Array(20);
    const db = new Float32Array(20);
    infoNce(x, da, db, new Workspace());
    const eps = 1e-2;
    for (const [view, grad] of [[x.a, da], [x.b, db]] as const) {
      for (let i = 0; i < view.length; i++) {
        const old = view[i];
        view[i] = old + eps;
        const up = loss(x);
        view[i] = old - eps;
        const down = loss(x);
        view[i] = old;
        expect(grad[i]).toBeCloseTo((up - down) / (2 * eps), 3);
      }
    }
  });

  it('is log(rows) for views that tell no row apart, near 0 for well separated matching views', () => {
    const same = { a: new Float32Array(12).fill(1), b: new Float32Array(12).fill(1), rows: 4, dim: 3, temperature: 1 };
    expect(loss(same)).toBeCloseTo(Math.log(4), 5);
    const a = Float32Array.from([10, 0, 0, 10]);
    expect(loss({ a, b: a.slice(), rows: 2, dim: 2, temperature: 1 })).toBeLessThan(1e-6);
  });

  it('is 0 when every other row shares the group (no negative left)', () => {
    expect(loss({ ...batch(3, 2, 5), groups: Int32Array.from([4, 4, 4]) })).toBeCloseTo(0, 6);
  });
});
