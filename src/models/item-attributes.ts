/**
 * Categorical item attributes (brand, categories, tags as integer ids) aligned with a model's item
 * indices, as side information for the sequence models: a compressed row per item listing dense
 * attribute indices `[0, numAttributes)`.
 * @module
 */

/** Each item's attributes: item `i` has `indices[indptr[i], indptr[i + 1])`. */
export interface ItemAttributes {
  /** `numItems + 1` row offsets. */
  indptr: Int32Array;
  /** Dense attribute indices, `[0, numAttributes)`. */
  indices: Int32Array;
  numAttributes: number;
}

/**
 * Aligns attributes known by external item id with dense item indices: item `i` is `itemIdAt(i)`,
 * its attributes `attributesOf(id)` (any integer or string labels, undefined or empty for none).
 * Labels get dense indices in order of first appearance; duplicates within an item are dropped.
 * Returns undefined when no item has an attribute.
 */
export function alignItemAttributes(
  numItems: number,
  itemIdAt: (itemIdx: number) => string,
  attributesOf: (itemId: string) => readonly (number | string)[] | undefined,
): ItemAttributes | undefined {
  const dense = new Map<number | string, number>();
  const indptr = new Int32Array(numItems + 1);
  const indices: number[] = [];
  for (let i = 0; i < numItems; i++) {
    const seen = new Set<number>();
    for (const label of attributesOf(itemIdAt(i)) ?? []) {
      let a = dense.get(label);
      if (a === undefined) {
        a = dense.size;
        dense.set(label, a);
      }
      if (seen.has(a)) continue;
      seen.add(a);
      indices.push(a);
    }
    indptr[i + 1] = indices.length;
  }
  if (indices.length === 0) return undefined;
  return { indptr, indices: Int32Array.from(indices), numAttributes: dense.size };
}

/**
 * Checks that `a` describes exactly `numItems` items with indices in range; returns false (so that a
 * model ignores them) when it does not.
 */
export function attributesFit(a: ItemAttributes | undefined, numItems: number): a is ItemAttributes {
  if (a === undefined || a.indptr.length !== numItems + 1 || a.indptr[numItems] !== a.indices.length) return false;
  for (let e = 0; e < a.indices.length; e++) if (a.indices[e] < 0 || a.indices[e] >= a.numAttributes) return false;
  return true;
}
