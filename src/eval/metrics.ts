/**
 * Top-K ranking metrics (as RecBole defines them) and beyond-accuracy metrics over recommendation
 * lists. Per-user values are summed in an accumulator and averaged over evaluated users.
 * @module
 */

/** Accuracy metrics at a cut-off K. */
export const RANKING_METRICS = ['recall', 'ndcg', 'mrr', 'hit', 'precision', 'map'] as const;

/** One of {@link RANKING_METRICS}. */
export type RankingMetric = (typeof RANKING_METRICS)[number];

/** Metric values keyed `name@k`, e.g. `ndcg@10`. */
export type MetricValues = Record<string, number>;

/**
 * Adds one user's metrics at each K to `sums`.
 * @param ranked the user's ranked list, best first (at least max(ks) long unless fewer items exist)
 * @param isRelevant whether an item index is one of the user's held-out targets
 * @param numRelevant number of distinct held-out targets (> 0)
 */
export function addUserRankingMetrics(
  ranked: ArrayLike<number>,
  isRelevant: (itemIdx: number) => boolean,
  numRelevant: number,
  ks: readonly number[],
  sums: Float64Array,
): void {
  const maxK = Math.max(...ks);
  const len = Math.min(maxK, ranked.length);
  const hitAt = new Uint8Array(maxK);
  for (let r = 0; r < len; r++) hitAt[r] = isRelevant(ranked[r]) ? 1 : 0;
  let m = 0;
  for (const k of ks) {
    let hits = 0;
    let dcg = 0;
    let firstHit = 0;
    let apSum = 0;
    for (let r = 0; r < k; r++) {
      if (!hitAt[r]) continue;
      hits++;
      dcg += 1 / Math.log2(r + 2);
      if (firstHit === 0) firstHit = r + 1;
      apSum += hits / (r + 1);
    }
    const idealLen = Math.min(numRelevant, k);
    let idcg = 0;
    for (let r = 0; r < idealLen; r++) idcg += 1 / Math.log2(r + 2);
    sums[m++] += hits / numRelevant; // recall
    sums[m++] += idcg > 0 ? dcg / idcg : 0; // ndcg
    sums[m++] += firstHit > 0 ? 1 / firstHit : 0; // mrr
    sums[m++] += hits > 0 ? 1 : 0; // hit
    sums[m++] += hits / k; // precision
    sums[m++] += idealLen > 0 ? apSum / idealLen : 0; // map
  }
}

/** Names of the slots of an accumulator for `ks`, in the order {@link addUserRankingMetrics} fills them. */
export function metricKeys(ks: readonly number[]): string[] {
  const keys: string[] = [];
  for (const k of ks) for (const name of RANKING_METRICS) keys.push(`${name}@${k}`);
  return keys;
}

/** Averages accumulated sums over `users` users into named values. */
export function finalizeMetrics(sums: Float64Array, ks: readonly number[], users: number): MetricValues {
  const out: MetricValues = {};
  const keys = metricKeys(ks);
  for (let m = 0; m < keys.length; m++) out[keys[m]] = users > 0 ? sums[m] / users : 0;
  return out;
}

/** Beyond-accuracy measures of a set of top-K lists. */
export interface ListMetrics {
  /** Share of the catalogue that appears in at least one list. */
  coverage: number;
  /** Share of recommended slots given to tail items (outside the top 20% by training popularity). */
  tailShare: number;
  /** Mean self-information −log2(popularity share) of recommended items. */
  novelty: number;
  /** Gini index of how often each catalogue item is recommended (0 = even, 1 = one item only). */
  gini: number;
}

/**
 * Which items are "head": the top `headShare` of the catalogue by training popularity (ties by lower
 * index). Returns a mask, 1 = head.
 */
export function headItemMask(itemPopularity: Int32Array, headShare = 0.2): Uint8Array {
  const n = itemPopularity.length;
  const order = Array.from({ length: n }, (_, i) => i);
  order.sort((a, b) => itemPopularity[b] - itemPopularity[a] || a - b);
  const mask = new Uint8Array(n);
  const headCount = Math.ceil(n * headShare);
  for (let r = 0; r < headCount; r++) mask[order[r]] = 1;
  return mask;
}

/**
 * Coverage, tail share, novelty and Gini of recommendation lists.
 * @param lists each user's recommended item indices
 * @param itemPopularity number of training users per item
 * @param numUsers number of training users (for novelty's popularity share)
 */
export function listMetrics(lists: readonly ArrayLike<number>[], itemPopularity: Int32Array, numUsers: number): ListMetrics {
  const numItems = itemPopularity.length;
  const exposure = new Float64Array(numItems);
  const head = headItemMask(itemPopularity);
  let slots = 0;
  let tail = 0;
  let info = 0;
  for (const list of lists) {
    for (let r = 0; r < list.length; r++) {
      const i = list[r];
      exposure[i]++;
      slots++;
      if (!head[i]) tail++;
      info += Math.log2(Math.max(numUsers, 1) / Math.max(itemPopularity[i], 1));
    }
  }
  let covered = 0;
  for (let i = 0; i < numItems; i++) if (exposure[i] > 0) covered++;
  return {
    coverage: numItems > 0 ? covered / numItems : 0,
    tailShare: slots > 0 ? tail / slots : 0,
    novelty: slots > 0 ? info / slots : 0,
    gini: gini(exposure),
  };
}

/** Gini index of non-negative values (0 when all equal or all zero). */
export function gini(values: ArrayLike<number>): number {
  const n = values.length;
  if (n === 0) return 0;
  const sortedValues = Float64Array.from(values).sort();
  let total = 0;
  let weighted = 0;
  for (let i = 0; i < n; i++) {
    total += sortedValues[i];
    weighted += (2 * (i + 1) - n - 1) * sortedValues[i];
  }
  return total > 0 ? weighted / (n * total) : 0;
}
