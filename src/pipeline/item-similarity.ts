/**
 * Item-to-item similarity for diversity and explanations, from the best signal available: text
 * vectors (cosine), a trained model's item similarities (item-kNN cosine over co-occurrence), or
 * shared attribute values (Jaccard over genres, tags, category, brand).
 * @module
 */
import type { Item, JsonValue } from '../core/types.js';
import type { TrainedModel } from '../engine/trained-model.js';
import type { ItemSimilarity } from './mmr-diversify.js';
import { cosine } from './text-vectors.js';

/** Attribute names whose values describe what an item is about. */
export const DESCRIPTIVE_ATTRIBUTES = ['genres', 'tags', 'category', 'categories', 'brand', 'topics', 'keywords'] as const;

/** The descriptive attribute values of an item, lower case (e.g. its genres). */
export function itemFacets(item: Item | undefined): string[] {
  const out: string[] = [];
  const attrs = item?.attributes;
  if (!attrs) return out;
  for (const name of DESCRIPTIVE_ATTRIBUTES) {
    const v: JsonValue | undefined = attrs[name];
    const values = Array.isArray(v) ? v : v === undefined || v === null ? [] : [v];
    for (const x of values) if (typeof x === 'string' && x !== '') out.push(x);
  }
  return out;
}

/** Jaccard similarity of the items' descriptive attribute values. */
export function attributeSimilarity(items: ReadonlyMap<string, Item>): ItemSimilarity {
  const facets = new Map<string, Set<string>>();
  const of = (id: string): Set<string> => {
    let f = facets.get(id);
    if (!f) facets.set(id, (f = new Set(itemFacets(items.get(id)).map((s) => s.toLowerCase()))));
    return f;
  };
  return (a, b) => {
    const fa = of(a);
    const fb = of(b);
    if (fa.size === 0 || fb.size === 0) return 0;
    let both = 0;
    for (const x of fa) if (fb.has(x)) both++;
    return both / (fa.size + fb.size - both);
  };
}

/**
 * Similarity from a trained model: its pairwise `itemSimilarity` when it has one (O(neighbours) a
 * pair, nothing proportional to the catalogue), else rows of `similarItems` computed on demand and
 * kept for the request.
 */
export function modelSimilarity(trained: TrainedModel): ItemSimilarity {
  const model = trained.model;
  if (model.itemSimilarity) {
    const pair = model.itemSimilarity.bind(model);
    return (a, b) => {
      const ia = trained.items.indexOf(a);
      const ib = trained.items.indexOf(b);
      if (ia < 0 || ib < 0) return 0;
      return ia === ib ? 1 : Math.max(0, pair(ia, ib));
    };
  }
  const rows = new Map<number, Float32Array>();
  const row = (i: number): Float32Array => {
    let r = rows.get(i);
    if (!r) {
      r = new Float32Array(trained.items.size);
      trained.model.similarItems(i, r);
      rows.set(i, r);
    }
    return r;
  };
  return (a, b) => {
    const ia = trained.items.indexOf(a);
    const ib = trained.items.indexOf(b);
    if (ia < 0 || ib < 0 || ia === ib) return ia === ib && ia >= 0 ? 1 : 0;
    // Rows of the already-selected item are reused across many calls.
    return Math.max(0, rows.has(ia) ? row(ia)[ib] : row(ib)[ia]);
  };
}

/** Cosine of text vectors (items without a vector are dissimilar to everything). */
export function textSimilarity(vectorOf: (id: string) => Float32Array | undefined): ItemSimilarity {
  return (a, b) => {
    const va = vectorOf(a);
    const vb = vectorOf(b);
    return va && vb ? Math.max(0, cosine(va, vb)) : 0;
  };
}
