/**
 * Evaluations of the engine's own data as background jobs: the offline protocol (split, grid search
 * on validation, test, report) run on the events in storage, in the training workers' queue (so an
 * evaluation and a training never take the two cores at once), with the report written where the
 * dashboard lists reports. The job's parameters are plain values, so they travel like a model's.
 * @module
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ValidationError } from '../core/errors.js';
import type { Logger, ProgressCallback } from '../core/logger.js';
import type { Engine } from '../engine/engine.js';
import { runProtocol } from '../eval/protocol.js';
import type { ModelRun, ProtocolConfig, ProtocolReport } from '../eval/protocol.js';
import { renderJson, renderMarkdown } from '../eval/report.js';
import type { ModelParams } from '../models/recommender.js';
import { isModelKind, SEQUENCE_MODEL_KINDS, TEXT_MODEL_KINDS } from '../models/registry.js';
import { resolveTrainParams } from './train-defaults.js';
import type { JobResult } from './train-job.js';

/** The job name an evaluation runs under in the trainer's queue (never a model's name). */
export const EVALUATION_JOB = 'evaluation';

/** Protocols an evaluation of stored events can use. */
export const EVALUATION_PROTOCOLS = ['temporal', 'random', 'loo'] as const;

/** One of {@link EVALUATION_PROTOCOLS}. */
export type EvaluationProtocol = (typeof EVALUATION_PROTOCOLS)[number];

/** Most models one evaluation compares. */
export const MAX_EVALUATION_MODELS = 8;

/** What to evaluate (the body of `POST /v1/evaluations`). */
export interface EvaluationRequest {
  /**
   * `temporal` (default): the global timeline cut 8:1:1, so every test interaction happened after
   * all training ones, as in serving; `random`: each user's interactions split 8:1:1 at random;
   * `loo`: each user's last interaction is the test item, the one before it the validation item.
   */
  protocol?: EvaluationProtocol;
  /** Model kinds to compare (default: those with a stored version). */
  models?: readonly string[];
  /**
   * Search each model's default grid on validation (several trainings per model); default false:
   * one training per model with the parameters it is trained with when none are given, i.e. what serves.
   */
  search?: boolean;
  /** Seed of the split (default 2020). */
  seed?: number;
}

/** Where an evaluation's report was written. */
export interface EvaluationReportRef {
  /** The report's id in the reports directory (its folder name). */
  id: string;
  /** The folder holding `report.json` and `report.md`. */
  dir: string;
  /** Test NDCG@10 per model, in the order evaluated. */
  models: { kind: string; ndcg10: number | null }[];
}

/** The protocol an evaluation of stored events runs under. */
export function evaluationProtocol(protocol: EvaluationProtocol, seed: number): ProtocolConfig {
  // No value threshold: the feedback policy has already turned events into positive weights.
  const base = { ks: [10, 20], validMetric: 'ndcg@10', seed };
  if (protocol === 'random') return { ...base, name: 'random-ratio', split: { kind: 'random-ratio', ratios: [0.8, 0.1, 0.1] } };
  if (protocol === 'loo') return { ...base, name: 'leave-one-out', split: { kind: 'leave-one-out' } };
  return { ...base, name: 'global-temporal', split: { kind: 'temporal', ratios: [0.8, 0.1, 0.1] } };
}

/**
 * Checks a request and turns it into job parameters (`models` comma-joined); `ValidationError`
 * naming the field for an unknown protocol or model, a sequence model (their protocol reads
 * sequences, not this split), too many models or a bad seed. `stored` lists the models with a
 * stored version, the default when `models` is not given.
 */
export function evaluationParams(request: EvaluationRequest, stored: readonly string[]): ModelParams {
  const protocol = request.protocol ?? 'temporal';
  if (!(EVALUATION_PROTOCOLS as readonly string[]).includes(protocol)) {
    throw new ValidationError(`protocol must be one of ${EVALUATION_PROTOCOLS.join(', ')}, got "${String(protocol)}"`, { details: { field: 'protocol', value: protocol } });
  }
  const models = [...new Set(request.models ?? stored.filter((m) => isModelKind(m) && !SEQUENCE_MODEL_KINDS.includes(m)))];
  if (models.length === 0) throw new ValidationError('no models to evaluate: name some in "models" or train one first', { details: { field: 'models' } });
  if (models.length > MAX_EVALUATION_MODELS) throw new ValidationError(`at most ${MAX_EVALUATION_MODELS} models per evaluation, got ${models.length}`, { details: { field: 'models', value: models.length } });
  models.forEach((m, i) => {
    if (!isModelKind(m)) throw new ValidationError(`models/${i}: unknown model "${m}"`, { details: { field: `models/${i}`, value: m } });
    if (SEQUENCE_MODEL_KINDS.includes(m)) throw new ValidationError(`models/${i}: "${m}" is a sequence model, evaluated with lmrec evaluate --protocol loo-seq on a file`, { details: { field: `models/${i}`, value: m } });
  });
  const seed = request.seed ?? 2020;
  if (!Number.isInteger(seed) || seed < 0) throw new ValidationError(`seed must be a non-negative integer, got ${seed}`, { details: { field: 'seed', value: seed } });
  return { protocol, models: models.join(','), search: request.search === true, seed };
}

/** Options of {@link runEvaluation}. */
export interface RunEvaluationOptions {
  /** Directory the report folder is created in. */
  reportsDir: string;
  signal?: AbortSignal;
  onProgress?: ProgressCallback;
  logger?: Logger;
}

/** Writes a file through a temporary name, so a reader never sees half a report. */
function writeAtomically(path: string, text: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

/**
 * Runs an evaluation job (parameters from {@link evaluationParams}) on `engine`'s stored events and
 * writes `report.json` and `report.md` into a new folder of `reportsDir`, after each model (a
 * cancelled run keeps the models it finished). Resolves with the job result whose `report` says where.
 */
export async function runEvaluation(engine: Engine, params: ModelParams, options: RunEvaluationOptions): Promise<JobResult> {
  const t0 = performance.now();
  const { signal, onProgress } = options;
  const protocolName = String(params.protocol) as EvaluationProtocol;
  const kinds = String(params.models).split(',').filter((m) => m !== '');
  const search = params.search === true;
  const config = evaluationProtocol(protocolName, Number(params.seed ?? 2020));
  const text = kinds.some((k) => TEXT_MODEL_KINDS.includes(k));
  const { log } = await engine.trainingData({ signal, onProgress, includeCatalogue: text });
  const itemVectors = text ? await engine.itemVectors({ signal, onProgress }) : undefined;
  const runs: ModelRun[] = [];
  for (const kind of kinds) {
    if (search) runs.push({ kind });
    else {
      const { params: served } = await resolveTrainParams(engine.storage, kind, undefined, signal);
      runs.push({ kind, grid: Object.fromEntries(Object.entries(served).map(([key, value]) => [key, [value]])) });
    }
  }
  const stamp = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
  const id = `${stamp}-${protocolName}-${randomUUID().slice(0, 8)}`;
  const dir = join(options.reportsDir, id);
  mkdirSync(dir, { recursive: true });
  const write = (report: ProtocolReport): void => {
    writeAtomically(join(dir, 'report.json'), renderJson(report));
    writeAtomically(join(dir, 'report.md'), renderMarkdown(report));
  };
  const report = await runProtocol(log, `stored events (${engine.storage.url.split(':')[0]})`, config, runs, {
    ...(itemVectors === undefined ? {} : { itemVectors }),
    ...(signal === undefined ? {} : { signal }),
    ...(onProgress === undefined ? {} : { onProgress }),
    ...(options.logger === undefined ? {} : { logger: options.logger }),
    onReport: write,
  });
  write(report);
  return {
    version: 0,
    params,
    fit: { seconds: (performance.now() - t0) / 1000, epochs: 1 },
    users: report.dataset.filtered.users,
    items: report.dataset.filtered.items,
    interactions: report.dataset.filtered.interactions,
    report: { id, dir, models: report.models.map((m) => ({ kind: m.kind, ndcg10: m.test.metrics['ndcg@10'] ?? null })) },
  };
}
