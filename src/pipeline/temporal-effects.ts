/**
 * What timeliness changes (C17), measured under a global temporal split: every event before the
 * split time trains, the last share of events (by time) is the future to predict. For each list
 * maker — popularity, trending alone, a collaborative model with and without recency weighting at
 * several half-lives, and the whole pipeline with and without its trending source — it reports
 * accuracy (NDCG@10, Recall@10 over the users active both before and after the split) and the
 * freshness of the lists (mean age of recommended items at the split, by their first interaction,
 * and the share first seen shortly before the split). Trending and popularity also answer users
 * first seen after the split, reported apart.
 * @module
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { csrFromCoo } from '../core/csr-matrix.js';
import { throwIfAborted } from '../core/errors.js';
import { InteractionLogBuilder } from '../core/interaction-log.js';
import type { ProgressCallback } from '../core/logger.js';
import type { Event } from '../core/types.js';
import { createEngine } from '../engine/engine.js';
import { DEFAULT_FEEDBACK_POLICY, feedbackWeight } from '../engine/feedback-policy.js';
import { recencyWeight, scoreWeighted } from '../engine/recency.js';
import { addUserRankingMetrics, finalizeMetrics, metricKeys } from '../eval/metrics.js';
import { loadMovieLensLatest } from '../ingest/movielens-latest.js';
import { topK } from '../linalg/index.js';
import { createModel } from '../models/registry.js';
import type { ModelParams } from '../models/recommender.js';
import { openStorage } from '../storage/open-storage.js';
import { createPipeline } from './create-pipeline.js';
import { TrendingTracker } from './trending-tracker.js';

const DAY = 86_400_000;

/** Options of {@link runTemporalEffects}. */
export interface TemporalEffectsOptions {
  /** A MovieLens-latest directory (e.g. `data/demo/ml-latest-small`). */
  dir: string;
  /** Share of events (latest by time) held out as the future (default 0.1). */
  testShare?: number;
  /** Recency half-lives to compare, days (default 7, 30, 180). */
  halfLivesDays?: readonly number[];
  /** Trending half-lives, days (default 7 and 30). */
  trendingHalfLivesDays?: readonly number[];
  /** The collaborative model (default EASE, λ 500, items with ≥ 5 interactions). */
  model?: { kind: string; params?: ModelParams };
  /** "New" means first seen at most this many days before the split (default 30 and 365). */
  newWithinDays?: readonly number[];
  /** Also run the pipeline with and without trending (default true; needs a temporary SQLite file). */
  pipeline?: boolean;
  /** Half-life used for the pipeline row with recency, days (default the middle of `halfLivesDays`). */
  pipelineHalfLifeDays?: number;
  k?: number;
  signal?: AbortSignal;
  onProgress?: ProgressCallback;
}

/** One row of the table. */
export interface TemporalEffectsRow {
  name: string;
  /** Accuracy over users seen before and after the split. */
  'ndcg@10': number;
  'recall@10': number;
  /** NDCG@10 over users first seen after the split (undefined when the row cannot answer them). */
  coldNdcg?: number;
  /** Mean age of recommended items at the split, days (by first interaction). */
  meanAgeDays: number;
  /** Share of recommended items first seen within each `newWithinDays` window before the split. */
  newShare: number[];
  /** Distinct items recommended over all lists / catalogue items known at the split. */
  coverage: number;
}

/** What {@link runTemporalEffects} measured. */
export interface TemporalEffectsReport {
  splitTime: number;
  trainEvents: number;
  testEvents: number;
  warmUsers: number;
  coldUsers: number;
  newWithinDays: number[];
  rows: TemporalEffectsRow[];
  seconds: number;
}

interface Accumulator {
  sums: Float64Array;
  users: number;
  coldSums: Float64Array;
  coldUsers: number;
  ageSum: number;
  newCounts: number[];
  slots: number;
  distinct: Set<string>;
}

/**
 * Runs the comparison; see the module description. The CLI can print {@link formatTemporalEffects}
 * of the answer (or the report as JSON).
 */
export async function runTemporalEffects(options: TemporalEffectsOptions): Promise<TemporalEffectsReport> {
  const t0 = performance.now();
  const { signal } = options;
  const k = options.k ?? 10;
  const ks = [k];
  const policy = DEFAULT_FEEDBACK_POLICY;
  const newWithin = [...(options.newWithinDays ?? [30, 365])];
  const ds = await loadMovieLensLatest(options.dir, { signal });
  const events = ds.batch.events.map((e, i) => ({ e, i })).sort((a, b) => a.e.timestamp - b.e.timestamp || a.i - b.i).map((x) => x.e);
  const cut = Math.floor(events.length * (1 - (options.testShare ?? 0.1)));
  const splitTime = events[cut].timestamp;
  const train = events.filter((e) => e.timestamp < splitTime);
  const test = events.filter((e) => e.timestamp >= splitTime);

  // Training log (positive feedback), item births, and each user's future.
  const builder = new InteractionLogBuilder();
  const bornAt = new Map<string, number>();
  for (const e of train) {
    if (e.itemId === undefined) continue;
    if (!bornAt.has(e.itemId)) bornAt.set(e.itemId, e.timestamp);
    const w = feedbackWeight(e, policy);
    if (w > 0) builder.add(e.userId, e.itemId, w, e.timestamp);
  }
  const log = builder.build();
  const future = new Map<string, Set<string>>();
  for (const e of test) {
    if (e.itemId === undefined || feedbackWeight(e, policy) <= 0) continue;
    let set = future.get(e.userId);
    if (!set) future.set(e.userId, (set = new Set()));
    set.add(e.itemId);
  }
  const seenBy = new Map<string, Set<string>>();
  for (const e of train) {
    if (e.itemId === undefined) continue;
    let set = seenBy.get(e.userId);
    if (!set) seenBy.set(e.userId, (set = new Set()));
    set.add(e.itemId);
  }
  for (const [userId, items] of future) {
    for (const id of seenBy.get(userId) ?? []) items.delete(id);
    if (items.size === 0) future.delete(userId);
  }
  const warm = [...future.keys()].filter((u) => log.users.has(u)).sort();
  const cold = [...future.keys()].filter((u) => !log.users.has(u)).sort();

  const rows: TemporalEffectsRow[] = [];
  const accumulator = (): Accumulator => ({ sums: new Float64Array(metricKeys(ks).length), users: 0, coldSums: new Float64Array(metricKeys(ks).length), coldUsers: 0, ageSum: 0, newCounts: newWithin.map(() => 0), slots: 0, distinct: new Set() });
  const add = (acc: Accumulator, userId: string, ids: readonly string[], isCold: boolean): void => {
    const targets = future.get(userId) as Set<string>;
    const positions = Int32Array.from(ids.keys());
    addUserRankingMetrics(positions, (r) => targets.has(ids[r]), targets.size, ks, isCold ? acc.coldSums : acc.sums);
    if (isCold) {
      acc.coldUsers++;
      return;
    }
    acc.users++;
    for (const id of ids) {
      const age = splitTime - (bornAt.get(id) ?? splitTime);
      acc.ageSum += age / DAY;
      newWithin.forEach((d, j) => (acc.newCounts[j] += age <= d * DAY ? 1 : 0));
      acc.slots++;
      acc.distinct.add(id);
    }
  };
  const finish = (name: string, acc: Accumulator, answersCold: boolean): void => {
    const m = finalizeMetrics(acc.sums, ks, acc.users);
    const row: TemporalEffectsRow = {
      name,
      'ndcg@10': m[`ndcg@${k}`] ?? 0,
      'recall@10': m[`recall@${k}`] ?? 0,
      meanAgeDays: acc.slots > 0 ? acc.ageSum / acc.slots : 0,
      newShare: acc.newCounts.map((c) => (acc.slots > 0 ? c / acc.slots : 0)),
      coverage: acc.distinct.size / Math.max(1, bornAt.size),
    };
    if (answersCold) row.coldNdcg = finalizeMetrics(acc.coldSums, ks, acc.coldUsers)[`ndcg@${k}`] ?? 0;
    rows.push(row);
    options.onProgress?.('temporal effects', rows.length, 0);
  };

  // Counters: all-time popularity and time-decayed trending, as of the split.
  const counters: [string, TrendingTracker][] = [['popularity (all-time counts)', new TrendingTracker({ policy, halfLifeMs: Infinity })]];
  for (const d of options.trendingHalfLivesDays ?? [7, 30]) counters.push([`trending alone (half-life ${d}d)`, new TrendingTracker({ policy, halfLifeMs: d * DAY })]);
  for (const e of train) for (const [, c] of counters) c.observe(e);
  for (const [name, tracker] of counters) {
    const acc = accumulator();
    for (const [users, isCold] of [[warm, false], [cold, true]] as const) {
      for (const userId of users) add(acc, userId, tracker.top(k, splitTime, seenBy.get(userId)).map((t) => t.itemId), isCold);
    }
    finish(name, acc, true);
  }

  // The collaborative model, without and with recency weights.
  const spec = options.model ?? { kind: 'ease', params: { lambda: 500, minSupport: 5 } };
  const matrix = csrFromCoo(log.users.size, log.items.size, log.userIdx, log.itemIdx, log.value, 'max');
  const model = createModel(spec.kind, spec.params ?? {});
  await model.fit(matrix, { signal });
  const lastAt = new Float64Array(log.users.size).fill(-Infinity);
  const pairAt = new Map<number, number>();
  for (let r = 0; r < log.userIdx.length; r++) {
    const u = log.userIdx[r];
    lastAt[u] = Math.max(lastAt[u], log.timestamp[r]);
    const key = u * log.items.size + log.itemIdx[r];
    pairAt.set(key, Math.max(pairAt.get(key) ?? -Infinity, log.timestamp[r]));
  }
  const scores = new Float32Array(log.items.size);
  const scratch = new Float32Array(log.items.size);
  const mask = new Uint8Array(log.items.size);
  for (const days of [undefined, ...(options.halfLivesDays ?? [7, 30, 180])]) {
    throwIfAborted(signal);
    const acc = accumulator();
    for (const userId of warm) {
      const u = log.users.indexOf(userId);
      const items = matrix.indices.subarray(matrix.indptr[u], matrix.indptr[u + 1]);
      const base = matrix.values.subarray(matrix.indptr[u], matrix.indptr[u + 1]);
      const values = Float32Array.from(items, (i, t) => base[t] * recencyWeight(lastAt[u] - (pairAt.get(u * log.items.size + i) ?? lastAt[u]), days === undefined ? undefined : days * DAY));
      const query = { userIdx: days === undefined ? u : -1, items, values };
      if (days === undefined) model.score(query, scores);
      else scoreWeighted(model, query, scores, scratch);
      mask.fill(0);
      for (const id of seenBy.get(userId) ?? []) {
        const i = log.items.indexOf(id);
        if (i >= 0) mask[i] = 1;
      }
      const top = topK(scores, k, mask);
      add(acc, userId, Array.from(top.indices, (i) => log.items.idAt(i)), false);
    }
    finish(days === undefined ? `${spec.kind} (no recency)` : `${spec.kind} + recency half-life ${days}d`, acc, false);
  }

  if (options.pipeline !== false) {
    const halfLives = options.halfLivesDays ?? [7, 30, 180];
    const pipelineDays = options.pipelineHalfLifeDays ?? halfLives[Math.floor(halfLives.length / 2)];
    await pipelineRows(ds.batch, train, splitTime, spec, pipelineDays, { warm, cold, k, add, finish, accumulator, signal });
  }
  return { splitTime, trainEvents: train.length, testEvents: test.length, warmUsers: warm.length, coldUsers: cold.length, newWithinDays: newWithin, rows, seconds: (performance.now() - t0) / 1000 };
}

interface PipelineRun {
  warm: readonly string[];
  cold: readonly string[];
  k: number;
  add: (acc: Accumulator, userId: string, ids: readonly string[], isCold: boolean) => void;
  finish: (name: string, acc: Accumulator, answersCold: boolean) => void;
  accumulator: () => Accumulator;
  signal?: AbortSignal;
}

async function pipelineRows(
  batch: Awaited<ReturnType<typeof loadMovieLensLatest>>['batch'],
  train: readonly Event[],
  splitTime: number,
  spec: { kind: string; params?: ModelParams },
  halfLifeDays: number,
  run: PipelineRun,
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'lmrec-temporal-'));
  const storage = await openStorage(`sqlite://${join(dir, 'temporal.db')}`);
  try {
    await storage.bulkWrite({ items: batch.items, users: batch.users, events: [...train] });
    const engine = createEngine(storage);
    await engine.train(spec.kind, spec.params ?? {}, { signal: run.signal });
    await engine.train('itemknn', { k: 100, shrink: 10 }, { signal: run.signal });
    const recent = createEngine(storage, { recency: { halfLifeMs: halfLifeDays * DAY } });
    const variants: [string, Awaited<ReturnType<typeof createPipeline>>][] = [
      ['pipeline (all sources)', await createPipeline(engine, { ranker: 'none', signalsSnapshot: false, clock: () => splitTime })],
      ['pipeline without trending', await createPipeline(engine, { ranker: 'none', signalsSnapshot: false, clock: () => splitTime, omitSources: ['trending'] })],
      [`pipeline + recency ${halfLifeDays}d`, await createPipeline(recent, { ranker: 'none', signalsSnapshot: false, clock: () => splitTime })],
    ];
    for (const [name, pipeline] of variants) {
      const acc = run.accumulator();
      for (const [users, isCold] of [[run.warm, false], [run.cold, true]] as const) {
        for (const userId of users) {
          throwIfAborted(run.signal);
          const rec = await pipeline.recommend(userId, { k: run.k, includeExplanations: false, signal: run.signal });
          run.add(acc, userId, rec.items.map((i) => i.id), isCold);
        }
      }
      run.finish(name, acc, true);
    }
  } finally {
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The report as a Markdown table (with a header line naming the split). */
export function formatTemporalEffects(report: TemporalEffectsReport): string {
  const when = new Date(report.splitTime).toISOString().slice(0, 10);
  const lines = [
    `Global temporal split at ${when}: ${report.trainEvents} events before, ${report.testEvents} after; ${report.warmUsers} users active on both sides, ${report.coldUsers} first seen after. ${report.seconds.toFixed(1)} s.`,
    '',
    `| list | NDCG@10 | Recall@10 | NDCG@10 new users | mean item age (days) | ${report.newWithinDays.map((d) => `new ≤${d}d`).join(' | ')} | coverage |`,
    `|---|---:|---:|---:|---:|${report.newWithinDays.map(() => '---:').join('|')}|---:|`,
  ];
  for (const r of report.rows) {
    lines.push(
      `| ${r.name} | ${r['ndcg@10'].toFixed(4)} | ${r['recall@10'].toFixed(4)} | ${r.coldNdcg === undefined ? '–' : r.coldNdcg.toFixed(4)} | ${r.meanAgeDays.toFixed(0)} | ${r.newShare.map((s) => `${(100 * s).toFixed(1)}%`).join(' | ')} | ${(100 * r.coverage).toFixed(1)}% |`,
    );
  }
  return lines.join('\n');
}
