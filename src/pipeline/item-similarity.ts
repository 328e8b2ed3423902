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

/** The descriptive attribute values of an item (e.g. its genres), case kept from the data. */
export function itemFacets(item: Item | undefined): readonly string[] {
  if (!item?.attributes) return NO_FACETS;
  // Catalogue records are shared, unchanged objects (an update replaces the record), so the facets
  // of one are worked out once, not once per request that explains or diversifies with it.
  let out = facetsOf.get(item);
  if (out) return out;
  out = [];
  const attrs = item.attributes;
  for (const name of DESCRIPTIVE_ATTRIBUTES) {
    const v: JsonValue | undefined = attrs[name];
    const values = Array.isArray(v) ? v : v === undefined || v === null ? [] : [v];
    for (const x of values) if (typeof x === 'string' && x !== '') out.push(x);
  }
  facetsOf.set(item, out);
  return out;
}

const NO_FACETS: readonly string[] = [];
const facetsOf = new WeakMap<Item, string[]>();

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
    // A request asks about the same few dozen items many times (candidates × history).
    const indexOf = memoIndex(trained);
    return (a, b) => {
      const ia = indexOf(a);
      const ib = indexOf(b);
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

/** `trained.items.indexOf`, remembering the ids asked about (one similarity serves one request). */
function memoIndex(trained: TrainedModel): (id: string) => number {
  const known = new Map<string, number>();
  return (id) => {
    let i = known.get(id);
    if (i === undefined) {
      i = trained.items.indexOf(id);
      known.set(id, i);
    }
    return i;
  };
}
