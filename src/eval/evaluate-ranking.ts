/**
 * Ranking evaluation: each user with held-out targets gets scores for every item from the model;
 * excluded items (the user's training items, and validation items at test time) are removed; the
 * top-K are compared with the targets. Full ranking by default; sampled-negative ranking only when
 * asked, and then labelled as such in the result.
 * @module
 */
import type { CsrMatrix } from '../core/csr-matrix.js';
import { throwIfAborted } from '../core/errors.js';
import type { ProgressCallback } from '../core/logger.js';
import { createRng, topK } from '../linalg/index.js';
import type { Recommender, UserQuery } from '../models/recommender.js';
import { addUserRankingMetrics, finalizeMetrics, listMetrics, metricKeys } from './metrics.js';
import type { ListMetrics, MetricValues } from './metrics.js';

/** What to rank and against what. All matrices are users × items over the same indices. */
export interface RankingTask {
  /** What the model sees of each user (the training rows). */
  history: CsrMatrix;
  /** Items never ranked for a user (training items; plus validation items when testing). */
  exclude: readonly CsrMatrix[];
  /** Held-out targets; users with an empty row are not evaluated. */
  targets: CsrMatrix;
  /** Training users per item, for tail share and novelty. */
  itemPopularity: Int32Array;
  /** Each user's history in time order (oldest first), handed to models as `UserQuery.sequence`. */
  sequences?: readonly Int32Array[];
}

/** How to evaluate. */
export interface EvaluateOptions {
  /** Cut-offs, e.g. [10] or [5, 10, 20]. */
  ks: readonly number[];
  /** Length of the lists the beyond-accuracy metrics look at (default: the largest K). */
  listK?: number;
  /** Rank each target among this many sampled non-interacted items instead of all items. */
  sampledNegatives?: number;
  /** Seed of negative sampling. */
  seed?: number;
  /** Rank only these items (1 = candidate), e.g. the held-out items of a cold-start split. */
  candidates?: Uint8Array;
  /**
   * How equal scores are ordered: `index` (lower item index first, as a plain top-k over the score
   * vector does; the default, matching RecBole) or `random` (a seeded random order of the items).
   * Use `random` when many items can tie, e.g. items a model has never seen all scoring 0: with
   * `index`, the order in which items entered the dataset would decide, and leak information.
   */
  tieBreak?: 'index' | 'random';
  signal?: AbortSignal;
  onProgress?: ProgressCallback;
}

/** What an evaluation measured. */
export interface EvaluationResult {
  /** `full` ranking, or `sampled-<n>` when negatives were sampled. */
  mode: string;
  /** Users evaluated (those with at least one target). */
  users: number;
  /** Accuracy metrics averaged over users, keyed `name@k`. */
  metrics: MetricValues;
  /** Beyond-accuracy metrics of the top-`listK` lists. */
  lists: ListMetrics;
}

/** Evaluates `model` on `task`. */
export function evaluateRanking(model: Pick<Recommender, 'score'>, task: RankingTask, options: EvaluateOptions): EvaluationResult {
  const { history, targets } = task;
  const numItems = targets.numCols;
  const ks = [...options.ks].sort((a, b) => a - b);
  const maxK = ks[ks.length - 1];
  const listK = options.listK ?? maxK;
  const sampled = options.sampledNegatives;
  const rng = createRng(options.seed ?? 7);
  const sums = new Float64Array(metricKeys(ks).length);
  const scores = new Float32Array(numItems);
  const mask = new Uint8Array(numItems);
  const relevant = new Uint8Array(numItems);
  const lists: Int32Array[] = [];
  // Random tie-breaking ranks each user's scores in a fresh seeded permutation of the items (so a
  // model whose scores all tie is at chance for every user); indices are mapped back after top-k.
  const tieRng = options.tieBreak === 'random' ? createRng((options.seed ?? 7) ^ 0x5bd1e995) : undefined;
  const perm = tieRng ? Int32Array.from({ length: numItems }, (_, i) => i) : undefined;
  const permScores = perm ? new Float32Array(numItems) : undefined;
  const permMask = perm ? new Uint8Array(numItems) : undefined;
  let users = 0;
  const total = targets.numRows;
  for (let u = 0; u < total; u++) {
    const tStart = targets.indptr[u];
    const tEnd = targets.indptr[u + 1];
    if (tEnd === tStart) continue;
    if ((u & 127) === 0) {
      throwIfAborted(options.signal);
      options.onProgress?.('evaluate', u, total);
    }
    const hasRow = u < history.numRows;
    const query: UserQuery = {
      userIdx: u,
      items: hasRow ? history.indices.subarray(history.indptr[u], history.indptr[u + 1]) : new Int32Array(0),
      values: hasRow ? history.values.subarray(history.indptr[u], history.indptr[u + 1]) : new Float32Array(0),
    };
    const sequence = task.sequences?.[u];
    if (sequence) query.sequence = sequence;
    model.score(query, scores);
    mask.fill(sampled ? 1 : 0);
    let numRelevant = 0;
    for (let p = tStart; p < tEnd; p++) {
      const i = targets.indices[p];
      if (!relevant[i]) numRelevant++;
      relevant[i] = 1;
    }
    if (sampled) {
      // Candidates: the targets plus `sampled` items the user never interacted with.
      const forbidden = (i: number): boolean => relevant[i] === 1 || task.exclude.some((m) => rowHas(m, u, i));
      let drawn = 0;
      let attempts = 0;
      while (drawn < sampled && attempts < sampled * 50) {
        attempts++;
        const i = rng.int(numItems);
        if (mask[i] === 0 || forbidden(i)) continue;
        mask[i] = 0;
        drawn++;
      }
      for (let p = tStart; p < tEnd; p++) mask[targets.indices[p]] = 0;
    } else {
      for (const m of task.exclude) {
        if (u >= m.numRows) continue;
        for (let p = m.indptr[u]; p < m.indptr[u + 1]; p++) mask[m.indices[p]] = 1;
      }
      if (options.candidates) {
        const c = options.candidates;
        for (let i = 0; i < numItems; i++) if (c[i] === 0) mask[i] = 1;
      }
      // A target is never hidden, even when the same item also occurs in an excluded part.
      for (let p = tStart; p < tEnd; p++) mask[targets.indices[p]] = 0;
    }
    let top = topK(scores, Math.max(maxK, listK), mask);
    if (tieRng && perm && permScores && permMask) {
      shuffle(perm, tieRng);
      for (let j = 0; j < numItems; j++) {
        permScores[j] = scores[perm[j]];
        permMask[j] = mask[perm[j]];
      }
      const permuted = topK(permScores, Math.max(maxK, listK), permMask);
      top = { indices: permuted.indices.map((j) => perm[j]), scores: permuted.scores };
    }
    addUserRankingMetrics(top.indices, (i) => relevant[i] === 1, numRelevant, ks, sums);
    lists.push(top.indices.slice(0, listK));
    for (let p = tStart; p < tEnd; p++) relevant[targets.indices[p]] = 0;
    users++;
  }
  options.onProgress?.('evaluate', total, total);
  return {
    mode: sampled ? `sampled-${sampled}` : options.candidates ? 'candidates' : 'full',
    users,
    metrics: finalizeMetrics(sums, ks, users),
    lists: listMetrics(lists, task.itemPopularity, history.numRows),
  };
}

/** Shuffles `p` in place (Fisher–Yates). */
function shuffle(p: Int32Array, rng: { int(n: number): number }): void {
  const n = p.length;
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
}

function rowHas(m: CsrMatrix, row: number, col: number): boolean {
  if (row >= m.numRows) return false;
  let lo = m.indptr[row];
  let hi = m.indptr[row + 1] - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const v = m.indices[mid];
    if (v === col) return true;
    if (v < col) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}
