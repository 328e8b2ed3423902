/**
 * A candidate source over a trained engine model (ease, itemknn, als, bpr, semantic, hybrid, …):
 * the model scores every item from the user's live history, exactly as `Engine.recommend` does, and
 * the best unseen items are proposed.
 * @module
 */
import type { StoredEvent } from '../core/types.js';
import type { Engine } from '../engine/engine.js';
import { topK } from '../linalg/index.js';
import type { CandidateSource, SourceOutput, SourceRequest } from './candidate-source.js';

/** Sequence number given to live events that have not reached storage (newer than any training). */
const LIVE_SEQ = Number.MAX_SAFE_INTEGER;

/** A source proposing the top items of engine model `kind`; the source is named after the model. */
export function createModelSource(engine: Engine, kind: string): CandidateSource {
  return {
    name: kind,
    async generate(request: SourceRequest): Promise<SourceOutput> {
      const history: StoredEvent[] = request.state.events.map((e) => ('seq' in e && typeof e.seq === 'number' ? (e as StoredEvent) : { ...e, seq: LIVE_SEQ }));
      const scored = await engine.scoreUser(kind, request.userId, history, { signal: request.signal });
      if (!scored) return { candidates: [], version: 'untrained' };
      const version = `${kind}@${scored.version}`;
      if (!scored.usable) return { candidates: [], version };
      const { items, scores } = scored;
      const mask = new Uint8Array(items.size);
      for (const id of request.state.seen) {
        const i = items.indexOf(id);
        if (i >= 0) mask[i] = 1;
      }
      const top = topK(scores, request.k, mask);
      const candidates = Array.from(top.indices, (i, r) => ({ itemId: items.idAt(i), score: top.scores[r] }));
      return { candidates, version };
    },
  };
}
