/**
 * In-memory unit text vectors of catalogue items, filled on demand through the engine's encoder
 * (whose storage cache makes a restart cheap). Used by the fresh source, the session source's text
 * fallback, MMR and explanations when an encoder is configured.
 * @module
 */
import type { Item } from '../core/types.js';
import type { Engine } from '../engine/engine.js';
import { dot } from '../linalg/index.js';

/** See the module description. */
export class TextVectors {
  private readonly byId = new Map<string, Float32Array>();
  private readonly missing = new Set<string>();

  constructor(private readonly engine: Engine) {}

  /** Encodes (or re-encodes, after a text change) the given items now. */
  async put(items: readonly Item[], signal?: AbortSignal): Promise<void> {
    if (items.length === 0) return;
    const source = await this.engine.encodeItems(items, new Map(), { signal });
    for (const item of items) {
      const v = source.vectorOf(item.id);
      if (v) {
        this.byId.set(item.id, unit(v));
        this.missing.delete(item.id);
      }
    }
  }

  /** Vectors of `ids` (items not in the catalogue are absent from the answer). */
  async get(ids: readonly string[], signal?: AbortSignal): Promise<Map<string, Float32Array>> {
    const want = [...new Set(ids)].filter((id) => !this.byId.has(id) && !this.missing.has(id));
    if (want.length > 0) {
      const items = await this.engine.storage.items.getMany(want, { signal });
      await this.put(items, signal);
      for (const id of want) if (!this.byId.has(id)) this.missing.add(id);
    }
    const out = new Map<string, Float32Array>();
    for (const id of ids) {
      const v = this.byId.get(id);
      if (v) out.set(id, v);
    }
    return out;
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
  async interest(positives: readonly string[], negatives: Iterable<string>, signal?: AbortSignal, weights?: ReadonlyMap<string, number>): Promise<Float32Array | undefined> {
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
