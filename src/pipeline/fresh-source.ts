/**
 * The fresh-items source (C17): the most recently created or first-seen items, which collaborative
 * models cannot rank yet. With an encoder they are scored by text similarity to the user's interest
 * (so an item upserted a second ago is recommendable from its text); otherwise, and for users
 * without history, by recency.
 * @module
 */
import type { CandidateSource, SourceOutput, SourceRequest } from './candidate-source.js';
import type { LiveItemSignals } from './live-item-signals.js';
import { cosine, interestKey } from './text-vectors.js';
import type { TextVectors } from './text-vectors.js';

/** Options of {@link createFreshSource}. */
export interface FreshSourceOptions {
  signals: LiveItemSignals;
  /** Text vectors when an encoder is configured. */
  textVectors?: TextVectors;
  /** How many of the newest items are considered (default 200). */
  pool?: number;
  /** How many of the newest are scored by text (default 50; each needs a vector). */
  textPool?: number;
}

/** Recency score of an item of age `ageMs`: larger is newer, comparable across years of data. */
export function recencyScore(ageMs: number): number {
  return -Math.log1p(Math.max(0, ageMs) / 86_400_000);
}

/** Creates the `fresh` source. */
export function createFreshSource(options: FreshSourceOptions): CandidateSource {
  const pool = options.pool ?? 200;
  const textPool = options.textPool ?? 50;
  return {
    name: 'fresh',
    async generate(request: SourceRequest): Promise<SourceOutput> {
      const { state, now, k, signal } = request;
      const newest = options.signals.newest(pool, now, state.seen);
      const tv = options.textVectors;
      if (tv && state.positives.length > 0) {
        const interest = await tv.interest(state.positives, state.negatives, signal, state.recencyWeights, interestKey(state));
        if (interest) {
          const head = newest.slice(0, textPool);
          const vectors = await tv.get(head.map((n) => n.itemId), signal);
          const scored = head
            .map((n) => {
              const v = vectors.get(n.itemId);
              return { itemId: n.itemId, score: v ? cosine(v, interest) : -1 };
            })
            .sort((a, b) => b.score - a.score);
          return { candidates: scored.slice(0, k), version: 'text' };
        }
      }
      return { candidates: newest.slice(0, k).map((n) => ({ itemId: n.itemId, score: recencyScore(now - n.bornAt) })), version: 'live' };
    },
  };
}
