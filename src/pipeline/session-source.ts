/**
 * The session source (C13): items similar to the last few items of the live session, by a trained
 * model's item-to-item similarity (item-kNN by default) or, without one, by text vectors. It turns
 * what a user does right now into candidates before any retraining.
 * @module
 */
import type { IdDictionary } from '../core/id-dictionary.js';
import type { Engine } from '../engine/engine.js';
import { topK } from '../linalg/index.js';
import type { Recommender } from '../models/recommender.js';
import type { Candidate, CandidateSource, SourceOutput, SourceRequest } from './candidate-source.js';

/** Options of {@link createSessionSource}. */
export interface SessionSourceOptions {
  /** Models whose item similarities are tried in order; the first trained one is used (default itemknn, ease, als, bpr, semantic). */
  models?: readonly string[];
  /** How many of the latest session items are used (default 5). */
  lastItems?: number;
  /** Weight decay per step back in the session (default 0.7). */
  decay?: number;
}

/**
 * Session scores over a model's dense items: Σ decay^j · sim(session item j from the end, ·), with
 * the seen items masked; pure apart from writing into `out` (length `model.numItems`).
 */
export function sessionCandidates(
  model: Recommender,
  items: IdDictionary,
  session: readonly string[],
  seen: ReadonlySet<string>,
  k: number,
  options: { lastItems?: number; decay?: number } = {},
): Candidate[] {
  const last = session.slice(-(options.lastItems ?? 5)).map((id) => items.indexOf(id)).filter((i) => i >= 0);
  if (last.length === 0) return [];
  const decay = options.decay ?? 0.7;
  const n = model.numItems;
  const total = new Float32Array(n);
  const row = new Float32Array(n);
  for (let j = 0; j < last.length; j++) {
    row.fill(0);
    model.similarItems(last[last.length - 1 - j], row);
    const w = Math.pow(decay, j);
    for (let i = 0; i < n; i++) total[i] += w * row[i];
  }
  const mask = new Uint8Array(n);
  for (const id of seen) {
    const i = items.indexOf(id);
    if (i >= 0) mask[i] = 1;
  }
  for (const i of last) mask[i] = 1;
  const top = topK(total, k, mask);
  const out: Candidate[] = [];
  for (let r = 0; r < top.indices.length; r++) if (top.scores[r] > 0) out.push({ itemId: items.idAt(top.indices[r]), score: top.scores[r] });
  return out;
}

/** Creates the `session` source over the engine's trained models. */
export function createSessionSource(engine: Engine, options: SessionSourceOptions = {}): CandidateSource {
  const models = options.models ?? ['itemknn', 'ease', 'als', 'bpr', 'semantic'];
  return {
    name: 'session',
    async generate(request: SourceRequest): Promise<SourceOutput> {
      const { state, signal } = request;
      if (state.session.length === 0) return { candidates: [], version: 'live' };
      for (const kind of models) {
        const loaded = await engine.loadModel(kind, undefined, signal);
        if (!loaded) continue;
        const { trained, version } = loaded;
        const candidates = sessionCandidates(trained.model, trained.items, state.session, state.seen, request.k, options);
        return { candidates, version: `${kind}@${version}` };
      }
      return { candidates: [], version: 'untrained' };
    },
  };
}
