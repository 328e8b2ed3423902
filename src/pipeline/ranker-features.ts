/**
 * Features of (user, candidate) pairs for the learned ranker: per source, whether it proposed the
 * item, its min-max normalised score in that source's list and its reciprocal-log rank (0 when
 * missing); then item popularity (log), tail flag, item age (log days, with a known flag), the
 * user's history and session lengths (log) and the share of sources that proposed the item.
 * The same function builds the rows offline and at serving time, so they cannot drift apart.
 * @module
 */
import type { Candidate, ItemSignals } from './candidate-source.js';

/** Request-level inputs of the features. */
export interface FeatureContext {
  historyLength: number;
  sessionLength: number;
  now: number;
  signals: ItemSignals;
}

/** Feature rows of a candidate union. */
export interface FeatureRows {
  /** Candidate ids, in order of first proposal (source order, then rank). */
  itemIds: string[];
  /** rows × dim, row-major. */
  features: Float32Array;
  dim: number;
  /** Names of the sources that proposed each candidate. */
  proposedBy: string[][];
  /** Each candidate's raw score per proposing source. */
  sourceScores: Record<string, number>[];
}

const PER_SOURCE = ['present', 'score', 'rank'] as const;
const GLOBAL = ['logPopularity', 'tail', 'logAgeDays', 'ageKnown', 'logHistory', 'logSession', 'sourceShare'] as const;

/** Feature names for a list of source names, in column order. */
export function featureNames(sources: readonly string[]): string[] {
  return [...sources.flatMap((s) => PER_SOURCE.map((f) => `${s}.${f}`)), ...GLOBAL];
}

/**
 * Builds the rows for the union of `lists` (source name → candidates, best first). Sources in
 * `lists` but not in `sources` still add candidates, but no columns of their own.
 */
export function buildFeatureRows(sources: readonly string[], lists: ReadonlyMap<string, readonly Candidate[]>, ctx: FeatureContext): FeatureRows {
  const row = new Map<string, number>();
  const itemIds: string[] = [];
  const proposedBy: string[][] = [];
  const sourceScores: Record<string, number>[] = [];
  /** Index of the last list that proposed each row (a list may repeat an item; its first entry counts). */
  const lastList: number[] = [];
  let listIndex = 0;
  for (const [name, list] of lists) {
    for (const c of list) {
      let r = row.get(c.itemId);
      if (r === undefined) {
        r = itemIds.length;
        row.set(c.itemId, r);
        itemIds.push(c.itemId);
        proposedBy.push([name]);
        // Assigned, not a computed key in the literal (which V8 builds several times slower).
        const scoresOf: Record<string, number> = {};
        scoresOf[name] = c.score;
        sourceScores.push(scoresOf);
        lastList.push(listIndex);
      } else if (lastList[r] !== listIndex) {
        lastList[r] = listIndex;
        proposedBy[r].push(name);
        sourceScores[r][name] = c.score;
      }
    }
    listIndex++;
  }
  const dim = sources.length * PER_SOURCE.length + GLOBAL.length;
  const n = itemIds.length;
  const features = new Float32Array(n * dim);
  /** Sources of `sources` that proposed each row. */
  const share = new Uint16Array(n);
  sources.forEach((name, s) => {
    const list = lists.get(name);
    if (!list || list.length === 0) return;
    let lo = Infinity;
    let hi = -Infinity;
    for (const c of list) {
      if (c.score < lo) lo = c.score;
      if (c.score > hi) hi = c.score;
    }
    const span = hi - lo;
    list.forEach((c, rank) => {
      const r = row.get(c.itemId) as number;
      const off = r * dim + s * PER_SOURCE.length;
      if (features[off] === 1) return;
      features[off] = 1;
      features[off + 1] = span > 0 ? (c.score - lo) / span : 1;
      features[off + 2] = 1 / Math.log2(rank + 2);
      share[r]++;
    });
  });
  const g0 = sources.length * PER_SOURCE.length;
  const logHistory = Math.log1p(ctx.historyLength);
  const logSession = Math.log1p(ctx.sessionLength);
  for (let r = 0; r < n; r++) {
    const id = itemIds[r];
    const off = r * dim + g0;
    features[off] = Math.log1p(ctx.signals.popularity(id));
    features[off + 1] = ctx.signals.isTail(id) ? 1 : 0;
    const age = ctx.signals.ageMs(id, ctx.now);
    features[off + 2] = age === undefined ? 0 : Math.log1p(age / 86_400_000);
    features[off + 3] = age === undefined ? 0 : 1;
    features[off + 4] = logHistory;
    features[off + 5] = logSession;
    features[off + 6] = sources.length > 0 ? share[r] / sources.length : 0;
  }
  return { itemIds, features, dim, proposedBy, sourceScores };
}
