/**
 * The Recommender port: every model fits on a user × item matrix and scores every item for a user
 * described by a dense index and/or a history, so that unknown users and live histories (fold-in)
 * are scored by the same call.
 * @module
 */
import type { ItemAttributes } from './item-attributes.js';
import type { CsrMatrix } from '../core/csr-matrix.js';
import type { Logger, ProgressCallback } from '../core/logger.js';
import type { ModelSnapshot } from './snapshot.js';

/** Hyper-parameters: flat, JSON-serialisable. */
export type ModelParams = Record<string, number | string | boolean>;

/** Who to score: a training user index (or -1) and the history to score from. */
export interface UserQuery {
  /** Row of the training matrix, or -1 for a user the model has not seen. */
  userIdx: number;
  /** Item indices of the user's history (training row, or a live history for fold-in). */
  items: Int32Array;
  /** Values aligned with `items` (1 for implicit feedback; negative for negative feedback where a model supports it). */
  values: Float32Array;
  /** Embedding of the user's own text (verbalised history, searches, reviews), for text-aware models. */
  textVector?: Float32Array;
  /**
   * The user's item indices in chronological order (oldest first, repeats kept), read by sequence
   * models (`sasrec`, `gru4rec`); other models ignore it. Sequence models fall back to `items` without it.
   */
  sequence?: Int32Array;
}

/** Text embeddings of the items, aligned with the training matrix's columns. */
export interface ItemEmbeddings {
  /** Items × dim, row-major; a zero row means the item has no text. */
  vectors: Float32Array;
  dim: number;
}

/** Hooks and limits for a fit. */
export interface FitContext {
  /** Item text embeddings, required by text-aware models (`semantic`, `hybrid`) and ignored by others. */
  itemEmbeddings?: ItemEmbeddings;
  /** Abort the fit between epochs or blocks. */
  signal?: AbortSignal;
  /** Progress of long phases. */
  onProgress?: ProgressCallback;
  /** Log sink. */
  logger?: Logger;
  /**
   * For iterative models: scores the current state on held-out data (higher is better). The model
   * keeps the best state seen and stops after `patience` evaluations without improvement.
   */
  validate?: () => number;
  /**
   * Each training user's item indices in chronological order (oldest first), indexed by the
   * training matrix's rows; read by sequence models, which otherwise fall back to the rows' items.
   */
  sequences?: readonly Int32Array[];
  /** Categorical item attributes aligned with the training matrix's columns; read by `sasrec` as side information. */
  itemAttributes?: ItemAttributes;
  /**
   * Threads a fit may train on, for models that split their batches across worker threads (`sasrec`;
   * others ignore it). Default: the model's choice (2 on a machine with at least 2 cores, for a fit
   * large enough to gain from it); 1 = the calling thread only. An execution setting, not a
   * hyper-parameter: every step computes the same batch gradient whatever the count, summed in
   * another order (so float rounding differs, and its differences grow over a fit as between any two
   * summation orders); a seed and a count give the same model on every run.
   */
  threads?: number;
}

/** What a fit did. */
export interface FitReport {
  /** Wall-clock seconds. */
  seconds: number;
  /** Epochs or iterations run (1 for closed-form models). */
  epochs: number;
  /** Epoch of the kept state, when validation chose it. */
  bestEpoch?: number;
  /** Validation score of the kept state. */
  bestScore?: number;
  /**
   * For models with an item cap (EASE and the hybrid's EASE backbone, `maxItems`): the cap, how many
   * items its main structure kept, and how many eligible items it left to a cheaper fallback.
   */
  itemCap?: { maxItems: number; kept: number; leftOut: number };
}

/** A trainable top-N recommender over dense indices. */
export interface Recommender {
  /** Registry name (`pop`, `itemknn`, `userknn`, `als`, `bpr`, `ease`). */
  readonly kind: string;
  /** Effective hyper-parameters (defaults filled in). */
  readonly params: ModelParams;
  /** Number of items it scores (columns of the training matrix). */
  readonly numItems: number;
  /** Learns from a user × item matrix (implicit feedback values). */
  fit(train: CsrMatrix, context?: FitContext): Promise<FitReport>;
  /** Writes a score for every item into `out` (length `numItems`); higher is better. */
  score(query: UserQuery, out: Float32Array): void;
  /** Writes item-to-item similarity to `itemIdx` for every item into `out`. */
  similarItems(itemIdx: number, out: Float32Array): void;
  /**
   * Optional: the similarity of two items without a pass over the catalogue (models that keep
   * neighbour lists). Diversity and explanations use it so that a request costs O(candidates).
   */
  itemSimilarity?(a: number, b: number): number;
  /**
   * Optional: the `k` best items for `query` not masked in `exclude` (1 = leave out), best first with
   * their exact scores, from a retrieval index instead of a score for every item; undefined when the
   * model has no index (then callers score every item and select).
   */
  retrieve?(query: UserQuery, k: number, exclude?: Uint8Array): { indices: Int32Array; scores: Float32Array } | undefined;
  /** Serialisable state; `modelFromSnapshot` restores an equivalent model. */
  snapshot(): ModelSnapshot;
}
