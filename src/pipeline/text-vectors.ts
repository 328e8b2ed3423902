/**
 * Unit text vectors of catalogue items for the request path. Items known to the trained `semantic`
 * model are read from it (its item vectors are the encoded catalogue); items added since are encoded
 * once when they arrive ({@link TextVectors.put}) and are searchable at once ({@link TextVectors.nearestFresh},
 * an exact scan of those items only, up to `FRESH_TEXT_CAPACITY`). Nothing is encoded while a request waits: an item
 * without a vector is simply not placed by text until the next `semantic` training has embedded it.
 * Used by the fresh source, the session source's text fallback, MMR and explanations.
 * @module
 */
import type { Item } from '../core/types.js';
import type { Engine } from '../engine/engine.js';
import { dot } from '../linalg/index.js';
import { SemanticModel } from '../models/semantic.js';
import { FRESH_TEXT_CAPACITY, FreshTextIndex } from './fresh-text-index.js';

/** See the module description. */
export class TextVectors {
  private readonly byId = new Map<string, Float32Array>();
  /** The same vectors, searchable: items encoded while serving are recommendable by text at once. */
  private readonly fresh: FreshTextIndex;
  /** Latest put of each item still being encoded: an older, slower put never overwrites a newer text. */
  private readonly latestPut = new Map<string, number>();
  private puts = 0;

  constructor(
    private readonly engine: Engine,
    capacity: number = FRESH_TEXT_CAPACITY,
  ) {
    this.fresh = new FreshTextIndex(capacity);
  }

  /**
   * Encodes (or re-encodes, after a text change) the given items as background work (a worker
   * encoder serves interactive calls first); resolves once their vectors are in memory.
   */
  async put(items: readonly Item[], signal?: AbortSignal): Promise<void> {
    if (items.length === 0) return;
    const put = ++this.puts;
    for (const item of items) this.latestPut.set(item.id, put);
    try {
      const source = await this.engine.encodeItems(items, new Map(), { signal, priority: 'background' });
      for (const item of items) {
        if (this.latestPut.get(item.id) !== put) continue;
        const v = source.vectorOf(item.id);
        if (!v) continue;
        const u = unit(v);
        this.byId.set(item.id, u);
        this.fresh.set(item.id, u);
      }
      // Held vectors are bounded by the fresh index's capacity: the oldest puts are read from the model again.
      if (this.byId.size > this.fresh.size) for (const id of this.byId.keys()) if (!this.fresh.has(id)) this.byId.delete(id);
    } finally {
      for (const item of items) if (this.latestPut.get(item.id) === put) this.latestPut.delete(item.id);
    }
  }

  /** Items whose text is waiting to be encoded. */
  get pending(): number {
    return this.latestPut.size;
  }

  /** Vectors of `ids` that are known (from items put here, else the served `semantic` model); never encodes. */
  async get(ids: readonly string[], signal?: AbortSignal): Promise<Map<string, Float32Array>> {
    const out = new Map<string, Float32Array>();
    let model: { trained: { items: { indexOf(id: string): number } }; vectors: Float32Array; dim: number } | undefined;
    let looked = false;
    for (const id of ids) {
      const own = this.byId.get(id);
      if (own) {
        out.set(id, own);
        continue;
      }
      if (!looked) {
        looked = true;
        const loaded = await this.engine.loadModel('semantic', undefined, signal);
        if (loaded && loaded.trained.model instanceof SemanticModel) {
          const { vectors, dim } = loaded.trained.model.itemVectors;
          model = { trained: loaded.trained, vectors, dim };
        }
      }
      if (!model) continue;
      const i = model.trained.items.indexOf(id);
      if (i >= 0) out.set(id, model.vectors.subarray(i * model.dim, (i + 1) * model.dim));
    }
    return out;
  }

  /**
   * The `k` items encoded here (new, or with a changed text, since the process started) closest to
   * `interest`, best first with their cosines, leaving out those `skip` names. Scans only those
   * items: every other item is in the trained `semantic` model's index.
   */
  nearestFresh(interest: Float32Array, k: number, skip?: (itemId: string) => boolean): { itemId: string; score: number }[] {
    return this.fresh.nearest(interest, k, skip);
  }

  /** Items {@link nearestFresh} searches. */
  get freshCount(): number {
    return this.fresh.size;
  }

  /** Forgets the vectors of deleted items. */
  forgetItems(itemIds: readonly string[]): void {
    for (const id of itemIds) {
      this.byId.delete(id);
      this.fresh.delete(id);
    }
  }

  /** A vector already in memory, without I/O. */
  peek(id: string): Float32Array | undefined {
    return this.byId.get(id);
  }

  /**
   * The user's interest: the recency-weighted mean of the liked items' vectors minus half the
   * disliked ones', unit length; undefined when none has a vector. `weights` (e.g. the user state's
   * time-decayed `recencyWeights`) replace the default decay of 0.97 per position back.
   */
  interest(
    positives: readonly string[],
    negatives: Iterable<string>,
    signal?: AbortSignal,
    weights?: ReadonlyMap<string, number>,
    cache?: InterestCacheKey,
  ): Promise<Float32Array | undefined> {
    if (cache === undefined) return this.computeInterest(positives, negatives, signal, weights);
    // A user's vector is computed once per history, not once per request.
    const held = this.interests.get(cache.userId);
    if (held !== undefined && held.version === cache.version) {
      this.interests.delete(cache.userId);
      this.interests.set(cache.userId, held);
      return held.vector;
    }
    const vector = this.computeInterest(positives, negatives, signal, weights);
    this.interests.set(cache.userId, { version: cache.version, vector });
    while (this.interests.size > MAX_HELD_INTERESTS) this.interests.delete(this.interests.keys().next().value as string);
    // A failed read (an abort) is not remembered.
    vector.catch(() => {
      if (this.interests.get(cache.userId)?.vector === vector) this.interests.delete(cache.userId);
    });
    return vector;
  }

  /** Drops a user's interest vector (after deletion). */
  forgetUser(userId: string): void {
    this.interests.delete(userId);
  }

  /** Drops every user's interest vector (users deleted elsewhere, events expired). */
  forgetUsers(): void {
    this.interests.clear();
  }

  /** Interest vectors by user, least recently used first; each valid for one history version. */
  private readonly interests = new Map<string, { version: string; vector: Promise<Float32Array | undefined> }>();

  private async computeInterest(positives: readonly string[], negatives: Iterable<string>, signal?: AbortSignal, weights?: ReadonlyMap<string, number>): Promise<Float32Array | undefined> {
    const recent = positives.slice(weights ? -200 : -30);
    const neg = [...negatives].slice(-30);
    const vectors = await this.get([...recent, ...neg], signal);
    let u: Float32Array | undefined;
    const addScaled = (id: string, w: number): void => {
      const v = vectors.get(id);
      if (!v) return;
      u ??= new Float32Array(v.length);
      for (let d = 0; d < v.length; d++) u[d] += w * v[d];
    };
    recent.forEach((id, p) => addScaled(id, weights ? (weights.get(id) ?? 0) : Math.pow(0.97, recent.length - 1 - p)));
    for (const id of neg) addScaled(id, -0.5);
    return u ? unit(u) : undefined;
  }
}

/** Users whose interest vector {@link TextVectors.interest} keeps (a 512-d vector is 2 kB). */
export const MAX_HELD_INTERESTS = 10_000;

/** Which user and which version of their history an interest vector is for. */
export interface InterestCacheKey {
  userId: string;
  /** Changes whenever the history does (e.g. its length and latest event time). */
  version: string;
}

/** The cache key of a user state's interest vector. */
export function interestKey(state: { userId: string; events: readonly unknown[]; lastEventAt: number | undefined }): InterestCacheKey {
  return { userId: state.userId, version: `${state.events.length}:${state.lastEventAt ?? 0}` };
}

/** Cosine of two unit vectors. */
export function cosine(a: Float32Array, b: Float32Array): number {
  return a.length === b.length ? dot(a, 0, b, 0, a.length) : 0;
}

function unit(v: Float32Array): Float32Array {
  let s = 0;
  for (let d = 0; d < v.length; d++) s += v[d] * v[d];
  const out = Float32Array.from(v);
  if (s > 0) {
    const inv = 1 / Math.sqrt(s);
    for (let d = 0; d < out.length; d++) out[d] *= inv;
  }
  return out;
}
