/**
 * Semantic model (C6): a user's interest is a vector in the text-embedding space — the weighted sum
 * of the (centred, normalised) embeddings of the items they consumed, negative feedback pulling away,
 * plus the embedding of their own text — and items are scored by cosine similarity to it. It needs no
 * interactions for an item, so new and rare items are ranked from their text alone, and one event
 * updates the interest vector with a single O(dim) step ({@link updateInterest}).
 * @module
 */
import type { CsrMatrix } from '../core/csr-matrix.js';
import { dot, dotRows, topK } from '../linalg/index.js';
import { ivfArrays, ivfFromArrays, ivfProbeShare, searchIvf } from './ivf-index.js';
import { projectOnBasis } from './principal-subspace.js';
import type { IvfIndex } from './ivf-index.js';
import { buildSemanticIndex, searchSemanticIndex, semanticIndexArrays, semanticIndexFromArrays } from './semantic-index.js';
import type { SemanticIndex } from './semantic-index.js';
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

/** Catalogues at least this large get a retrieval index (smaller ones are scored exactly). */
export const INDEX_MIN_ITEMS = 2_000;
/** Dimensions of the retrieval index's first pass and of its IVF lists. */
export const INDEX_RANK = 64;
/**
 * Dimensions of the index's int8 codes (`semantic-index.ts`): the first pass reads the leading
 * {@link INDEX_RANK}, its best candidates are completed to all of them.
 */
export const INDEX_CODE_RANK = 256;
/** Snapshot format of the index: 2 = int8 codes in bands (`indexCodes0`, … `indexBandEdges`); versions without it hold format 1 (float32 first-pass vectors). */
export const INDEX_FORMAT = 2;
/**
 * Catalogues at least this large have the first pass scan only the nearest IVF lists
 * (`ivf-index.ts`, `IVF_PROBE_SHARE` of them): it pays off only where a full pass in 64
 * dimensions costs milliseconds.
 */
export const IVF_MIN_ITEMS = 50_000;

/**
 * Candidates of the first pass (64 principal directions, int8) that the second stage completes to
 * the index's 256: `max(4k, k + 200)`, and at least 5% of the catalogue (at most 20,000). In a large
 * catalogue many items score alike in the leading directions, so recall is set by how many go on,
 * not by how many lists are scanned nor by the second stage (its best 500, 1,000 or 3,000 held the
 * same share of the exact top 100). On the seeded topic-mixture catalogue of `bench/scale.ts`
 * (1,000,000 items, 200 topics, 512-d; `bench/semantic-retrieval.ts`, 60 users of 5–50 and 60 of
 * 50–500 items), recall@100 was 0.925 / 0.895 with 5,000 candidates, 0.964 / 0.940 with 10,000,
 * 0.979 / 0.969 with 15,000, 0.990 / 0.978 with 20,000 (14.5 ms per user, against 37 ms for the
 * one-stage index that rescored 15,000 exactly in the same conditions) and 0.998 / 0.998 with 30,000
 * (15.5 ms).
 */
export function rescoredCandidates(k: number, n: number): number {
  return Math.max(4 * k, k + 200, Math.min(Math.ceil(n / 20), 20_000));
}

/**
 * Candidates a format-1 index (a version stored before the codes) rescores exactly: what
 * {@link rescoredCandidates} was when those versions were built (at most 15,000).
 */
function format1Rescored(k: number, n: number): number {
  return Math.max(4 * k, k + 200, Math.min(Math.ceil(n / 20), 15_000));
}

/** Candidates of the second stage scored exactly: `max(4k, k + 200)`, and at least 1% of the catalogue (at most 1,000). */
export function shortlistedCandidates(k: number, n: number): number {
  return Math.max(4 * k, k + 200, Math.min(Math.ceil(n / 100), 1_000));
}

/**
 * Share of the first pass's candidates the second stage keeps after directions 64–127, before it
 * reads 128–255: a quarter. At 1M items (`bench/semantic-retrieval.ts`) a quarter gave recall@100
 * 0.9900 / 0.9758 (short / long histories) in 10.0 / 11.5 ms per user, half 0.9903 / 0.9782 in
 * 14.7 / 14.2 ms.
 */
export const MIDDLE_SHARE = 0.25;

/** How the retrieval index is built (not hyper-parameters: they do not change the model's scores). */
export interface SemanticIndexOptions {
  /** Catalogues at least this large get IVF lists (default {@link IVF_MIN_ITEMS}). */
  ivfMinItems?: number;
  /** Candidates of the first pass that go on to the second stage, for k of n items (default {@link rescoredCandidates}). */
  rescore?: (k: number, n: number) => number;
  /** Candidates of the second stage rescored exactly, for k of n items (default {@link shortlistedCandidates}). */
  shortlist?: (k: number, n: number) => number;
  /** Share of the first pass's candidates kept after the second stage's middle band (default {@link MIDDLE_SHARE}). */
  middleShare?: number;
  /** Directions of the codes, at build time (default {@link INDEX_CODE_RANK}). */
  codeRank?: number;
  /** Share of the IVF lists a first pass scans (default `ivfProbeShare` of the catalogue). */
  probeShare?: number;
}

/** Creates a semantic recommender. */
export function createSemantic(options: Partial<SemanticOptions> = {}, index: SemanticIndexOptions = {}): SemanticModel {
  return new SemanticModel({ ...DEFAULTS, ...options }, index);
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
  /** Index for {@link SemanticModel.retrieve} (format 2: int8 codes in a nested principal basis). */
  private index: SemanticIndex | undefined;
  /** Format-1 index of a version stored before the codes: principal basis (`dim × rank`) and the items in it (`n × rank`). */
  private basis: Float32Array | undefined;
  private reduced: Float32Array | undefined;
  /** Lists over the reduced vectors (large catalogues): the first pass scans only the nearest ones. */
  private ivf: IvfIndex | undefined;
  private rank = 0;
  /** Scratch of the first pass over every item. */
  private approx = new Float32Array(0);

  constructor(
    private readonly options: SemanticOptions,
    private readonly indexOptions: SemanticIndexOptions = {},
  ) {
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
    this.buildIndex();
    return { seconds: (performance.now() - t0) / 1000, epochs: 1 };
  }

  /**
   * Builds the retrieval index of {@link retrieve} (`semantic-index.ts`): the item vectors in their
   * leading principal directions as int8 codes, in IVF lists from {@link IVF_MIN_ITEMS} items.
   * Small catalogues are scored exactly and get no index.
   */
  private buildIndex(): void {
    const n = this.numItems;
    if (n < INDEX_MIN_ITEMS || this.dim <= INDEX_RANK) return;
    this.index = buildSemanticIndex(this.vectors, n, this.dim, {
      rank: this.indexOptions.codeRank ?? INDEX_CODE_RANK,
      listRank: INDEX_RANK,
      lists: n >= (this.indexOptions.ivfMinItems ?? IVF_MIN_ITEMS),
      seed: 1,
    });
  }

  /** True when {@link retrieve} answers from the index (else it scores exactly). */
  get indexed(): boolean {
    return this.index !== undefined || this.reduced !== undefined || this.ivf !== undefined;
  }

  /**
   * The `k` best items for `query` not masked in `exclude` (1 = leave out), best first, with their
   * exact scores: a first pass in the leading principal directions picks the candidates of
   * {@link rescoredCandidates} — over the nearest IVF lists of a large catalogue, over every item of
   * a smaller one — a second stage completes them to {@link INDEX_CODE_RANK} directions and keeps
   * {@link shortlistedCandidates}, which are scored exactly (`semantic-index.ts`; a version stored
   * before the codes rescores the first pass's candidates exactly, as it did). Without an index (a
   * small catalogue, or a version stored before indices) every item is scored exactly.
   */
  retrieve(query: UserQuery, k: number, exclude?: Uint8Array): { indices: Int32Array; scores: Float32Array } {
    const u = this.interest(query);
    return this.retrieveVector(u, k, exclude);
  }

  /** {@link retrieve} for a given interest or query vector. */
  retrieveVector(u: Float32Array, k: number, exclude?: Uint8Array): { indices: Int32Array; scores: Float32Array } {
    const n = this.numItems;
    const { index, indexOptions } = this;
    if (index) {
      const wanted = Math.min(n, (indexOptions.rescore ?? rescoredCandidates)(k, n));
      const share = indexOptions.probeShare ?? ivfProbeShare(n);
      return searchSemanticIndex(index, u, this.vectors, k, {
        candidates: wanted,
        middle: Math.ceil(wanted * (indexOptions.middleShare ?? MIDDLE_SHARE)),
        shortlist: (indexOptions.shortlist ?? shortlistedCandidates)(k, n),
        probes: Math.max(8, Math.ceil(share * index.lists)),
        minScanned: 2 * wanted,
        exclude,
      });
    }
    return this.retrieveFormat1(u, k, exclude);
  }

  /** {@link retrieveVector} over a format-1 index (a version stored before the codes), or exactly. */
  private retrieveFormat1(u: Float32Array, k: number, exclude?: Uint8Array): { indices: Int32Array; scores: Float32Array } {
    const n = this.numItems;
    const { reduced, ivf, basis, rank, dim, vectors } = this;
    if ((!reduced && !ivf) || !basis) {
      const all = new Float32Array(n);
      this.scoreVector(u, all);
      return topK(all, k, exclude);
    }
    const ur = projectOnBasis(u, basis, dim, rank);
    const wanted = Math.min(n, (this.indexOptions.rescore ?? format1Rescored)(k, n));
    let first: { indices: Int32Array };
    const share = this.indexOptions.probeShare ?? ivfProbeShare(n);
    // Twice the rescored candidates are scanned at least: on the 1M catalogue of `bench/scale.ts`
    // the five times that `searchIvf` scans by default found the same candidates (recall@100 0.954
    // either way, 40 users) in 20% more time.
    if (ivf) first = searchIvf(ivf, ur, wanted, { exclude, probes: Math.max(8, Math.ceil(share * ivf.lists)), minScanned: 2 * wanted });
    else {
      // Reused between calls (scoring is synchronous, so no two calls share it at once).
      if (this.approx.length !== n) this.approx = new Float32Array(n);
      const approx = this.approx;
      dotRows(ur, reduced as Float32Array, rank, 0, n, approx);
      first = topK(approx, wanted, exclude);
    }
    // Rescored in item order: the rows are read front to back (about twice as fast as in score
    // order over a catalogue of gigabytes), and equal scores go to the lower item index.
    const candidates = first.indices.slice().sort();
    const exact = new Float32Array(candidates.length);
    for (let c = 0; c < exact.length; c++) exact[c] = dot(u, 0, vectors, candidates[c] * dim, dim);
    const best = topK(exact, k);
    return { indices: Int32Array.from(best.indices, (c) => candidates[c]), scores: best.scores };
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
    dotRows(vector, this.vectors, this.dim, 0, this.numItems, out);
  }

  similarItems(itemIdx: number, out: Float32Array): void {
    this.scoreVector(this.vectors.subarray(itemIdx * this.dim, (itemIdx + 1) * this.dim), out);
    out[itemIdx] = 0;
  }

  snapshot(): ModelSnapshot {
    const arrays: ModelSnapshot['arrays'] = { vectors: this.vectors };
    if (this.index) {
      const stored = semanticIndexArrays(this.index);
      Object.assign(arrays, stored.arrays);
      return { kind: this.kind, params: this.params, meta: { dim: this.dim, indexFormat: INDEX_FORMAT, ...stored.meta }, arrays };
    }
    if (this.basis && this.ivf) {
      arrays.indexBasis = this.basis;
      Object.assign(arrays, ivfArrays(this.ivf, 'ivf'));
    } else if (this.basis && this.reduced) {
      arrays.indexBasis = this.basis;
      arrays.indexItems = this.reduced;
    }
    return { kind: this.kind, params: this.params, meta: { dim: this.dim, indexRank: this.rank }, arrays };
  }

  /**
   * Restores from {@link SemanticModel.snapshot}: an index of format 2 (`meta.indexFormat`) or of
   * format 1 (stored before the codes, served as it was), or none (scored exactly). `index` sets
   * how the restored version searches (not what was stored).
   */
  static fromSnapshot(s: ModelSnapshot, index: SemanticIndexOptions = {}): SemanticModel {
    const m = new SemanticModel({ ...DEFAULTS, ...(s.params as Partial<SemanticOptions>) }, index);
    m.dim = s.meta.dim as number;
    m.vectors = s.arrays.vectors as Float32Array;
    if (s.meta.indexFormat === INDEX_FORMAT) {
      m.index = semanticIndexFromArrays(s.arrays, s.meta, m.numItems, m.dim);
      return m;
    }
    const rank = typeof s.meta.indexRank === 'number' ? s.meta.indexRank : 0;
    if (rank > 0 && s.arrays.indexBasis instanceof Float32Array) {
      const ivf = ivfFromArrays(s.arrays, 'ivf', rank);
      if (ivf || s.arrays.indexItems instanceof Float32Array) {
        m.rank = rank;
        m.basis = s.arrays.indexBasis;
        m.ivf = ivf;
        if (!ivf) m.reduced = s.arrays.indexItems as Float32Array;
      }
    }
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
