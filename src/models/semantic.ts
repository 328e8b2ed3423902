/**
 * Semantic model (C6): a user's interest is a vector in the text-embedding space — the weighted sum
 * of the (centred, normalised) embeddings of the items they consumed, negative feedback pulling away,
 * plus the embedding of their own text — and items are scored by cosine similarity to it. It needs no
 * interactions for an item, so new and rare items are ranked from their text alone, and one event
 * updates the interest vector with a single O(dim) step ({@link updateInterest}).
 * @module
 */
import type { CsrMatrix } from '../core/csr-matrix.js';
import { dot } from '../linalg/index.js';
import { centredUnitRows, requireEmbeddings } from './item-text-matrix.js';
import type { FitContext, FitReport, ModelParams, Recommender, UserQuery } from './recommender.js';
import type { ModelSnapshot } from './snapshot.js';

/** Hyper-parameters of {@link SemanticModel}. */
export interface SemanticOptions {
  /** Weight of the user's own text vector relative to the item part (0 = items only). */
  textWeight: number;
  /** Subtract the catalogue mean before normalising (sharpens USE-style embeddings). */
  centre: boolean;
  /** Exponent on the history size when averaging (0 = sum, 1 = mean). */
  historyNorm: number;
}

const DEFAULTS: SemanticOptions = { textWeight: 0.3, centre: true, historyNorm: 1 };

/** Creates a semantic recommender. */
export function createSemantic(options: Partial<SemanticOptions> = {}): SemanticModel {
  return new SemanticModel({ ...DEFAULTS, ...options });
}

/**
 * One online step: adds `weight` × the item's embedding to an interest vector in place (a negative
 * weight for dislikes and skips). Cosine scoring makes the overall scale irrelevant.
 */
export function updateInterest(interest: Float32Array, itemVectors: Float32Array, dim: number, itemIdx: number, weight: number): void {
  const off = itemIdx * dim;
  for (let k = 0; k < dim; k++) interest[k] += weight * itemVectors[off + k];
}

/** Content-based recommender over item text embeddings. */
export class SemanticModel implements Recommender {
  readonly kind = 'semantic';
  readonly params: ModelParams;
  private vectors: Float32Array = new Float32Array(0);
  private dim = 0;

  constructor(private readonly options: SemanticOptions) {
    this.params = { ...options };
  }

  get numItems(): number {
    return this.dim === 0 ? 0 : this.vectors.length / this.dim;
  }

  /** The centred, unit-norm item vectors the model scores with (items × dim). */
  get itemVectors(): { vectors: Float32Array; dim: number } {
    return { vectors: this.vectors, dim: this.dim };
  }

  async fit(train: CsrMatrix, context: FitContext = {}): Promise<FitReport> {
    const t0 = performance.now();
    const e = requireEmbeddings(this.kind, context.itemEmbeddings, train.numCols);
    this.dim = e.dim;
    this.vectors = centredUnitRows(e, this.options.centre);
    return { seconds: (performance.now() - t0) / 1000, epochs: 1 };
  }

  /** The interest vector of a history (and optional own-text vector), unit length or zero. */
  interest(query: UserQuery): Float32Array {
    const { dim, vectors } = this;
    const u = new Float32Array(dim);
    const n = this.numItems;
    let count = 0;
    for (let t = 0; t < query.items.length; t++) {
      const i = query.items[t];
      if (i < 0 || i >= n) continue;
      updateInterest(u, vectors, dim, i, query.values[t] === 0 ? 1 : query.values[t]);
      count++;
    }
    if (count > 0 && this.options.historyNorm !== 0) {
      const s = 1 / Math.pow(count, this.options.historyNorm);
      for (let k = 0; k < dim; k++) u[k] *= s;
    }
    normalise(u);
    const tv = query.textVector;
    if (tv && tv.length === dim && this.options.textWeight > 0) {
      const w = count > 0 ? this.options.textWeight : 1;
      const t = Float32Array.from(tv);
      normalise(t);
      for (let k = 0; k < dim; k++) u[k] = (count > 0 ? 1 - w : 0) * u[k] + w * t[k];
      normalise(u);
    }
    return u;
  }

  score(query: UserQuery, out: Float32Array): void {
    this.scoreVector(this.interest(query), out);
  }

  /** Cosine of every item to `vector` (e.g. an encoded natural-language request). */
  scoreVector(vector: Float32Array, out: Float32Array): void {
    const { dim, vectors } = this;
    const n = this.numItems;
    for (let j = 0; j < n; j++) out[j] = dot(vector, 0, vectors, j * dim, dim);
  }

  similarItems(itemIdx: number, out: Float32Array): void {
    this.scoreVector(this.vectors.subarray(itemIdx * this.dim, (itemIdx + 1) * this.dim), out);
    out[itemIdx] = 0;
  }

  snapshot(): ModelSnapshot {
    return { kind: this.kind, params: this.params, meta: { dim: this.dim }, arrays: { vectors: this.vectors } };
  }

  /** Restores from {@link SemanticModel.snapshot}. */
  static fromSnapshot(s: ModelSnapshot): SemanticModel {
    const m = new SemanticModel({ ...DEFAULTS, ...(s.params as Partial<SemanticOptions>) });
    m.dim = s.meta.dim as number;
    m.vectors = s.arrays.vectors as Float32Array;
    return m;
  }
}

function normalise(v: Float32Array): void {
  let s = 0;
  for (let k = 0; k < v.length; k++) s += v[k] * v[k];
  if (s <= 0) return;
  const inv = 1 / Math.sqrt(s);
  for (let k = 0; k < v.length; k++) v[k] *= inv;
}
