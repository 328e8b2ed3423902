/**
 * Item cold-start protocol (C16): a share of the catalogue is held out with all its interactions;
 * models train on the rest, hyper-parameters are chosen on a second held-out item set, and each model
 * ranks the held-out items for the users who interacted with them. Ranking is over the held-out items
 * only (their interactions are the targets): collaborative models cannot tell these items apart, so
 * popularity and random sit at the chance level that the report also prints.
 * @module
 */
import { columnCounts } from '../core/csr-matrix.js';
import { throwIfAborted } from '../core/errors.js';
import type { InteractionLog } from '../core/interaction-log.js';
import { createModel, defaultGrid, expandGrid } from '../models/registry.js';
import type { FitReport, ModelParams } from '../models/recommender.js';
import { itemColdStartSplit } from './cold-start.js';
import { evaluateRanking } from './evaluate-ranking.js';
import type { EvaluationResult, RankingTask } from './evaluate-ranking.js';
import { filterByValue, logStats } from './filter.js';
import type { LogStats } from './filter.js';
import { searchGrid } from './grid-widening.js';
import { alignItemVectors, matrixOfRows, withIterationBound } from './protocol.js';
import type { ModelRun, ProtocolHooks } from './protocol.js';

/** Settings of an item cold-start run. */
export interface ColdStartConfig {
  /** Share of items held out for test. */
  testShare: number;
  /** Share of items held out for choosing hyper-parameters. */
  validShare: number;
  /** Positive-feedback threshold; omit to keep all interactions. */
  minValue?: number;
  ks: number[];
  /** Metric that picks hyper-parameters, e.g. `recall@20`. */
  validMetric: string;
  seed: number;
}

/** Default cold-start settings: 20% of items for test, 10% for validation, ratings ≥ 3, K = 10 and 20. */
export const ITEM_COLD_START: ColdStartConfig = { testShare: 0.2, validShare: 0.1, minValue: 3, ks: [10, 20], validMetric: 'recall@20', seed: 2020 };

/** One model's cold-start outcome. */
export interface ColdStartModelResult {
  kind: string;
  params: ModelParams;
  valid: EvaluationResult;
  test: EvaluationResult;
  fit: FitReport;
}

/** Everything a cold-start run measured. */
export interface ColdStartReport {
  config: ColdStartConfig;
  dataset: { name: string; raw: LogStats; filtered: LogStats };
  split: { trainInteractions: number; testItems: number; validItems: number; testUsers: number; testInteractions: number };
  /** Expected Recall@K of a random ranking of the held-out items (K / number of held-out items, capped at 1). */
  chanceRecall: Record<string, number>;
  models: ColdStartModelResult[];
  seconds: number;
}

/** Runs the item cold-start protocol. */
export async function runColdStartProtocol(
  input: InteractionLog,
  datasetName: string,
  config: ColdStartConfig,
  models: readonly ModelRun[],
  hooks: ProtocolHooks = {},
): Promise<ColdStartReport> {
  const t0 = performance.now();
  const raw = logStats(input);
  const log = config.minValue !== undefined ? filterByValue(input, config.minValue) : input;
  const split = itemColdStartSplit(log, config.testShare, config.seed, config.validShare);
  const train = matrixOfRows(log, split.train);
  const valid = matrixOfRows(log, split.valid);
  const test = matrixOfRows(log, split.test);
  const itemPopularity = columnCounts(train);
  const validTask: RankingTask = { history: train, exclude: [train], targets: valid, itemPopularity };
  const testTask: RankingTask = { history: train, exclude: [train], targets: test, itemPopularity };
  const itemEmbeddings = hooks.itemVectors ? alignItemVectors(log.items, hooks.itemVectors) : undefined;
  // Items a model never saw often tie (all 0): break ties at random so that dataset order cannot help.
  const evalValid = { ks: config.ks, candidates: split.validItems, tieBreak: 'random' as const, seed: config.seed, signal: hooks.signal };
  const evalTest = { ks: config.ks, candidates: split.testItems, tieBreak: 'random' as const, seed: config.seed, signal: hooks.signal };
  const results: ColdStartModelResult[] = [];
  for (const run of models) {
    let best: ColdStartModelResult | undefined;
    let bestScore = -Infinity;
    // The same search as the main protocol: iterative models bounded far away, grid edges widened.
    await searchGrid(run.kind, run.grid ?? defaultGrid(run.kind), async (point) => {
      throwIfAborted(hooks.signal);
      const model = createModel(run.kind, withIterationBound(run.kind, point));
      const fit = await model.fit(train, {
        itemEmbeddings,
        signal: hooks.signal,
        logger: hooks.logger,
        onProgress: hooks.onProgress,
        validate: () => evaluateRanking(model, validTask, evalValid).metrics[config.validMetric] ?? 0,
      });
      const v = evaluateRanking(model, validTask, evalValid);
      const score = v.metrics[config.validMetric] ?? 0;
      hooks.logger?.log('info', `cold-start ${run.kind}: valid ${config.validMetric}=${score.toFixed(4)}`, { params: model.params });
      if (score > bestScore) {
        bestScore = score;
        best = { kind: run.kind, params: { ...model.params }, valid: v, test: evaluateRanking(model, testTask, evalTest), fit };
      }
      return { score, params: model.params };
    }, expandGrid);
    if (best) {
      results.push(best);
      hooks.onModel?.({ kind: best.kind, params: best.params, valid: best.valid, test: best.test, fit: best.fit, trials: [] });
    }
  }
  const numTestItems = split.testItems.reduce((a, b) => a + b, 0);
  const chanceRecall: Record<string, number> = {};
  for (const k of config.ks) chanceRecall[`recall@${k}`] = Math.min(1, k / Math.max(numTestItems, 1));
  let testUsers = 0;
  for (let u = 0; u < test.numRows; u++) if (test.indptr[u + 1] > test.indptr[u]) testUsers++;
  return {
    config,
    dataset: { name: datasetName, raw, filtered: logStats(log) },
    split: {
      trainInteractions: split.train.length,
      testItems: numTestItems,
      validItems: split.validItems.reduce((a, b) => a + b, 0),
      testUsers,
      testInteractions: split.test.length,
    },
    chanceRecall,
    models: results,
    seconds: (performance.now() - t0) / 1000,
  };
}

/** Renders a cold-start report as Markdown. */
export function renderColdStartMarkdown(r: ColdStartReport): string {
  const ks = r.config.ks;
  const cols = ks.flatMap((k) => [`recall@${k}`, `ndcg@${k}`, `hit@${k}`]);
  const lines = [
    `# Item cold-start on ${r.dataset.name}`,
    '',
    `${r.split.testItems} of ${r.dataset.filtered.items} items held out for test (${r.split.testInteractions} interactions by ${r.split.testUsers} users) and ${r.split.validItems} for validation; ${r.config.minValue !== undefined ? `value ≥ ${r.config.minValue}` : 'all values'}; models never saw an interaction with a held-out item. Each user's held-out items are ranked among all held-out items (seed ${r.config.seed}).`,
    '',
    `| model | params | ${cols.map((c) => `test ${c}`).join(' | ')} | coverage | fit s |`,
    `|---|---|${cols.map(() => '---').join('|')}|---|---|`,
    ...r.models.map(
      (m) =>
        `| ${m.kind} | ${Object.entries(m.params)
          .filter(([k]) => !['seed', 'evalEvery', 'patience'].includes(k))
          .map(([k, v]) => `${k}=${String(v)}`)
          .join(' ') || '–'} | ${cols.map((c) => (m.test.metrics[c] ?? 0).toFixed(4)).join(' | ')} | ${m.test.lists.coverage.toFixed(3)} | ${m.fit.seconds.toFixed(1)} |`,
    ),
    '',
    `Chance level (random order of the held-out items): ${Object.entries(r.chanceRecall)
      .map(([k, v]) => `${k} ${v.toFixed(4)}`)
      .join(', ')}. Run took ${r.seconds.toFixed(1)} s.`,
  ];
  return lines.join('\n') + '\n';
}
