// Alignment of categorical item attributes with dense item indices.
import { describe, expect, it } from 'vitest';
import { alignItemAttributes, attributesFit } from './item-attributes.js';

describe('alignItemAttributes', () => {
  const ids = ['10', '11', '12', '13'];
  const byId = new Map<string, number[]>([
    ['10', [7, 3]],
    ['12', [3, 3, 9]],
    ['13', []],
  ]);

  it('gives each item its attributes as dense indices in order of first appearance, without duplicates', () => {
    const a = alignItemAttributes(ids.length, (i) => ids[i], (id) => byId.get(id));
    expect(a).toBeDefined();
    expect(Array.from(a!.indptr)).toEqual([0, 2, 2, 4, 4]);
    expect(Array.from(a!.indices)).toEqual([0, 1, 1, 2]);
    expect(a!.numAttributes).toBe(3);
    expect(attributesFit(a, ids.length)).toBe(true);
  });

  it('is undefined when no item has an attribute', () => {
    expect(alignItemAttributes(2, (i) => ids[i], () => undefined)).toBeUndefined();
  });

  it('does not fit another number of items or out-of-range indices', () => {
    const a = alignItemAttributes(ids.length, (i) => ids[i], (id) => byId.get(id))!;
    expect(attributesFit(a, 3)).toBe(false);
    expect(attributesFit({ ...a, numAttributes: 2 }, ids.length)).toBe(false);
    expect(attributesFit(undefined, ids.length)).toBe(false);
  });
});
