/**
 * Offline training and evaluation of the learned ranker (C11). Each user's most recent positive
 * interactions are held out (a seeded, per-user temporal holdout); the candidate sources are fitted
 * on the rest; for every user the sources' lists are built as of the user's holdout time (trending,
 * popularity and fresh items replay the event log up to that moment); held-out items are the
 * positives. Users are split (seeded) into ranker-training and validation users; the ranker and
 * every single source are scored on the same validation users with the harness's NDCG and recall.
 * @module
 */
import { csrFromCoo } from '../core/csr-matrix.js';
import type { CsrMatrix } from '../core/csr-matrix.js';
import { ValidationError, throwIfAborted } from '../core/errors.js';
import type { InteractionLog } from '../core/interaction-log.js';
import type { ProgressCallback } from '../core/logger.js';
import type { Event } from '../core/types.js';
import type { Engine } from '../engine/engine.js';
import { DEFAULT_FEEDBACK_POLICY } from '../engine/feedback-policy.js';
import { alignItemVectors } from '../eval/protocol.js';
import type { ItemVectorSource } from '../eval/protocol.js';
import { addUserRankingMetrics, finalizeMetrics, metricKeys } from '../eval/metrics.js';
import { createRng, topK } from '../linalg/index.js';
import { CF_MODEL_KINDS, TEXT_MODEL_KINDS, createModel } from '../models/registry.js';
import type { ModelParams, Recommender } from '../models/recommender.js';
import type { Candidate } from './candidate-source.js';
import { createFreshSource } from './fresh-source.js';
import { fitRanker } from './learned-ranker.js';
import { LearnedRanker } from './learned-ranker.js';
import type { RankerFitOptions, RankerFitReport, RankingGroup } from './learned-ranker.js';
import { LiveItemSignals } from './live-item-signals.js';
import { buildFeatureRows, featureNames } from './ranker-features.js';
import type { FeatureRows } from './ranker-features.js';
import { SEQUENTIAL_SOURCE_MODELS } from './sequential-source.js';
import { sessionCandidates } from './session-source.js';
import { createTrendingSource } from './trending-source.js';
import { DEFAULT_SESSION_WINDOW_MS } from './user-state.js';
import type { UserState } from './user-state.js';

/** A collaborative or text model to use as a candidate source. */
export interface SourceModelSpec {
  kind: string;
  params?: ModelParams;
}

/** Options of {@link prepareRankerData} and {@link trainRanker}. */
export interface RankerTrainingOptions {
  /** Model sources (default ease and itemknn). */
  models?: readonly SourceModelSpec[];
  /** Item text vectors, required when a text model (semantic, hybrid) is among `models`. */
  itemVectors?: ItemVectorSource;
  /** Creation times of items, when known (else an item is born at its first event). */
  itemCreatedAt?: ReadonlyMap<string, number>;
  /** Share of each user's positive interactions held out, latest first (default 0.2). */
  holdoutShare?: number;
  /** At most this many held out per user (default 10). */
  maxHoldout?: number;
  /** Users with fewer training interactions than this are not evaluated (default 5). */
  minTrain?: number;
  /** Share of evaluated users kept for validation (default 0.3). */
  validShare?: number;
  /**
   * At most this many users are evaluated (a seeded sample; default 5,000): each costs a pass of
   * every source over the catalogue, and a ranker of a few dozen weights learns as well from 5,000
   * query groups as from 100,000.
   */
  maxUsers?: number;
  seed?: number;
  /** Candidates per source (default 100). */
  candidatesPerSource?: number;
  /**
   * Catalogue size below which an indexed source's lists are its exact scores (default
   * {@link EXACT_RANKER_LISTS_UP_TO}); from it on, the lists its index serves.
   */
  exactListsUpTo?: number;
  trendingHalfLifeMs?: number;
  sessionWindowMs?: number;
  sessionMaxEvents?: number;
  /** Options of the ranker fit. */
  ranker?: RankerFitOptions;
  signal?: AbortSignal;
  onProgress?: ProgressCallback;
}

/** One evaluated user of the held-out split. */
export interface RankerExample {
  userId: string;
  /** Candidate lists per source, best first. */
  lists: Map<string, Candidate[]>;
  rows: FeatureRows;
  labels: Uint8Array;
  /** Held-out item ids. */
  targets: Set<string>;
  validation: boolean;
  /**
   * Validation users only, when a source model answers requests from a retrieval index (`retrieve`):
   * the lists and rows as the serving path builds them, with the indexed sources' candidates from
   * their index instead of their exact scores. The table compares the ranker on both.
   */
  served?: { lists: Map<string, Candidate[]>; rows: FeatureRows };
}

/** Everything built from the held-out split. */
export interface RankerData {
  sources: string[];
  featureNames: string[];
  examples: RankerExample[];
  /** Held-out interactions. */
  heldOut: number;
  /** Source fitting time, seconds. */
  fitSeconds: number;
}

/** One line of the evaluation table. */
export interface RankerEvaluationRow {
  /** `ranker`, `fusion` (reciprocal-rank fusion of all sources, for reference) or a source name. */
  name: string;
  kind: 'ranker' | 'fusion' | 'source';
  'ndcg@10': number;
  'recall@10': number;
  users: number;
}

/** What {@link trainRanker} produced. */
export interface RankerTrainingResult {
  ranker: LearnedRanker;
  fit: RankerFitReport;
  /** Validation metrics, best NDCG@10 first. */
  table: RankerEvaluationRow[];
  /** The single source with the highest validation NDCG@10. */
  bestSource: string;
  split: { trainUsers: number; validUsers: number; heldOut: number };
  seconds: number;
}

const FIXED_SOURCES = ['popularity', 'trending', 'session', 'fresh'] as const;

/**
 * Catalogue size up to which an indexed source's ranker lists are its exact scores (besides its
 * index's, for validation users); from it on, its index's lists only (exact scoring of every item for
 * each of thousands of users would cost more than the fit: half a second per user for the semantic
 * model at 1M items).
 */
export const EXACT_RANKER_LISTS_UP_TO = 200_000;

/**
 * The ranker's row in the validation table when its indexed sources' candidates come from their
 * retrieval index, as they are served (present when any source has one).
 */
export const SERVED_RANKER = 'ranker (indexed retrieval, as served)';

/** A model whose `retrieve` answers from an index (what `Engine.retrieveForUser` calls). */
function isIndexed(model: Recommender): model is Recommender & { retrieve: NonNullable<Recommender['retrieve']> } {
  return typeof model.retrieve === 'function' && (model as { indexed?: boolean }).indexed === true;
}

/** The name the learned ranker is stored under (`storage.models`), and its training job's name. */
export const RANKER_MODEL = 'ranker';

/** Builds the held-out split, fits the sources and the per-user candidate lists and features. */
export async function prepareRankerData(log: InteractionLog, options: RankerTrainingOptions = {}): Promise<RankerData> {
  const t0 = performance.now();
  const { signal } = options;
  const rng = createRng(options.seed ?? 2020);
  const numUsers = log.users.size;
  const numItems = log.items.size;
  const n = log.userIdx.length;
  // Each user's first interaction per item, in time order.
  const perUser: number[][] = Array.from({ length: numUsers }, () => []);
  const order = Array.from({ length: n }, (_, e) => e).sort((a, b) => log.timestamp[a] - log.timestamp[b] || a - b);
  for (const e of order) perUser[log.userIdx[e]].push(e);
  // Keep each user's first event per item: a stamp per item (the user's index + 1) marks those seen,
  // where a set of (user, item) keys held every event and stops growing at 2^24 entries.
  const seenBy = new Int32Array(numItems);
  for (let u = 0; u < numUsers; u++) {
    const evs = perUser[u];
    let kept = 0;
    for (const e of evs) {
      const i = log.itemIdx[e];
      if (seenBy[i] === u + 1) continue;
      seenBy[i] = u + 1;
      evs[kept++] = e;
    }
    evs.length = kept;
  }
  const share = options.holdoutShare ?? 0.2;
  const maxHold = options.maxHoldout ?? 10;
  const minTrain = options.minTrain ?? 5;
  const trainU: number[] = [];
  const trainI: number[] = [];
  const cutoff = new Float64Array(numUsers).fill(Infinity);
  const trainEvents: number[][] = Array.from({ length: numUsers }, () => []);
  const holdout: Set<number>[] = Array.from({ length: numUsers }, () => new Set<number>());
  let heldOut = 0;
  for (let u = 0; u < numUsers; u++) {
    const evs = perUser[u];
    const hold = Math.min(maxHold, Math.max(1, Math.round(evs.length * share)));
    const keep = evs.length - hold >= minTrain ? evs.length - hold : evs.length;
    for (let p = 0; p < evs.length; p++) {
      const e = evs[p];
      if (p < keep) {
        trainU.push(u);
        trainI.push(log.itemIdx[e]);
        trainEvents[u].push(e);
      } else {
        holdout[u].add(log.itemIdx[e]);
        heldOut++;
      }
    }
    if (keep < evs.length) cutoff[u] = log.timestamp[evs[keep]];
  }
  const train = csrFromCoo(numUsers, numItems, Int32Array.from(trainU), Int32Array.from(trainI), null, 'max');
  const splitMs = performance.now() - t0;

  // The evaluated users (a seeded sample) in time order of their cutoffs, and the validation share.
  let users = Array.from({ length: numUsers }, (_, u) => u).filter((u) => cutoff[u] < Infinity);
  const maxUsers = options.maxUsers ?? 5_000;
  if (users.length > maxUsers) {
    // Its own stream, so that the split of a smaller data set does not depend on the cap.
    const pick = createRng((options.seed ?? 2020) + 1);
    for (let i = 0; i < maxUsers; i++) {
      const j = i + pick.int(users.length - i);
      [users[i], users[j]] = [users[j], users[i]];
    }
    users = users.slice(0, maxUsers);
  }
  users.sort((a, b) => cutoff[a] - cutoff[b] || a - b);
  const validation = new Set<number>();
  const shuffled = Int32Array.from(users).sort();
  for (let i = shuffled.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]];
  }
  const nValid = Math.round(shuffled.length * (options.validShare ?? 0.3));
  for (let i = 0; i < nValid; i++) validation.add(shuffled[i]);

  // Fit the model sources on the training part, one at a time: each source's candidate lists for
  // every evaluated user are built right after its fit and the model is let go before the next one
  // is fitted, so memory holds one model (and item-kNN, which the session source reads), not all.
  const specs = options.models ?? [{ kind: 'ease' }, { kind: 'itemknn' }];
  const embeddings = options.itemVectors ? alignItemVectors(log.items, options.itemVectors) : undefined;
  const k = options.candidatesPerSource ?? 100;
  // Each user's training items in time order, for sequence models (served as the `sequential` source).
  const sequences = trainEvents.map((evs) => Int32Array.from(evs, (e) => log.itemIdx[e]));
  /** Per evaluated user (position in `users`): each source's list, exact and as served. */
  const exactLists = users.map(() => new Map<string, Candidate[]>());
  const servedLists = users.map(() => new Map<string, Candidate[]>());
  const modelSources: string[] = [];
  let fitMs = 0;
  let sessionModel: Recommender | undefined;
  const scores = new Float32Array(numItems);
  const mask = new Uint8Array(numItems);
  for (const spec of specs) {
    throwIfAborted(signal);
    if (TEXT_MODEL_KINDS.includes(spec.kind) && !embeddings) throw new ValidationError(`model "${spec.kind}" needs item text vectors (itemVectors)`, { details: { model: spec.kind } });
    const sequential = SEQUENTIAL_SOURCE_MODELS.includes(spec.kind);
    const source = sequential ? 'sequential' : spec.kind;
    if (modelSources.includes(source)) continue;
    const model = createModel(spec.kind, spec.params ?? {});
    const fitStart = performance.now();
    await model.fit(train, { signal, itemEmbeddings: embeddings, onProgress: options.onProgress, ...(sequential ? { sequences } : {}) });
    fitMs += performance.now() - fitStart;
    modelSources.push(source);
    if (spec.kind === 'itemknn') sessionModel = model;
    const indexed = !sequential && isIndexed(model);
    // On a large catalogue an indexed source's exact scores (every item, per user) would cost more
    // than its fit: its lists are then the index's, as served, in both.
    const exactToo = !indexed || numItems < (options.exactListsUpTo ?? EXACT_RANKER_LISTS_UP_TO);
    for (let q = 0; q < users.length; q++) {
      if ((q & 31) === 0) {
        throwIfAborted(signal);
        options.onProgress?.(`ranker candidates (${source})`, q, users.length);
      }
      const u = users[q];
      const itemsRow = train.indices.subarray(train.indptr[u], train.indptr[u + 1]);
      const valuesRow = train.values.subarray(train.indptr[u], train.indptr[u + 1]);
      const query = { userIdx: u, items: itemsRow, values: valuesRow, ...(sequential ? { sequence: sequences[u] } : {}) };
      for (const i of itemsRow) mask[i] = 1;
      const asList = (top: { indices: Int32Array; scores: Float32Array }): Candidate[] => Array.from(top.indices, (i, r) => ({ itemId: log.items.idAt(i), score: top.scores[r] }));
      const found = indexed && (validation.has(u) || !exactToo) ? model.retrieve(query, k, mask) : undefined;
      const retrieved = found === undefined ? undefined : asList(found);
      let exact = exactToo ? undefined : retrieved;
      if (exact === undefined) {
        scores.fill(0);
        model.score(query, scores);
        exact = asList(topK(scores, k, mask));
      }
      exactLists[q].set(source, exact);
      if (retrieved && validation.has(u)) servedLists[q].set(source, retrieved);
      for (const i of itemsRow) mask[i] = 0;
    }
  }
  if (sessionModel === undefined) {
    const fitStart = performance.now();
    sessionModel = await fitItemKnn(train, signal);
    fitMs += performance.now() - fitStart;
  }
  const sources = [...modelSources.filter((name) => name !== 'sequential'), ...(modelSources.includes('sequential') ? ['sequential'] : []), ...FIXED_SOURCES];
  const names = featureNames(sources);
  // The split (from the start) and the fits, not the candidate lists built between them.
  const fitSeconds = (splitMs + fitMs) / 1000;

  // Replay the log in time order; each evaluated user is served at their cutoff.
  const signals = new LiveItemSignals({ policy: DEFAULT_FEEDBACK_POLICY, trendingHalfLifeMs: options.trendingHalfLifeMs });
  if (options.itemCreatedAt) signals.observeItems([...options.itemCreatedAt].map(([id, createdAt]) => ({ id, title: id, createdAt })), undefined);
  const trending = createTrendingSource(signals.trending, 'trending');
  const popularity = createTrendingSource(signals.popularityCounts, 'popularity');
  const fresh = createFreshSource({ signals });

  const windowMs = options.sessionWindowMs ?? DEFAULT_SESSION_WINDOW_MS;
  const sessionMax = options.sessionMaxEvents ?? 10;
  const examples: RankerExample[] = [];
  let replayed = 0;
  for (let q = 0; q < users.length; q++) {
    const u = users[q];
    const now = cutoff[u];
    while (replayed < n && log.timestamp[order[replayed]] < now) {
      const e = order[replayed++];
      signals.observe(asEvent(log, e));
    }
    if ((q & 31) === 0) {
      throwIfAborted(signal);
      options.onProgress?.('ranker candidates', q, users.length);
    }
    const evs = trainEvents[u];
    const positives = evs.map((e) => log.items.idAt(log.itemIdx[e]));
    const seen = new Set(positives);
    const session: string[] = [];
    for (let p = evs.length - 1; p >= 0 && session.length < sessionMax; p--) {
      if (log.timestamp[evs[p]] < now - windowMs) break;
      session.push(positives[p]);
    }
    session.reverse();
    const userId = log.users.idAt(u);
    const state: UserState = {
      userId,
      events: [],
      positives,
      positiveWeights: new Map(positives.map((id) => [id, 1])),
      negatives: new Set(),
      seen,
      session,
      lastEventAt: evs.length > 0 ? log.timestamp[evs[evs.length - 1]] : undefined,
    };
    const lists = new Map<string, Candidate[]>();
    for (const name of sources) {
      const list = exactLists[q].get(name);
      if (list) lists.set(name, list);
    }
    const request = { userId, state, k, now };
    lists.set('popularity', (await popularity.generate(request)).candidates);
    lists.set('trending', (await trending.generate(request)).candidates);
    lists.set('session', sessionCandidates(sessionModel, log.items, session, seen, k));
    lists.set('fresh', (await fresh.generate(request)).candidates);
    const rows = buildFeatureRows(sources, lists, { historyLength: positives.length, sessionLength: session.length, now, signals });
    const targets = new Set(Array.from(holdout[u], (i) => log.items.idAt(i)));
    const labels = Uint8Array.from(rows.itemIds, (id) => (targets.has(id) ? 1 : 0));
    const example: RankerExample = { userId, lists, rows, labels, targets, validation: validation.has(u) };
    const served = servedLists[q];
    if (validation.has(u) && served.size > 0) {
      const both = new Map([...lists].map(([name, list]) => [name, served.get(name) ?? list]));
      example.served = { lists: both, rows: buildFeatureRows(sources, both, { historyLength: positives.length, sessionLength: session.length, now, signals }) };
    }
    examples.push(example);
    // Built into the example: the per-user lists are not needed any longer.
    exactLists[q].clear();
    servedLists[q].clear();
  }
  options.onProgress?.('ranker candidates', users.length, users.length);
  return { sources, featureNames: names, examples, heldOut, fitSeconds };
}

/** Fits the ranker on the training users of `data`. */
export function fitRankerOn(data: RankerData, options: RankerFitOptions = {}): { ranker: LearnedRanker; report: RankerFitReport } {
  const groups: RankingGroup[] = data.examples.filter((x) => !x.validation).map((x) => ({ features: x.rows.features, labels: x.labels }));
  return fitRanker(data.sources, data.featureNames, groups, options);
}

/**
 * Validation NDCG@10 and Recall@10 of `ranker`, of reciprocal-rank fusion and of every single
 * source, on the same validation users (relevance = held-out items; a held-out item no list
 * proposes counts as a miss for everyone). Sorted by NDCG@10, best first.
 */
export function evaluateRanker(ranker: LearnedRanker, data: RankerData): RankerEvaluationRow[] {
  const ks = [10];
  const valid = data.examples.filter((x) => x.validation);
  const runs = new Map<string, { kind: RankerEvaluationRow['kind']; sums: Float64Array }>();
  const add = (name: string, kind: RankerEvaluationRow['kind'], ranked: readonly string[], x: RankerExample): void => {
    let run = runs.get(name);
    if (!run) runs.set(name, (run = { kind, sums: new Float64Array(metricKeys(ks).length) }));
    const positions = Int32Array.from(ranked.keys());
    addUserRankingMetrics(positions, (r) => x.targets.has(ranked[r]), x.targets.size, ks, run.sums);
  };
  for (const x of valid) {
    const n = x.rows.itemIds.length;
    const s = new Float32Array(n);
    ranker.score(x.rows.features, n, s);
    add('ranker', 'ranker', topIds(x.rows.itemIds, s, 10), x);
    const fused = new Float32Array(n);
    const at = new Map(x.rows.itemIds.map((id, r) => [id, r]));
    for (const list of x.lists.values()) list.forEach((c, r) => (fused[at.get(c.itemId) as number] += 1 / (60 + r + 1)));
    add('fusion', 'fusion', topIds(x.rows.itemIds, fused, 10), x);
    for (const name of data.sources) add(name, 'source', (x.lists.get(name) ?? []).slice(0, 10).map((c) => c.itemId), x);
    if (x.served) {
      const m = x.served.rows.itemIds.length;
      const t = new Float32Array(m);
      ranker.score(x.served.rows.features, m, t);
      add(SERVED_RANKER, 'ranker', topIds(x.served.rows.itemIds, t, 10), x);
    }
  }
  const rows: RankerEvaluationRow[] = [];
  for (const [name, run] of runs) {
    const m = finalizeMetrics(run.sums, ks, valid.length);
    rows.push({ name, kind: run.kind, 'ndcg@10': m['ndcg@10'], 'recall@10': m['recall@10'], users: valid.length });
  }
  return rows.sort((a, b) => b['ndcg@10'] - a['ndcg@10']);
}

/** Prepares the split, fits the ranker on the training users and evaluates it on the validation users. */
export async function trainRanker(log: InteractionLog, options: RankerTrainingOptions = {}): Promise<RankerTrainingResult> {
  const t0 = performance.now();
  const data = await prepareRankerData(log, options);
  const { ranker, report } = fitRankerOn(data, { seed: options.seed, signal: options.signal, ...options.ranker });
  const table = evaluateRanker(ranker, data);
  const best = table.filter((r) => r.kind === 'source')[0];
  const validUsers = data.examples.filter((x) => x.validation).length;
  return {
    ranker,
    fit: report,
    table,
    bestSource: best?.name ?? '',
    split: { trainUsers: data.examples.length - validUsers, validUsers, heldOut: data.heldOut },
    seconds: (performance.now() - t0) / 1000,
  };
}

/** Options of {@link trainEngineRanker}. */
export interface EngineRankerOptions extends Omit<RankerTrainingOptions, 'models' | 'itemVectors'> {
  /** Model sources; default every trained model of the engine except `pop` and `random`, with its stored parameters. */
  models?: readonly SourceModelSpec[];
  /** Store the ranker as a new `ranker` model version (default true). */
  save?: boolean;
}

/** What {@link trainEngineRanker} did. */
export interface EngineRankerResult extends RankerTrainingResult {
  /** The stored `ranker` version, when saved. */
  version?: number;
}

/**
 * Trains a ranker on the engine's stored events with the engine's trained models as sources, and
 * stores it as a `ranker` model version (metadata: sources, features, fit report, validation table).
 * For the CLI: print `result.table` (see {@link formatRankerTable}).
 */
export async function trainEngineRanker(engine: Engine, options: EngineRankerOptions = {}): Promise<EngineRankerResult> {
  const { signal } = options;
  const models = options.models ?? (await engineModelSpecs(engine, signal));
  const needsText = models.some((m) => TEXT_MODEL_KINDS.includes(m.kind));
  const itemVectors = needsText && engine.hasEncoder() ? await engine.itemVectors({ signal, onProgress: options.onProgress }) : undefined;
  const usable = itemVectors ? models : models.filter((m) => !TEXT_MODEL_KINDS.includes(m.kind));
  const { log } = await engine.trainingData({ signal, onProgress: options.onProgress, includeCatalogue: itemVectors !== undefined });
  if (log.userIdx.length === 0) throw new ValidationError('no positive feedback stored: import or post events before training a ranker');
  const createdAt = new Map<string, number>();
  for await (const page of engine.storage.items.scan({ signal })) for (const it of page) if (it.createdAt !== undefined) createdAt.set(it.id, it.createdAt);
  const result = await trainRanker(log, { ...options, models: usable, itemVectors, itemCreatedAt: createdAt });
  if (options.save === false) return result;
  const record = await engine.storage.models.save(
    RANKER_MODEL,
    { sources: result.ranker.sources, features: result.ranker.featureNames, fit: result.fit, table: result.table, split: result.split, bestSource: result.bestSource },
    result.ranker.encode(),
    { signal },
  );
  return { ...result, version: record.version };
}

/**
 * Whether the latest stored ranker covers every trained source: `missing` names the trained models
 * it has no features for (all of them when no ranker is stored), so a host knows to train it again
 * after a new kind of model (e.g. `semantic`) was trained.
 */
export async function rankerCoverage(engine: Engine, signal?: AbortSignal): Promise<{ stored: boolean; missing: string[] }> {
  // The sources a ranker trained now would have: sequence models share one (`sequential`), and
  // text models take part only with an encoder.
  const wanted = new Set<string>();
  for (const spec of await engineModelSpecs(engine, signal)) {
    if (TEXT_MODEL_KINDS.includes(spec.kind) && !engine.hasEncoder()) continue;
    wanted.add(SEQUENTIAL_SOURCE_MODELS.includes(spec.kind) ? 'sequential' : spec.kind);
  }
  const record = await engine.storage.models.load(RANKER_MODEL, undefined, { signal });
  if (!record) return { stored: false, missing: [...wanted] };
  const sources = new Set(LearnedRanker.decode(record.payload).sources);
  return { stored: true, missing: [...wanted].filter((name) => !sources.has(name)) };
}

/**
 * The trained models of `engine` usable as sources, with the parameters of their serving version:
 * the version the engine serves, else the activated one, else the latest. The parameters come from
 * the version's stored metadata, so a ranker job does not decode gigabytes of models to read them;
 * a version stored without them is decoded.
 */
export async function engineModelSpecs(engine: Engine, signal?: AbortSignal): Promise<SourceModelSpec[]> {
  const out: SourceModelSpec[] = [];
  const names = await engine.storage.models.names({ signal });
  for (const kind of [...new Set([...CF_MODEL_KINDS, ...TEXT_MODEL_KINDS, ...SEQUENTIAL_SOURCE_MODELS])]) {
    if (kind === 'pop' || !names.includes(kind)) continue;
    const versions = await engine.storage.models.versions(kind, { signal });
    const wanted = engine.servingVersion(kind) ?? (await engine.storage.models.active(kind, { signal }));
    const record = versions.find((v) => v.version === wanted) ?? versions[0];
    const params = record?.meta.params;
    if (record !== undefined && typeof params === 'object' && params !== null && !Array.isArray(params)) {
      out.push({ kind, params: { ...(params as ModelParams) } });
      continue;
    }
    const loaded = await engine.loadModel(kind, undefined, signal);
    if (loaded) out.push({ kind, params: { ...loaded.trained.model.params } });
  }
  return out;
}

/** A plain-text table of {@link RankerEvaluationRow}s (Markdown pipe table). */
export function formatRankerTable(rows: readonly RankerEvaluationRow[]): string {
  const lines = ['| candidate list | kind | NDCG@10 | Recall@10 | users |', '|---|---|---:|---:|---:|'];
  for (const r of rows) lines.push(`| ${r.name} | ${r.kind} | ${r['ndcg@10'].toFixed(4)} | ${r['recall@10'].toFixed(4)} | ${r.users} |`);
  return lines.join('\n');
}

function topIds(ids: readonly string[], scores: Float32Array, k: number): string[] {
  const top = topK(scores, k);
  return Array.from(top.indices, (i) => ids[i]);
}

function asEvent(log: InteractionLog, e: number): Event {
  return { userId: log.users.idAt(log.userIdx[e]), itemId: log.items.idAt(log.itemIdx[e]), type: 'like', timestamp: log.timestamp[e] };
}

async function fitItemKnn(train: CsrMatrix, signal?: AbortSignal): Promise<Recommender> {
  const model = createModel('itemknn', { k: 100, shrink: 10 });
  await model.fit(train, { signal });
  return model;
}
