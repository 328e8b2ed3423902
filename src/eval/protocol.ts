/**
 * Protocol runner: filter → split → for each model, grid search on validation → test at the best
 * validation point → one report. The RecBole general-recommendation protocol is the default.
 * @module
 */
import { columnCounts, csrFromCoo } from '../core/csr-matrix.js';
import type { CsrMatrix } from '../core/csr-matrix.js';
import { throwIfAborted } from '../core/errors.js';
import type { InteractionLog } from '../core/interaction-log.js';
import type { Logger, ProgressCallback } from '../core/logger.js';
import { alignItemAttributes } from '../models/item-attributes.js';
import { SEQUENCE_MODEL_KINDS, createModel, defaultGrid, expandGrid, iterationBound } from '../models/registry.js';
import { createRng, shuffleInPlace } from '../linalg/index.js';
import type { IdDictionary } from '../core/id-dictionary.js';
import type { FitReport, ItemEmbeddings, ModelParams, Recommender } from '../models/recommender.js';
import { evaluateRanking } from './evaluate-ranking.js';
import type { EvaluateOptions, EvaluationResult, RankingTask } from './evaluate-ranking.js';
import { ScoreBlend, fitBlendWeights } from './score-blend.js';
import type { BlendMember } from './score-blend.js';
import { filterByValue, kCoreFilter, logStats } from './filter.js';
import { searchGrid } from './grid-widening.js';
export { MAX_GRID_WIDENINGS } from './grid-widening.js';
import type { KCoreOptions, LogStats } from './filter.js';
import { leaveOneOutSplit, randomRatioSplit, temporalSplit, userSequences } from './split.js';
import type { Split, TieBreak } from './split.js';

/** How to split. */
export type SplitConfig =
  | { kind: 'random-ratio'; ratios: number[] }
  | { kind: 'leave-one-out'; tieBreak?: TieBreak }
  | { kind: 'temporal'; ratios: number[] };

/** A complete evaluation protocol. */
export interface ProtocolConfig {
  /** Short name for reports. */
  name: string;
  /** Keep interactions whose value is at least this (positive-feedback threshold); omit to keep all. */
  minValue?: number;
  /** Iterative k-core filter; omit for none. */
  kCore?: KCoreOptions;
  split: SplitConfig;
  /** Metric cut-offs. */
  ks: number[];
  /** Metric that selects hyper-parameters and early-stopping points, e.g. `ndcg@10`. */
  validMetric: string;
  /** Seed of the split (models carry their own seeds in their parameters). */
  seed: number;
  /** Sampled-negative ranking instead of full ranking (reported as such). */
  sampledNegatives?: number;
  /**
   * Longest sequence sequence models read (`maxLen` of `sasrec` and `gru4rec` unless a grid sets
   * it); omit to keep the models' defaults.
   */
  sequenceLength?: number;
  /**
   * Early stopping of iterative models validates on a seeded sample of this many validation users
   * (hyper-parameter choice and the reported validation still use all of them); omit for all.
   */
  earlyStoppingUsers?: number;
  /**
   * At test time every model also sees the validation interactions in the history (as sequence
   * models see them in their input sequence), as in SASRec's leave-one-out protocol. Models are still
   * trained on the training part only.
   */
  testHistoryIncludesValid?: boolean;
}

/**
 * RecBole's general-recommendation protocol as used for its MovieLens-1M table: ratings ≥ 3, 10-core on
 * users and items, random 8:1:1 split per user, full ranking excluding training items (and validation
 * items at test time), hyper-parameters chosen by validation NDCG@10.
 */
export const RECBOLE_GENERAL: ProtocolConfig = {
  name: 'recbole-general',
  minValue: 3,
  kCore: { minUserInteractions: 10, minItemInteractions: 10 },
  split: { kind: 'random-ratio', ratios: [0.8, 0.1, 0.1] },
  ks: [10],
  validMetric: 'ndcg@10',
  seed: 2020,
};

/** Published test results of RecBole on MovieLens-1M under {@link RECBOLE_GENERAL}, for side-by-side reports. */
export const RECBOLE_ML1M_PUBLISHED: Record<string, { 'ndcg@10': number; 'recall@10'?: number }> = {
  pop: { 'ndcg@10': 0.1006, 'recall@10': 0.0699 },
  itemknn: { 'ndcg@10': 0.2389, 'recall@10': 0.1723 },
  bpr: { 'ndcg@10': 0.2407, 'recall@10': 0.1725 },
  lightgcn: { 'ndcg@10': 0.2476 },
  multivae: { 'ndcg@10': 0.2523 },
  ease: { 'ndcg@10': 0.2865, 'recall@10': 0.2139 },
};

/**
 * The full-ranking leave-one-out protocol of S3-Rec (Zhou et al., CIKM 2020) for sequential
 * recommendation on Amazon S3-Rec files: no filtering (the files are already 5-core), each user's
 * last item is the test target and the one before it the validation target, sequences of at most 50
 * items, all items ranked except the user's history, HR and NDCG at 5, 10 and 20.
 */
export const LOO_SEQ: ProtocolConfig = {
  name: 'loo-seq',
  split: { kind: 'leave-one-out' },
  ks: [5, 10, 20],
  validMetric: 'ndcg@10',
  seed: 2020,
  sequenceLength: 50,
  earlyStoppingUsers: 5000,
  testHistoryIncludesValid: true,
};

/**
 * The MovieLens leave-one-out protocol of LRURec / LlamaRec: every rating is an interaction, 5-core
 * on users and items, leave-one-out by timestamp (ties by item id), sequences of at most 200 items,
 * full ranking with the history excluded, NDCG and Recall at 10.
 */
export const LOO_SEQ_5CORE: ProtocolConfig = {
  name: 'loo-seq-5core',
  kCore: { minUserInteractions: 5, minItemInteractions: 5 },
  split: { kind: 'leave-one-out', tieBreak: 'item' },
  ks: [10],
  validMetric: 'ndcg@10',
  seed: 2020,
  sequenceLength: 200,
  testHistoryIncludesValid: true,
};

/**
 * Published full-ranking results on Amazon Beauty under {@link LOO_SEQ}: SASRec and GRU4Rec as reported
 * with HR/NDCG@5/20, the S3-Rec paper's SASRec at 10, and SASRec's contrastive successors at 20 —
 * DuoRec (Qiu et al., WSDM 2022), ICLRec (Chen et al., WWW 2022) and ICSRec (Qin et al., WSDM 2024),
 * the best published result.
 */
export const BEAUTY_SEQ_PUBLISHED: Record<string, Record<string, number>> = {
  'SASRec': { 'hit@5': 0.0377, 'hit@20': 0.0894, 'ndcg@5': 0.0241, 'ndcg@20': 0.0386 },
  'SASRec (S3-Rec paper)': { 'hit@10': 0.0605, 'ndcg@10': 0.0318 },
  'GRU4Rec': { 'hit@20': 0.0427, 'ndcg@20': 0.0186 },
  'DuoRec': { 'hit@20': 0.1228, 'ndcg@20': 0.0536 },
  'ICLRec': { 'hit@20': 0.1058, 'ndcg@20': 0.0483 },
  'ICSRec': { 'hit@20': 0.1298, 'ndcg@20': 0.0663 },
};

/** Published results on MovieLens latest-small under {@link LOO_SEQ_5CORE} (LRURec / LlamaRec papers). */
export const ML_SMALL_SEQ_PUBLISHED: Record<string, Record<string, number>> = {
  'SASRec': { 'ndcg@10': 0.0522, 'recall@10': 0.0993 },
  'LRURec': { 'ndcg@10': 0.0705 },
  'LlamaRec': { 'ndcg@10': 0.0759 },
};

/** A model to run, with an optional grid replacing its default one. */
export interface ModelRun {
  /** A registered model kind, or {@link BLEND_KIND} for a blend of models run before it. */
  kind: string;
  grid?: Record<string, (number | string | boolean)[]>;
  /** For a blend: the kinds it blends (default: the {@link BLEND_MEMBERS} best on validation of the models run before it). */
  members?: string[];
}

/**
 * The kind of a protocol-level blend entry: the z-scored scores of earlier models of the run at
 * their chosen parameters, summed with weights fitted on validation only (`score-blend.ts`).
 */
export const BLEND_KIND = 'blend';

/**
 * Members of a blend by default: the best models on validation. Every extra member adds weights
 * fitted on the same validation users; with all seven CF models on ml-100k the fitted blend gained
 * on validation (.2535 vs .2483) and lost on test (.2992 vs .3031).
 */
export const BLEND_MEMBERS = 3;

/** One grid point. */
export interface Trial {
  params: ModelParams;
  /** Validation value of the protocol's metric. */
  validScore: number;
  fit: FitReport;
}

/** A model's outcome under the protocol. */
export interface ModelResult {
  kind: string;
  /** Best hyper-parameters by validation. */
  params: ModelParams;
  valid: EvaluationResult;
  test: EvaluationResult;
  fit: FitReport;
  trials: Trial[];
  /** Values added beyond the grid's edges by key, in the order tried (absent when none were). */
  widened?: Record<string, number[]>;
}

/** Everything a protocol run measured. */
export interface ProtocolReport {
  protocol: ProtocolConfig;
  dataset: { name: string; raw: LogStats; filtered: LogStats };
  split: { train: number; valid: number; test: number; validUsers: number; testUsers: number };
  /** `full` or `sampled-<n>`. */
  mode: string;
  models: ModelResult[];
  /** False in the reports written while a run goes on (`ProtocolHooks.onReport`), true at its end. */
  complete: boolean;
  /** The models the run was asked for, in order. */
  modelsPlanned: string[];
  /** Seconds for the whole run (so far, in a report written while it goes on). */
  seconds: number;
  /** ISO time the run finished. */
  finishedAt: string;
}

/** Text vectors of items by external id, for text-aware models. */
export interface ItemVectorSource {
  dim: number;
  /** The item's vector, or undefined when it has no text. */
  vectorOf(itemId: string): Float32Array | undefined;
}

/** Embeddings aligned with `items`' dense indices (zero rows for items without a vector). */
export function alignItemVectors(items: IdDictionary, source: ItemVectorSource): ItemEmbeddings {
  const vectors = new Float32Array(items.size * source.dim);
  for (let i = 0; i < items.size; i++) {
    const v = source.vectorOf(items.idAt(i));
    if (v) vectors.set(v.subarray(0, source.dim), i * source.dim);
  }
  return { vectors, dim: source.dim };
}

/** Hooks of a protocol run. */
export interface ProtocolHooks {
  /** Item text vectors; required when a text-aware model (`semantic`, `hybrid`) is run. */
  itemVectors?: ItemVectorSource;
  /**
   * Categorical attributes by external item id (e.g. an S3-Rec `*_item2attributes.json`), passed to
   * the models as `FitContext.itemAttributes` (side information of `sasrec`).
   */
  itemAttributes?: ReadonlyMap<string, readonly (number | string)[]>;
  signal?: AbortSignal;
  onProgress?: ProgressCallback;
  logger?: Logger;
  /** Called when a model finishes, e.g. to print its row at once. */
  onModel?: (result: ModelResult) => void;
  /**
   * Called after each model with the report so far (`complete` false until the last model), e.g. to
   * write report.json as a long run goes on, so that a stopped run keeps what it measured.
   */
  onReport?: (report: ProtocolReport) => void;
}

/** Splits `log` as `config` says. */
export function splitLog(log: InteractionLog, config: SplitConfig, seed: number): Split {
  if (config.kind === 'random-ratio') return randomRatioSplit(log, config.ratios, seed);
  if (config.kind === 'leave-one-out') return leaveOneOutSplit(log, config.tieBreak);
  return temporalSplit(log, config.ratios);
}

/** The users × items matrix of the given rows of `log` (duplicate pairs merged). */
export function matrixOfRows(log: InteractionLog, rows: Int32Array, binary = true): CsrMatrix {
  const r = new Int32Array(rows.length);
  const c = new Int32Array(rows.length);
  const v = new Float32Array(rows.length);
  for (let k = 0; k < rows.length; k++) {
    r[k] = log.userIdx[rows[k]];
    c[k] = log.itemIdx[rows[k]];
    v[k] = binary ? 1 : log.value[rows[k]];
  }
  return csrFromCoo(log.users.size, log.items.size, r, c, v, 'max');
}

/** Prepared data of a protocol: filtered log, split, and the two ranking tasks. */
export interface PreparedProtocol {
  log: InteractionLog;
  raw: LogStats;
  split: Split;
  train: CsrMatrix;
  validTask: RankingTask;
  testTask: RankingTask;
  /** Each user's training items in time order (what sequence models train on). */
  trainSequences: Int32Array[];
}

/** Applies filtering and splitting and builds the validation and test tasks. */
export function prepareProtocol(input: InteractionLog, config: ProtocolConfig): PreparedProtocol {
  const raw = logStats(input);
  let log = input;
  if (config.minValue !== undefined) log = filterByValue(log, config.minValue);
  if (config.kCore) log = kCoreFilter(log, config.kCore);
  const split = splitLog(log, config.split, config.seed);
  const train = matrixOfRows(log, split.train);
  const valid = matrixOfRows(log, split.valid);
  const test = matrixOfRows(log, split.test);
  const itemPopularity = columnCounts(train);
  const tieBreak = config.split.kind === 'leave-one-out' ? config.split.tieBreak : undefined;
  const trainSequences = userSequences(log, split.train, tieBreak);
  // At test time the sequence also holds the validation item, as in SASRec's protocol.
  const trainAndValid = new Int32Array(split.train.length + split.valid.length);
  trainAndValid.set(split.train);
  trainAndValid.set(split.valid, split.train.length);
  const testSequences = userSequences(log, trainAndValid, tieBreak);
  return {
    log,
    raw,
    split,
    train,
    validTask: { history: train, exclude: [train], targets: valid, itemPopularity, sequences: trainSequences },
    testTask: {
      history: config.testHistoryIncludesValid ? matrixOfRows(log, trainAndValid) : train,
      exclude: [train, valid],
      targets: test,
      itemPopularity,
      sequences: testSequences,
    },
    trainSequences,
  };
}

function usersWithRows(m: CsrMatrix): number {
  let n = 0;
  for (let u = 0; u < m.numRows; u++) if (m.indptr[u + 1] > m.indptr[u]) n++;
  return n;
}

/** Runs `models` under `config` on `log`. */
export async function runProtocol(
  log: InteractionLog,
  datasetName: string,
  config: ProtocolConfig,
  models: readonly ModelRun[],
  hooks: ProtocolHooks = {},
): Promise<ProtocolReport> {
  const t0 = performance.now();
  const prepared = prepareProtocol(log, config);
  const { train, validTask, testTask, split } = prepared;
  const stoppingTask = config.earlyStoppingUsers ? sampleTaskUsers(validTask, config.earlyStoppingUsers, config.seed) : validTask;
  const evalOptions = { ks: config.ks, sampledNegatives: config.sampledNegatives, seed: config.seed, signal: hooks.signal };
  const validOnly = { ...evalOptions, ks: [...new Set([...config.ks, metricCutoff(config.validMetric)])] };
  const itemEmbeddings = hooks.itemVectors ? alignItemVectors(prepared.log.items, hooks.itemVectors) : undefined;
  const attributeMap = hooks.itemAttributes;
  const itemAttributes = attributeMap ? alignItemAttributes(prepared.log.items.size, (i) => prepared.log.items.idAt(i), (id) => attributeMap.get(id)) : undefined;
  const results: ModelResult[] = [];
  const reportSoFar = (complete: boolean): ProtocolReport => ({
    protocol: config,
    dataset: { name: datasetName, raw: prepared.raw, filtered: logStats(prepared.log) },
    split: {
      train: split.train.length,
      valid: split.valid.length,
      test: split.test.length,
      validUsers: usersWithRows(validTask.targets),
      testUsers: usersWithRows(testTask.targets),
    },
    mode: config.sampledNegatives ? `sampled-${config.sampledNegatives}` : 'full',
    models: [...results],
    complete,
    modelsPlanned: models.map((m) => m.kind),
    seconds: (performance.now() - t0) / 1000,
    finishedAt: new Date().toISOString(),
  });
  // Fitted models at their chosen parameters, kept only when a blend comes later in the run.
  const fitted = new Map<string, Recommender>();
  const keepFitted = (index: number): boolean => models.slice(index + 1).some((m) => m.kind === BLEND_KIND);
  for (const [runIndex, run] of models.entries()) {
    if (run.kind === BLEND_KIND) {
      const result = blendResult(run, fitted, results, { validTask, testTask, validOnly, evalOptions, config, signal: hooks.signal });
      results.push(result);
      hooks.onModel?.(result);
      hooks.onReport?.(reportSoFar(results.length === models.length));
      continue;
    }
    const trials: Trial[] = [];
    const iterations = iterationBound(run.kind);
    let best: { params: ModelParams; score: number; valid: EvaluationResult; test: EvaluationResult; fit: FitReport } | undefined;
    const tryPoint = async (point: ModelParams, phase: string): Promise<{ score: number; params: ModelParams }> => {
      throwIfAborted(hooks.signal);
      // Iterative models run until validation stops improving: the cap is only a bound.
      const params = withIterationBound(run.kind, point);
      const model = createModel(run.kind, withSequenceLength(run.kind, params, config));
      const fit = await model.fit(train, {
        itemEmbeddings,
        signal: hooks.signal,
        logger: hooks.logger,
        onProgress: (p, done, total) => hooks.onProgress?.(`${phase} ${p}`, done, total),
        validate: () => pick(evaluateRanking(model, stoppingTask, validOnly), config.validMetric),
        sequences: prepared.trainSequences,
        ...(itemAttributes ? { itemAttributes } : {}),
      });
      if (iterations && fit.bestEpoch !== undefined && fit.bestEpoch >= Number(model.params[iterations.key])) {
        hooks.logger?.log('warn', `${phase}: validation still improved at the last of ${String(model.params[iterations.key])} ${iterations.key}`, { params: model.params });
      }
      const valid = evaluateRanking(model, validTask, validOnly);
      const score = pick(valid, config.validMetric);
      trials.push({ params: { ...model.params }, validScore: score, fit });
      hooks.logger?.log('info', `${phase}: valid ${config.validMetric}=${score.toFixed(4)}`, { params: model.params });
      if (!best || score > best.score) {
        // Test now, while this model is in memory, so only the chosen one's test result is kept.
        const test = evaluateRanking(model, testTask, evalOptions);
        best = { params: { ...model.params }, score, valid, test, fit };
        if (keepFitted(runIndex)) fitted.set(run.kind, model);
      }
      return { score, params: model.params };
    };
    const widened = await searchGrid(run.kind, run.grid ?? defaultGrid(run.kind), tryPoint, expandGrid);
    if (!best) throw new RangeError(`model ${run.kind} has an empty hyper-parameter grid`);
    const result: ModelResult = { kind: run.kind, params: best.params, valid: best.valid, test: best.test, fit: best.fit, trials };
    if (Object.keys(widened).length > 0) result.widened = widened;
    results.push(result);
    hooks.onModel?.(result);
    hooks.onReport?.(reportSoFar(results.length === models.length));
  }
  return reportSoFar(true);
}

/** What a blend entry needs of the run. */
interface BlendContext {
  validTask: RankingTask;
  testTask: RankingTask;
  validOnly: EvaluateOptions;
  evalOptions: EvaluateOptions;
  config: ProtocolConfig;
  signal: AbortSignal | undefined;
}

/** Fits a blend's weights on validation and tests it; its params are the weights by member. */
function blendResult(run: ModelRun, fitted: ReadonlyMap<string, Recommender>, results: readonly ModelResult[], c: BlendContext): ModelResult {
  const t0 = performance.now();
  const metric = c.config.validMetric;
  const names =
    run.members ??
    results
      .filter((r) => r.kind !== BLEND_KIND)
      .sort((a, b) => pick(b.valid, metric) - pick(a.valid, metric))
      .slice(0, BLEND_MEMBERS)
      .map((r) => r.kind);
  const members: BlendMember[] = names.map((name) => {
    const model = fitted.get(name);
    if (!model) throw new RangeError(`blend member "${name}" must be a model run before the blend`);
    return { name, model };
  });
  if (members.length === 0) throw new RangeError('a blend needs at least one model run before it');
  const memberScores = names.map((name) => results.find((r) => r.kind === name)?.valid.metrics[metric] ?? -Infinity);
  const anchor = memberScores.indexOf(Math.max(...memberScores));
  const { weights } = fitBlendWeights(members, c.validTask, {
    ...c.validOnly,
    metric,
    anchor,
    sample: (task, users) => sampleTaskUsers(task, users, c.config.seed),
  });
  const blend = new ScoreBlend(members, weights);
  const valid = evaluateRanking(blend, c.validTask, c.validOnly);
  throwIfAborted(c.signal);
  const test = evaluateRanking(blend, c.testTask, c.evalOptions);
  const seconds = (performance.now() - t0) / 1000;
  return { kind: BLEND_KIND, params: blend.params, valid, test, fit: { seconds, epochs: 1 }, trials: [{ params: blend.params, validScore: pick(valid, metric), fit: { seconds, epochs: 1 } }] };
}


/** `point` with the far iteration bound of an iterative model, unless the point sets its cap itself. */
export function withIterationBound(kind: string, point: ModelParams): ModelParams {
  const iterations = iterationBound(kind);
  return iterations && !(iterations.key in point) ? { ...point, [iterations.key]: iterations.bound } : point;
}

/** `params` with the protocol's sequence length as `maxLen` for sequence models that do not set it. */
function withSequenceLength(kind: string, params: ModelParams, config: ProtocolConfig): ModelParams {
  if (config.sequenceLength === undefined || !SEQUENCE_MODEL_KINDS.includes(kind) || 'maxLen' in params) return params;
  return { ...params, maxLen: config.sequenceLength };
}

/** `task` restricted to a seeded sample of `count` of its users with targets. */
export function sampleTaskUsers(task: RankingTask, count: number, seed: number): RankingTask {
  const { targets } = task;
  const users: number[] = [];
  for (let u = 0; u < targets.numRows; u++) if (targets.indptr[u + 1] > targets.indptr[u]) users.push(u);
  if (users.length <= count) return task;
  const chosen = shuffleInPlace(Int32Array.from(users), createRng(seed ^ 0x2545f491)).subarray(0, count);
  const rows: number[] = [];
  const cols: number[] = [];
  for (const u of chosen) {
    for (let p = targets.indptr[u]; p < targets.indptr[u + 1]; p++) {
      rows.push(u);
      cols.push(targets.indices[p]);
    }
  }
  return { ...task, targets: csrFromCoo(targets.numRows, targets.numCols, rows, cols, null, 'max') };
}

function metricCutoff(metric: string): number {
  const k = Number(metric.split('@')[1]);
  if (!Number.isInteger(k) || k <= 0) throw new RangeError(`validation metric must look like "ndcg@10", got "${metric}"`);
  return k;
}

function pick(result: EvaluationResult, metric: string): number {
  const v = result.metrics[metric];
  if (v === undefined) throw new RangeError(`metric "${metric}" was not computed; available: ${Object.keys(result.metrics).join(', ')}`);
  return v;
}
