/**
 * The model lifecycle (SPEC C15) in one object: background training in worker threads, a retrain
 * schedule (on an interval and/or after N new events), hot swap of the served version when a job
 * succeeds, activation of any stored version, rollback, and the list of stored versions. The
 * HTTP server calls {@link Lifecycle}'s methods; every change of the served version is persisted,
 * so a restart serves the same versions. Versions trained or activated by another process on the
 * same storage (`lmrec train` beside `lmrec serve`, another replica) are noticed every `syncEvery`
 * and put into service by the same rules (see `ModelManager.followStorage`). After every activation and every trained version, stored
 * versions trained on data of deleted users that no longer serve are deleted (`erased-versions.ts`);
 * {@link ManagedLifecycle.completeErasures} finishes that work at start, e.g. after a crash between a
 * user deletion and its retraining.
 * @module
 */
import { UnsupportedError, ValidationError } from '../core/errors.js';
import { silentLogger } from '../core/logger.js';
import type { Logger, LogLevel } from '../core/logger.js';
import type { EncoderConfig } from '../encoders/create-encoder.js';
import type { Engine } from '../engine/engine.js';
import type { FeedbackPolicy } from '../engine/feedback-policy.js';
import type { ModelParams } from '../models/recommender.js';
import { RANKER_MODEL } from '../pipeline/train-ranker.js';
import { validateModelParams } from '../models/model-params.js';
import { resolveTrainParams } from './train-defaults.js';
import { EVALUATION_JOB, evaluationParams } from './evaluation-job.js';
import type { EvaluationRequest } from './evaluation-job.js';
import { isModelKind, MODEL_KINDS } from '../models/registry.js';
import type { DomainTemplate } from '../text/verbalizer.js';
import type { ErasurePurge } from './erased-versions.js';
import { ModelManager } from './model-manager.js';
import type { ModelVersions, StorageChange } from './model-manager.js';
import { parseDuration } from './parse-duration.js';
import { createRetrainScheduler } from './retrain-scheduler.js';
import type { RetrainScheduler } from './retrain-scheduler.js';
import type { JobStatus } from './train-job.js';
import { createTrainer } from './trainer.js';
import type { Trainer } from './trainer.js';

/**
 * Options of {@link createLifecycle}. The schedule fields have the names of the config file's
 * `lifecycle` section, so `{ engine, storageUrl, encoder, ...config.lifecycle }` works.
 */
export interface LifecycleOptions {
  /** The engine that serves; its storage's models are the ones managed. */
  engine: Engine;
  /** URL of the engine's storage, opened again by each training worker. */
  storageUrl: string;
  /** The engine's encoder settings (needed to train `semantic` and `hybrid` in a worker). */
  encoder?: EncoderConfig;
  /** The engine's feedback policy. */
  feedback?: FeedbackPolicy;
  /** The engine's verbalisation template. */
  template?: DomainTemplate;
  /** Retrain every model on this interval: ms or a duration such as `6h`. */
  retrainEvery?: number | string;
  /** Retrain a model once this many events arrived after its training data. */
  retrainAfterEvents?: number;
  /** How often the retrain schedule is checked (default `1m`). */
  checkEvery?: number | string;
  /**
   * How often storage is looked at for versions trained or activated by another process (e.g.
   * `lmrec train` beside `lmrec serve`), which are then put into service (default `5s`; one small
   * read of every model's latest and activated version; `0` turns it off).
   */
  syncEvery?: number | string;
  /** Models the schedule keeps fresh (default: every model with a stored version). */
  models?: readonly string[];
  /** Hyper-parameters for scheduled retraining, per model (default: those of the newest version). */
  params?: Readonly<Record<string, ModelParams>>;
  /** Put a newly trained version into service when its job succeeds (default true). */
  autoActivate?: boolean;
  /**
   * Whether this process runs the retrain schedule now (default: always). With several serving
   * processes on one storage only the holder of the trainer lease does (`trainer-lease.ts`); the
   * others follow the versions it stores.
   */
  schedules?: () => boolean;
  /** Training jobs at once (default 1). */
  concurrency?: number;
  /**
   * Where evaluations started through {@link Lifecycle.evaluate} write their report folders (the
   * directory the dashboard lists reports from); without it `evaluate` is refused.
   */
  reportsDir?: string;
  logger?: Logger;
  /** Lowest level of training workers' log records passed on (default `info`). */
  workerLogLevel?: LogLevel;
  /** Called with a copy of a job's status whenever it changes. */
  onJob?: (status: JobStatus) => void;
  /**
   * Called when following storage changed what serves: a model serving another version, a model
   * stored for the first time, or a new version of another artefact such as the pipeline's `ranker`
   * (not for the versions of this lifecycle's own jobs, which `onJob` reports).
   */
  onStorageChange?: (changes: readonly StorageChange[]) => void;
}

/** The lifecycle operations the HTTP server exposes. */
export interface Lifecycle {
  /**
   * Starts training `name` in a worker (after the model's running job, if any; joining an identical
   * waiting job); `ValidationError` for an unknown model or parameters its schema refuses (before
   * any job is queued), `ConflictError` when a job with other parameters already waits.
   */
  train(name: string, params?: ModelParams): Promise<{ jobId: string }>;
  /** Remembered jobs, newest first. */
  jobs(): JobStatus[];
  /** One job, or undefined. */
  job(id: string): JobStatus | undefined;
  /** Serves `version` of `name` from now on (persisted); `NotFoundError` when it is not stored. */
  activate(name: string, version: number): Promise<void>;
  /** Serves the previously active version of `name` again (persisted); `NotFoundError` when there is none. */
  rollback(name: string): Promise<{ name: string; version: number }>;
  /** Stored versions per model, with the one that serves. */
  versions(): Promise<ModelVersions[]>;
  /**
   * Queues an evaluation of the stored events (the offline protocol, in the training workers'
   * queue, so it waits for a running training); `ValidationError` for a bad request,
   * `UnsupportedError` when no reports directory is configured. The job's result names its report.
   */
  evaluate(request: EvaluationRequest): Promise<{ jobId: string }>;
  /** Cancels a queued or running job; false when there is nothing to cancel. */
  cancel(jobId: string): boolean;
  /** Stops the schedule, cancels running jobs and waits for their workers. Does not close the engine. */
  close(): Promise<void>;
}

/** What {@link ManagedLifecycle.completeErasures} did. */
export interface ErasureCompletion extends ErasurePurge {
  /** Retraining started for models whose serving version was trained on data of a deleted user. */
  jobs: { model: string; jobId: string }[];
}

/** {@link Lifecycle} plus what a host process (CLI, tests) uses beyond the HTTP routes. */
export interface ManagedLifecycle extends Lifecycle {
  /**
   * Deletes every stored version trained on data of a deleted user that does not serve, and starts
   * retraining each model whose serving version is such a version (its purge follows once the new
   * version serves). Run at start, so a deletion interrupted before its retraining is completed.
   */
  completeErasures(signal?: AbortSignal): Promise<ErasureCompletion>;
  /**
   * Trains the pipeline's learned ranker over every trained source in a worker (a job named
   * `ranker`, queued like a model's; the pipeline uses the latest stored ranker once it reloads).
   */
  trainRanker(reason?: string): { jobId: string };
  /** Resolves with the job's final status, after its version was put into service. */
  wait(jobId: string): Promise<JobStatus | undefined>;
  /** Decodes every model's serving version now, so first requests do not. */
  warm(signal?: AbortSignal): Promise<string[]>;
  /** Runs one schedule check now; returns the jobs it started. */
  checkSchedule(signal?: AbortSignal): Promise<{ model: string; reason: string; jobId?: string }[]>;
  /** Swaps in versions activated or trained by another process. */
  sync(signal?: AbortSignal): Promise<{ name: string; version: number }[]>;
  /**
   * Looks at storage now, as the `syncEvery` timer does ({@link ModelManager.followStorage} with the
   * lifecycle's `autoActivate`), reports the changes to `onStorageChange` and returns them.
   */
  followStorage(signal?: AbortSignal): Promise<StorageChange[]>;
  readonly manager: ModelManager;
  readonly trainer: Trainer;
}

/**
 * Creates the lifecycle of `options.engine`'s models and starts its schedule.
 * @example
 * ```ts
 * const engine = createEngine(await openStorage(url), { encoder });
 * const lifecycle = createLifecycle({ engine, storageUrl: url, retrainEvery: '6h', retrainAfterEvents: 10_000 });
 * const { jobId } = await lifecycle.train('ease', { lambda: 500 });
 * // … later: lifecycle.job(jobId)?.state === 'succeeded', and requests are answered by the new version
 * await lifecycle.close();
 * ```
 */
export function createLifecycle(options: LifecycleOptions): ManagedLifecycle {
  const { engine } = options;
  const logger = options.logger ?? silentLogger;
  const autoActivate = options.autoActivate ?? true;
  const manager = new ModelManager(engine, { logger });
  const everyMs = options.retrainEvery === undefined ? undefined : parseDuration(options.retrainEvery, 'lifecycle.retrainEvery');
  const checkEveryMs = parseDuration(options.checkEvery ?? 60_000, 'lifecycle.checkEvery');
  const syncEveryMs = options.syncEvery === 0 || options.syncEvery === '0' ? 0 : parseDuration(options.syncEvery ?? 5_000, 'lifecycle.syncEvery');
  if (options.retrainAfterEvents !== undefined && !(Number.isInteger(options.retrainAfterEvents) && options.retrainAfterEvents > 0)) {
    throw new ValidationError(`lifecycle.retrainAfterEvents must be a positive integer, got ${options.retrainAfterEvents}`, { details: { field: 'lifecycle.retrainAfterEvents' } });
  }
  for (const model of options.models ?? []) checkModel(model);
  for (const [model, params] of Object.entries(options.params ?? {})) {
    checkModel(model);
    validateModelParams(model, params);
  }

  const trainer = createTrainer({
    storageUrl: options.storageUrl,
    ...(options.encoder === undefined ? {} : { encoder: options.encoder }),
    ...(options.feedback === undefined ? {} : { feedback: options.feedback }),
    ...(options.template === undefined ? {} : { template: options.template }),
    ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
    ...(options.workerLogLevel === undefined ? {} : { logLevel: options.workerLogLevel }),
    ...(options.reportsDir === undefined ? {} : { reportsDir: options.reportsDir }),
    ...(options.onJob === undefined ? {} : { onUpdate: options.onJob }),
    logger,
    onTrained: async (status, signal) => {
      const version = status.result?.version;
      if (version === undefined) return false;
      // An evaluation stores no version; the ranker is not activated: the pipeline reads the latest stored one when it reloads.
      if (status.model === EVALUATION_JOB) return false;
      if (status.model === RANKER_MODEL) return true;
      try {
        if (autoActivate) {
          await manager.activate(status.model, version, { signal });
          return true;
        }
        // Not activated: a model without an activated version still serves its latest.
        await manager.sync({ signal });
        return engine.servingVersion(status.model) === version;
      } finally {
        // Also when activation refused the version (it read the data of a user deleted meanwhile):
        // then the version itself is among those purged. A failed purge does not fail the job; the
        // next activation or start purges again.
        await manager.purgeErased({ names: [status.model], signal }).catch((error: unknown) => {
          logger.log('error', `deleting ${status.model} versions trained on deleted users failed`, { error: error instanceof Error ? error.message : String(error) });
        });
      }
    },
  });

  async function paramsFor(model: string, signal?: AbortSignal): Promise<ModelParams> {
    const configured = options.params?.[model];
    if (configured) return configured;
    // The newest version's parameters, else the shared defaults: the same rule as `lmrec train`.
    return (await resolveTrainParams(engine.storage, model, undefined, signal)).params;
  }

  const scheduled = new Map<string, string>();
  const scheduler: RetrainScheduler = createRetrainScheduler({
    storage: engine.storage,
    ...(options.models === undefined ? {} : { models: options.models }),
    ...(everyMs === undefined ? {} : { everyMs }),
    ...(options.retrainAfterEvents === undefined ? {} : { afterEvents: options.retrainAfterEvents }),
    checkEveryMs,
    logger,
    busy: (model) => options.schedules?.() === false || trainer.pending(model) !== undefined,
    trigger: async (model, reason) => {
      const job = trainer.start(model, await paramsFor(model), { reason });
      scheduled.set(model, job.id);
    },
    onTick: async (signal) => {
      await follow(signal);
    },
  });

  const following = new AbortController();
  let followRun: Promise<StorageChange[]> | undefined;
  /** One look at storage at a time; concurrent callers share it. */
  function follow(signal: AbortSignal = following.signal): Promise<StorageChange[]> {
    followRun ??= (async () => {
      const changes = await manager.followStorage({ autoActivate, busy: (name) => trainer.pending(name) !== undefined, signal });
      if (changes.length > 0) {
        try {
          options.onStorageChange?.(changes);
        } catch (error) {
          logger.log('warn', 'a storage change listener threw', { error: error instanceof Error ? error.message : String(error) });
        }
      }
      return changes;
    })().finally(() => {
      followRun = undefined;
    });
    return followRun;
  }
  // The first look takes the baseline: versions stored before start are served as storage says.
  const followTick = (): void => {
    follow().catch((error: unknown) => {
      if (!following.signal.aborted) logger.log('warn', 'looking at storage for new model versions failed', { error: error instanceof Error ? error.message : String(error) });
    });
  };
  const followTimer = syncEveryMs > 0 ? setInterval(followTick, syncEveryMs) : undefined;
  followTimer?.unref();
  if (followTimer !== undefined) followTick();

  let closed = false;
  return {
    manager,
    trainer,
    async train(name, params) {
      checkModel(name);
      // Checked here, so a request with a bad parameter is refused before any job is queued.
      const checked = params === undefined ? await paramsFor(name) : validateModelParams(name, params);
      const job = trainer.start(name, checked, { reason: 'api' });
      return { jobId: job.id };
    },
    async evaluate(request) {
      if (options.reportsDir === undefined) throw new UnsupportedError('evaluations need a reports directory, which this service was started without', { details: { operation: 'evaluate' } });
      const params = evaluationParams(request, await engine.storage.models.names());
      return { jobId: trainer.start(EVALUATION_JOB, params, { reason: 'api' }).id };
    },
    trainRanker(reason = 'api') {
      return { jobId: trainer.start(RANKER_MODEL, {}, { reason }).id };
    },
    jobs: () => trainer.jobs(),
    job: (id) => trainer.job(id),
    wait: (id) => trainer.wait(id),
    cancel: (id) => trainer.cancel(id),
    async activate(name, version) {
      checkModel(name);
      if (!Number.isInteger(version) || version < 1) throw new ValidationError(`version must be a positive integer, got ${version}`, { details: { field: 'version', value: version } });
      await manager.activate(name, version);
    },
    async rollback(name) {
      checkModel(name);
      return manager.rollback(name);
    },
    versions: () => manager.versions(),
    async completeErasures(signal) {
      const purge = await manager.purgeErased(signal === undefined ? {} : { signal });
      const jobs: { model: string; jobId: string }[] = [];
      for (const model of new Set(purge.serving.map((s) => s.model))) {
        if (!isModelKind(model)) continue;
        try {
          const job = trainer.start(model, await paramsFor(model, signal), { reason: 'erasure' });
          jobs.push({ model, jobId: job.id });
        } catch (error) {
          // A job already waits for this model with other parameters; it reads the data when it starts.
          logger.log('warn', `retraining ${model} after a user deletion not started`, { error: error instanceof Error ? error.message : String(error) });
        }
      }
      if (purge.purged.length > 0 || jobs.length > 0) {
        logger.log('info', 'completed erasures of deleted users', { purged: purge.purged.length, retraining: jobs.map((j) => j.model) });
      }
      return { ...purge, jobs };
    },
    warm: (signal) => manager.warm(signal === undefined ? {} : { signal }),
    sync: (signal) => manager.sync(signal === undefined ? {} : { signal }),
    followStorage: (signal) => follow(signal),
    async checkSchedule(signal) {
      scheduled.clear();
      const started = await scheduler.check(signal);
      return started.map((s) => {
        const jobId = scheduled.get(s.model);
        return jobId === undefined ? s : { ...s, jobId };
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      if (followTimer !== undefined) clearInterval(followTimer);
      following.abort();
      await followRun?.catch(() => undefined);
      await scheduler.stop();
      await trainer.close();
    },
  };
}

function checkModel(name: string): void {
  if (typeof name !== 'string' || !isModelKind(name)) {
    throw new ValidationError(`unknown model "${String(name)}"; known models: ${MODEL_KINDS.join(', ')}`, { details: { model: name } });
  }
}
