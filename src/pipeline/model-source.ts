/**
 * A candidate source over a trained engine model (ease, itemknn, als, bpr, semantic, hybrid, …):
 * the model scores every item from the user's live history, exactly as `Engine.recommend` does, and
 * the best unseen items are proposed.
 * @module
 */
import type { StoredEvent } from '../core/types.js';
import type { Engine } from '../engine/engine.js';
import type { CandidateSource, SourceOutput, SourceRequest } from './candidate-source.js';
import { historyStamp } from './user-state.js';

/** Sequence number given to live events that have not reached storage (newer than any training). */
const LIVE_SEQ = Number.MAX_SAFE_INTEGER;

/** Options of {@link createModelSource}. */
export interface ModelSourceOptions {
  /**
   * Users whose latest candidate list is kept (default 20,000; 0 = no cache). A list is reused while
   * the user's history, the served version and `k` are the same — a user's scores change only when
   * one of them does — so a repeated request costs a look-up instead of scoring the catalogue. A kept
   * list is stored compactly (item ids and a Float32Array of scores: about 12 bytes per candidate,
   * 1.2 kB for k = 100, where candidate objects took about 56), so the cache stays near 25 MB per source.
   */
  cacheUsers?: number;
}

interface CachedList {
  key: string;
  version: string;
  /** Candidate item ids, best first (the model's own id strings, not copies). */
  itemIds: string[];
  scores: Float32Array;
}

/** Identity of a request's inputs to a model: k and the history (see `historyStamp`). */
function inputKey(request: SourceRequest): string {
  return `${request.k}|${historyStamp(request.state.events)}`;
}

/** A source proposing the top items of engine model `kind`; the source is named after the model. */
export function createModelSource(engine: Engine, kind: string, options: ModelSourceOptions = {}): CandidateSource {
  const capacity = options.cacheUsers ?? 20_000;
  /** Least recently used first. */
  const cache = new Map<string, CachedList>();
  async function score(request: SourceRequest): Promise<SourceOutput & { complete: boolean }> {
    const history: StoredEvent[] = request.state.events.map((e) => ('seq' in e && typeof e.seq === 'number' ? (e as StoredEvent) : { seq: LIVE_SEQ, ...e }));
    const top = await engine.retrieveForUser(kind, request.userId, history, request.k, request.state.seen, { signal: request.signal });
    if (!top) return { candidates: [], version: 'untrained', complete: false };
    const version = `${kind}@${top.version}`;
    if (!top.usable) return { candidates: [], version, complete: true };
    const candidates = Array.from(top.indices, (i, r) => ({ itemId: top.items.idAt(i), score: top.scores[r] }));
    return { candidates, version, complete: top.complete };
  }

  return {
    name: kind,
    runsOffThread: () => engine.searchesOffThread(kind),
    async generate(request: SourceRequest): Promise<SourceOutput> {
      const input = capacity > 0 ? inputKey(request) : '';
      const served = engine.servingVersion(kind);
      const hit = capacity > 0 && served !== undefined ? cache.get(request.userId) : undefined;
      if (hit && hit.key === `${kind}@${served}|${input}`) {
        cache.delete(request.userId);
        cache.set(request.userId, hit);
        return { candidates: hit.itemIds.map((itemId, r) => ({ itemId, score: hit.scores[r] })), version: hit.version };
      }
      // Scoring is the costly step of a list (tens of milliseconds on a large catalogue): it starts
      // in a turn of its own, so requests that arrived meanwhile (a kept list, a health check) are
      // answered between two sources rather than after all of them.
      await new Promise<void>((resolve) => setImmediate(resolve));
      const output = await score(request);
      if (capacity > 0 && output.complete) {
        cache.delete(request.userId);
        cache.set(request.userId, {
          key: `${output.version}|${input}`,
          version: output.version,
          itemIds: output.candidates.map((c) => c.itemId),
          scores: Float32Array.from(output.candidates, (c) => c.score),
        });
        while (cache.size > capacity) cache.delete(cache.keys().next().value as string);
      }
      // An answer built without the user's text interest (still being computed) is provisional.
      return { candidates: output.candidates, version: output.version, ...(output.complete || output.version === 'untrained' ? {} : { partial: true }) };
    },
  };
}
