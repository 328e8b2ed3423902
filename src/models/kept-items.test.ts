import { describe, expect, it } from 'vitest';
import { keptColumns, selectKeptItems } from './kept-items.js';

describe('selectKeptItems / keptColumns', () => {
  it('keeps the most interacted items under the cap, in item order, ties to the lower index', () => {
    const counts = [3, 0, 5, 1, 5, 2];
    expect(selectKeptItems(counts, 6, 10)).toEqual({ kept: Int32Array.from([0, 2, 3, 4, 5]), rowOf: Int32Array.from([0, -1, 1, 2, 3, 4]), eligible: 5 });
    const capped = selectKeptItems(counts, 6, 3);
    expect(Array.from(capped.kept)).toEqual([0, 2, 4]);
    expect(Array.from(capped.rowOf)).toEqual([0, -1, 1, -1, 2, -1]);
    expect(capped.eligible).toBe(5);
    expect(Array.from(selectKeptItems(counts, 6, 10, 3).kept)).toEqual([0, 2, 4]);
  });

  it('renumbers rows to kept positions and drops the other columns', () => {
    const x = { numRows: 3, indptr: Int32Array.from([0, 3, 3, 5]), indices: Int32Array.from([0, 1, 4, 3, 5]) };
    const { rowOf } = selectKeptItems([1, 0, 1, 0, 1, 1], 6, 10);
    const r = keptColumns(x, rowOf);
    expect(Array.from(r.indptr)).toEqual([0, 2, 2, 3]);
    expect(Array.from(r.indices)).toEqual([0, 2, 3]);
  });
});
