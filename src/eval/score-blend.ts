/**
 * A protocol-level blend of several fitted models: each member's scores for a user are standardised
 * over the catalogue (z-scores, so members on different scales add up) and summed with weights
 * fitted on the validation task only, by coordinate ascent on the validation metric starting from
 * the best member alone (so the blend is never worse than that member on validation); a weight
 * moves only for a relative gain above 0.1%.
 * @module
 */
import { throwIfAborted } from '../core/errors.js';
import type { Recommender, UserQuery } from '../models/recommender.js';
import { evaluateRanking } from './evaluate-ranking.js';
import type { EvaluateOptions, RankingTask } from './evaluate-ranking.js';

/** One member of a blend: a fitted model and its name in the report. */
export interface BlendMember {
  name: string;
  model: Pick<Recommender, 'score' | 'numItems'>;
}

/** Writes the z-scores of `scores` (mean 0, standard deviation 1 over all items) into `out`. */
export function standardiseScores(scores: Float32Array, out: Float32Array): void {
  const n = scores.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += scores[i];
  mean /= n || 1;
  let variance = 0;
  for (let i = 0; i < n; i++) variance += (scores[i] - mean) ** 2;
  const inv = variance > 0 ? 1 / Math.sqrt(variance / n) : 0;
  for (let i = 0; i < n; i++) out[i] = (scores[i] - mean) * inv;
}

/** Scores a user as Σ wₘ · z(memberₘ's scores); members with weight 0 are not asked. */
export class ScoreBlend {
  private readonly member: Float32Array;
  private readonly z: Float32Array;

  constructor(
    readonly members: readonly BlendMember[],
    readonly weights: readonly number[],
  ) {
    if (members.length === 0 || members.length !== weights.length) throw new RangeError('a blend needs one weight per member, and at least one member');
    const n = members[0].model.numItems;
    this.member = new Float32Array(n);
    this.z = new Float32Array(n);
  }

  get numItems(): number {
    return this.member.length;
  }

  /** Weights by member name. */
  get params(): Record<string, number> {
    return Object.fromEntries(this.members.map((m, k) => [m.name, this.weights[k]]));
  }

  score(query: UserQuery, out: Float32Array): void {
    out.fill(0);
    for (let k = 0; k < this.members.length; k++) {
      const w = this.weights[k];
      if (w === 0) continue;
      this.members[k].model.score(query, this.member);
      standardiseScores(this.member, this.z);
      for (let i = 0; i < out.length; i++) out[i] += w * this.z[i];
    }
  }
}

/** Relative weights tried for each member against the anchor (the best member, weight 1). */
const WEIGHT_STEPS = [0, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 1, 1.5, 2, 3];
/** A weight moves only for a relative validation gain above this (ties and noise keep the simpler blend). */
const MIN_GAIN = 1e-3;
/** Passes of coordinate ascent over the members. */
const PASSES = 2;
/** Above this many cached floats (users × items × members) the weight search runs on a user sample. */
const CACHE_FLOATS = 60_000_000;

/** Options of {@link fitBlendWeights}. */
export interface FitBlendOptions extends EvaluateOptions {
  /** The metric maximised, e.g. `ndcg@10` (among the computed ones). */
  metric: string;
  /** Index of the member the search starts from (its weight stays 1). */
  anchor: number;
  /** Users of the search when the cache would be too large (the task restricted to a sample of them). */
  sample?: (task: RankingTask, users: number) => RankingTask;
}

/**
 * Fits blend weights on `task` (validation): member scores are computed once per user and cached
 * (standardised), then each candidate weight vector is one ranking pass over the cache.
 */
export function fitBlendWeights(members: readonly BlendMember[], task: RankingTask, options: FitBlendOptions): { weights: number[]; score: number } {
  const n = members[0].model.numItems;
  let searchTask = task;
  let users = 0;
  for (let u = 0; u < task.targets.numRows; u++) if (task.targets.indptr[u + 1] > task.targets.indptr[u]) users++;
  const maxUsers = Math.max(1, Math.floor(CACHE_FLOATS / (n * members.length)));
  if (users > maxUsers && options.sample) searchTask = options.sample(task, maxUsers);
  // Standardised scores of every searched user, per member.
  const cache = members.map(() => new Map<number, Float32Array>());
  const raw = new Float32Array(n);
  const { targets, history } = searchTask;
  for (let u = 0; u < targets.numRows; u++) {
    if (targets.indptr[u + 1] === targets.indptr[u]) continue;
    if ((u & 255) === 0) throwIfAborted(options.signal);
    const query: UserQuery = {
      userIdx: u,
      items: history.indices.subarray(history.indptr[u], history.indptr[u + 1]),
      values: history.values.subarray(history.indptr[u], history.indptr[u + 1]),
    };
    const sequence = searchTask.sequences?.[u];
    if (sequence) query.sequence = sequence;
    members.forEach((m, k) => {
      m.model.score(query, raw);
      const z = new Float32Array(n);
      standardiseScores(raw, z);
      cache[k].set(u, z);
    });
  }
  const weights: number[] = members.map((_, k) => (k === options.anchor ? 1 : 0));
  const cached = {
    numItems: n,
    score(query: UserQuery, out: Float32Array): void {
      out.fill(0);
      for (let k = 0; k < members.length; k++) {
        const w = weights[k];
        const z = w === 0 ? undefined : cache[k].get(query.userIdx);
        if (!z) continue;
        for (let i = 0; i < n; i++) out[i] += w * z[i];
      }
    },
  };
  const measure = (): number => {
    const v = evaluateRanking(cached, searchTask, options).metrics[options.metric];
    if (v === undefined) throw new RangeError(`metric "${options.metric}" was not computed`);
    return v;
  };
  let best = measure();
  for (let pass = 0; pass < PASSES; pass++) {
    let moved = false;
    for (let k = 0; k < members.length; k++) {
      if (k === options.anchor) continue;
      const kept = weights[k];
      let bestWeight = kept;
      for (const w of WEIGHT_STEPS) {
        if (w === kept) continue;
        weights[k] = w;
        const score = measure();
        if (score > best * (1 + MIN_GAIN)) {
          best = score;
          bestWeight = w;
        }
      }
      weights[k] = bestWeight;
      if (bestWeight !== kept) moved = true;
    }
    if (!moved) break;
  }
  return { weights: [...weights], score: best };
}
