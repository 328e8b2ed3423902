import { describe, expect, it } from 'vitest';
import { edgeSteps, widenGrid } from './grid-widening.js';

describe('edgeSteps', () => {
  it('continues a positive grid geometrically and an integer grid in integers', () => {
    expect(edgeSteps('ease', { lambda: [250, 500, 1000] }, { lambda: 1000 })).toEqual([{ key: 'lambda', edge: 1000, value: 2000, side: 'high' }]);
    expect(edgeSteps('ease', { lambda: [250, 500, 1000] }, { lambda: 250 })).toEqual([{ key: 'lambda', edge: 250, value: 125, side: 'low' }]);
    expect(edgeSteps('itemknn', { k: [50, 100, 200], shrink: [0, 10] }, { k: 50, shrink: 10 })).toEqual([
      { key: 'k', edge: 50, value: 25, side: 'low' },
      { key: 'shrink', edge: 10, value: 20, side: 'high' },
    ]);
  });

  it('leaves inner points, single values, a lower edge at 0 and non-numeric keys alone', () => {
    expect(edgeSteps('ease', { lambda: [250, 500, 1000] }, { lambda: 500 })).toEqual([]);
    expect(edgeSteps('als', { factors: [64], alpha: [1, 4] }, { factors: 64, alpha: 4 })).toEqual([{ key: 'alpha', edge: 4, value: 16, side: 'high' }]);
    // alpha is real-valued though searched over whole numbers: 1, 4 → 0.25, not rounded to 0.
    expect(edgeSteps('als', { alpha: [1, 4, 16] }, { alpha: 1 })).toEqual([{ key: 'alpha', edge: 1, value: 0.25, side: 'low' }]);
    expect(edgeSteps('itemknn', { shrink: [0, 10] }, { shrink: 0 })).toEqual([]);
    expect(edgeSteps('semantic', { centre: [true, false], historyNorm: [0, 1] }, { centre: true, historyNorm: 1 })).toEqual([{ key: 'historyNorm', edge: 1, value: 2, side: 'high' }]);
  });

  it('moves a rate the schema keeps below 1 towards 1 geometrically in 1 − p', () => {
    expect(edgeSteps('edlae', { dropout: [0.25, 0.5] }, { dropout: 0.5 })).toEqual([{ key: 'dropout', edge: 0.5, value: 0.666667, side: 'high' }]);
    expect(edgeSteps('edlae', { dropout: [0.5, 0.75] }, { dropout: 0.75 })).toEqual([{ key: 'dropout', edge: 0.75, value: 0.875, side: 'high' }]);
    // β is not a rate (its schema takes any non-negative value): 0.4, 0.8 → 1.6.
    expect(edgeSteps('multvae', { beta: [0.4, 0.8] }, { beta: 0.8 })).toEqual([{ key: 'beta', edge: 0.8, value: 1.6, side: 'high' }]);
  });

  it('does not step to a value the model\'s schema refuses', () => {
    // sasrec's heads must divide dim: 4, 8 → 16 is refused with dim 24.
    expect(edgeSteps('sasrec', { heads: [4, 8] }, { heads: 8, dim: 24 })).toEqual([]);
    // k = 1 has no integer below it.
    expect(edgeSteps('itemknn', { k: [1, 2] }, { k: 1 })).toEqual([]);
  });

  it('adds the step to its key in ascending order', () => {
    expect(widenGrid({ lambda: [250, 500], x: [1] }, { key: 'lambda', edge: 250, value: 125, side: 'low' })).toEqual({ lambda: [125, 250, 500], x: [1] });
  });
});
