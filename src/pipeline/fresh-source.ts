/**
 * The fresh-items source (C17): items the trained models cannot rank yet. With an encoder, every item
 * encoded since the process started (new, or with a changed text) is searched by text similarity to
 * the user's interest, together with the newest items (so an item upserted a second ago is
 * recommendable from its text, and so is each of a thousand imported at once); otherwise, and for
 * users without history, the newest items by recency.
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
          const scored = new Map<string, number>();
          for (const n of head) {
            const v = vectors.get(n.itemId);
            scored.set(n.itemId, v ? cosine(v, interest) : -1);
          }
          // Items born later than `now` (a replay, a dated release) wait, as they do among the newest.
          for (const c of tv.nearestFresh(interest, k, (id) => state.seen.has(id) || (options.signals.bornAt(id) ?? 0) > now)) scored.set(c.itemId, c.score);
          const candidates = [...scored].map(([itemId, score]) => ({ itemId, score })).sort((a, b) => b.score - a.score);
          return { candidates: candidates.slice(0, k), version: 'text' };
        }
      }
      return { candidates: newest.slice(0, k).map((n) => ({ itemId: n.itemId, score: recencyScore(now - n.bornAt) })), version: 'live' };
    },
  };
}
