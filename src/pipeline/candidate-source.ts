/**
 * The candidate-source port: anything that proposes (item, score) lists for a user — a trained
 * collaborative model, trending, fresh items, the live session, and later a sequential model —
 * implements {@link CandidateSource}. The pipeline merges the lists and the learned ranker scores
 * the union from each source's normalised score and rank, keyed by the source's name.
 * @module
 */
import type { Attributes, Event } from '../core/types.js';
import type { UserState } from './user-state.js';

/** One proposed item. */
export interface Candidate {
  itemId: string;
  /** The source's own score; only the order and the per-list normalised value are used downstream. */
  score: number;
}

/** What a source is asked. */
export interface SourceRequest {
  userId: string;
  state: UserState;
  /** How many candidates to return at most. */
  k: number;
  /** Request time, ms since epoch. */
  now: number;
  /** Request context (device, page, …), for sources that use it. */
  context?: Attributes;
  signal?: AbortSignal;
}

/** What a source answered. */
export interface SourceOutput {
  /** Best first, never an item in `state.seen`; empty when the source has nothing for this user. */
  candidates: Candidate[];
  /** Version label shown in `modelVersion`, e.g. `ease@3` or `live`. */
  version: string;
  /**
   * True when the answer is provisional and will change without any new input (e.g. built before
   * the user's text interest was computed): a list built from it is not reused.
   */
  partial?: boolean;
}

/**
 * A candidate source. `name` is stable: the ranker's features are keyed by it, so a ranker trained
 * with a source of that name uses it at serving time, and a source it never saw is ignored.
 */
export interface CandidateSource {
  readonly name: string;
  generate(request: SourceRequest): Promise<SourceOutput>;
  /**
   * True when `generate` does its costly part on another thread (a model searched on the engine's
   * retrieval threads): the pipeline then starts it before the sources that run on its own thread.
   */
  runsOffThread?(): boolean;
  /** Live events, for sources that keep in-memory state. */
  observe?(event: Event): void;
}

/** Per-item signals shared by sources, ranker features and re-rank stages. */
export interface ItemSignals {
  /** Number of positive events of the item. */
  popularity(itemId: string): number;
  /** True when the item is outside the top 20% of the catalogue by popularity. */
  isTail(itemId: string): boolean;
  /** Age at `now` (from `createdAt`, else the item's first event), undefined when unknown. */
  ageMs(itemId: string, now: number): number | undefined;
}
