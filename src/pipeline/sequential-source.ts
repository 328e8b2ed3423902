/**
 * The sequential source (C9, C13): a trained sequence model (`sasrec`, else `gru4rec`) predicts the
 * next items from the user's chronological history — stored events and the live session, ordered by
 * time and then storage sequence — so the order of what a user just did, not only its content,
 * moves the next list. The pipeline adds it whenever such a model is trained.
 * @module
 */
import type { IdDictionary } from '../core/id-dictionary.js';
import type { Event } from '../core/types.js';
import type { Engine } from '../engine/engine.js';
import type { FeedbackPolicy } from '../engine/feedback-policy.js';
import { feedbackWeight } from '../engine/feedback-policy.js';
import { topK } from '../linalg/index.js';
import type { UserQuery } from '../models/recommender.js';
import type { CandidateSource, SourceOutput, SourceRequest } from './candidate-source.js';

/** Sequence models the source can use, in order of preference. */
export const SEQUENTIAL_SOURCE_MODELS: readonly string[] = ['sasrec', 'gru4rec'];

/** Options of {@link createSequentialSource}. */
export interface SequentialSourceOptions {
  /** Sequence models tried in order; the first trained one answers (default {@link SEQUENTIAL_SOURCE_MODELS}). */
  models?: readonly string[];
  /** At most this many latest items form the input sequence (default 200). */
  maxLength?: number;
}

/**
 * The user's positive interactions as the model's item indices, oldest first: events ordered by
 * timestamp, then storage `seq` (live events without one come after stored ones at the same time),
 * then arrival; repeats kept, items the model does not know skipped, the last `maxLength` kept.
 */
export function userSequence(events: readonly Event[], items: IdDictionary, policy: FeedbackPolicy, maxLength = 200): Int32Array {
  const seqOf = (e: Event): number => ('seq' in e && typeof e.seq === 'number' ? e.seq : Number.MAX_SAFE_INTEGER);
  const ordered = events.map((e, i) => ({ e, i })).sort((a, b) => a.e.timestamp - b.e.timestamp || seqOf(a.e) - seqOf(b.e) || a.i - b.i);
  const out: number[] = [];
  for (const { e } of ordered) {
    if (e.itemId === undefined || feedbackWeight(e, policy) <= 0) continue;
    const i = items.indexOf(e.itemId);
    if (i >= 0) out.push(i);
  }
  return Int32Array.from(out.slice(-maxLength));
}

/** Creates the `sequential` source over the engine's trained sequence models. */
export function createSequentialSource(engine: Engine, options: SequentialSourceOptions = {}): CandidateSource {
  const models = options.models ?? SEQUENTIAL_SOURCE_MODELS;
  const policy = engine.feedbackPolicy();
  return {
    name: 'sequential',
    async generate(request: SourceRequest): Promise<SourceOutput> {
      const { state, signal } = request;
      for (const kind of models) {
        const loaded = await engine.loadModel(kind, undefined, signal);
        if (!loaded) continue;
        const { trained, version } = loaded;
        const label = `${kind}@${version}`;
        const sequence = userSequence(state.events, trained.items, policy, options.maxLength);
        if (sequence.length === 0) return { candidates: [], version: label };
        const distinct = Int32Array.from(new Set(sequence)).sort();
        const query: UserQuery = { userIdx: -1, items: distinct, values: new Float32Array(distinct.length).fill(1), sequence };
        const scores = new Float32Array(trained.items.size);
        trained.model.score(query, scores);
        const mask = new Uint8Array(trained.items.size);
        for (const id of state.seen) {
          const i = trained.items.indexOf(id);
          if (i >= 0) mask[i] = 1;
        }
        const top = topK(scores, request.k, mask);
        return { candidates: Array.from(top.indices, (i, r) => ({ itemId: trained.items.idAt(i), score: top.scores[r] })), version: label };
      }
      return { candidates: [], version: 'untrained' };
    },
  };
}
