/**
 * The whole service in one call: a model lifecycle (training in worker threads, hot swap,
 * rollback, schedule), the request pipeline with its learned ranker, and the HTTP server wired to
 * both. With `demo`, an empty store first receives the bundled MovieLens demo and default models
 * (trained in workers, progress reported); later starts reuse what is stored. Every start first
 * completes interrupted user deletions (`lifecycle.completeErasures`). The learned ranker is trained
 * in a worker too — at start when none is stored, after the text models when they are being trained,
 * and again whenever a model it has no features for is trained — and the pipeline merges the sources
 * by rank fusion until one is stored.
 * @module
 */
import type { FastifyInstance } from 'fastify';
import { EVALUATION_JOB, RANKER_MODEL, startTrainerLease, createLifecycle, createPipeline, createServingRules, parseDuration, prepareDemo, rankerCoverage, startRetentionSchedule } from '../index.js';
import type {
  Blocklist,
  ExposureCapOptions,
  EncoderConfig,
  Engine,
  FeedbackPolicy,
  JobStatus,
  Logger,
  ManagedLifecycle,
  Pipeline,
  PipelineOptions,
  ProgressCallback,
  RetentionSchedule,
  RetentionWindows,
  TrainerLease,
} from '../index.js';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { engineRecommend } from './engine-recommend.js';
import { startChangeFollower } from './follow-changes.js';
import type { ChangeFollower } from './follow-changes.js';
import { pipelineRecommend } from './pipeline-recommend.js';
import { PipelineGate } from './pipeline-gate.js';
import type { ServerHooks } from './pipeline-gate.js';
import { startServer } from './server.js';
import type { StartServerOptions } from './server.js';

/** Options of {@link startService}. */
export interface ServiceOptions extends Omit<StartServerOptions, 'recommend' | 'onEvent' | 'onItems' | 'onItemDeleted' | 'onUserDeleted' | 'trending' | 'lifecycle' | 'register' | 'servingRules' | 'retention'> {
  engine: Engine;
  /** URL of the engine's storage (training workers open it again). */
  storageUrl: string;
  /** Encoder settings for training workers (text-aware models). */
  encoder?: EncoderConfig;
  feedback?: FeedbackPolicy;
  /** Lifecycle schedule settings (see `createLifecycle`). */
  lifecycle?: { retrainEvery?: number | string; retrainAfterEvents?: number; checkEvery?: number | string; syncEvery?: number | string; models?: readonly string[]; autoActivate?: boolean };
  /**
   * Where evaluations started through `POST /v1/evaluations` write their reports (the dashboard's
   * reports directory); without it that route answers 501.
   */
  reportsDir?: string;
  /**
   * This process's id among several serving processes on one storage (default: host, pid and a
   * random suffix); it names the holder of the trainer lease.
   */
  processId?: string;
  /** Time to live of the trainer lease, ms (default 15 s; see `startTrainerLease`). */
  trainerLeaseMs?: number;
  /**
   * How often the logs of other processes' writes are read, ms (0 turns following off): events,
   * item writes and deletions, user deletions (default: see `startChangeFollower`).
   */
  followEvery?: number;
  /** Import the bundled demo into an empty store and train the default models before listening. */
  demo?: boolean;
  /**
   * After listening, train the text-aware models (`semantic`, `hybrid`) in the background when they
   * have no stored version; the worker embeds the catalogue once (cached in storage).
   */
  trainTextModels?: boolean;
  /**
   * Retention windows: events and served lists older than these are deleted in the background,
   * in batches, every `checkEvery` (default `1h`) and once shortly after start; unset = kept.
   */
  retention?: RetentionWindows & { checkEvery?: number | string; batchSize?: number; firstRunAfter?: number };
  /** The configured blocklist (the runtime one is kept in storage and changed through `/v1/admin/blocklist`). */
  blocklist?: Blocklist;
  /** Exposure caps per item and provider. */
  exposure?: Pick<ExposureCapOptions, 'maxPerItemPerHour' | 'maxPerProviderPerHour' | 'providerAttribute'>;
  /** Serve lists through the pipeline (default true); false serves `engine.recommend` alone. */
  pipeline?: boolean;
  /** Options of the pipeline (recency, trending topics, sources, …). */
  pipelineOptions?: PipelineOptions;
  /**
   * Extra set-up on the app before it listens (e.g. the dashboard's routes). The server listens
   * before the pipeline is built: `pipeline()` is undefined until it is.
   */
  register?: (app: FastifyInstance, service: { pipeline: () => Pipeline | undefined; lifecycle: ManagedLifecycle }) => Promise<void> | void;
  onProgress?: ProgressCallback;
  /** One line per set-up step. */
  say?: (line: string) => void;
  logger?: Logger;
}

/** A running service. */
export interface Service {
  app: FastifyInstance;
  url: string;
  lifecycle: ManagedLifecycle;
  pipeline: Pipeline | undefined;
  /** The retention job (runs nothing when no window is set or storage is read-only). */
  retention: RetentionSchedule;
  /** Whether this process holds the trainer lease now (runs the schedule and the automatic jobs). */
  trainer(): boolean;
  /** Stops the server, the retention job and the lifecycle (not the engine). */
  close(): Promise<void>;
}

/** Starts lifecycle, pipeline and server; see the module description. */
export async function startService(options: ServiceOptions): Promise<Service> {
  const { engine } = options;
  const say = options.say ?? (() => undefined);
  // Checked before anything starts, so a bad value fails the start rather than a running server.
  const retentionCheckEvery = options.retention?.checkEvery === undefined ? undefined : parseDuration(options.retention.checkEvery, 'retention.checkEvery');
  let pipeline: Pipeline | undefined;
  // While the demo is prepared, prepareDemo reports each job itself.
  let preparing = false;
  /** The trainer lease (absent on read-only storage): only its holder schedules and starts automatic jobs. */
  let lease: TrainerLease | undefined;
  const isTrainer = (): boolean => lease?.held() ?? false;
  const lifecycle = createLifecycle({
    engine,
    storageUrl: options.storageUrl,
    ...(options.encoder === undefined ? {} : { encoder: options.encoder }),
    ...(options.feedback === undefined ? {} : { feedback: options.feedback }),
    ...options.lifecycle,
    ...(options.logger === undefined ? {} : { logger: options.logger }),
    ...(options.reportsDir === undefined ? {} : { reportsDir: options.reportsDir }),
    schedules: isTrainer,
    onJob: (job: JobStatus) => {
      if (job.model === EVALUATION_JOB) {
        if (job.state === 'succeeded') say(`evaluation ${job.id} finished: report ${job.result?.report?.id ?? '?'}`);
        else if (job.state === 'failed') say(`evaluation ${job.id} failed: ${job.error?.message ?? 'unknown error'}`);
        return;
      }
      if (job.state === 'succeeded' && job.activated !== false) {
        if (!preparing) say(`trained ${job.model} v${job.result?.version ?? '?'} in the background`);
        pipeline?.reload().catch((err: unknown) => options.logger?.log('error', 'pipeline reload failed', { error: String(err) }));
        // A new kind of source (e.g. the text models trained after the first start) gets its ranker
        // features; after a ranker job, a source stored while it trained is caught up.
        if (pipeline && !preparing && isTrainer()) retrainRankerIfStale(job.model === RANKER_MODEL ? 'a model stored while the ranker trained' : 'a new source model');
      } else if (job.state === 'failed') say(`training ${job.model} failed: ${job.error?.message ?? 'unknown error'}`);
    },
    // Versions trained or activated by another process (`lmrec train`), a new model kind or a new
    // ranker: the pipeline's sources and ranker are resolved again, as after a job of this process.
    onStorageChange: (changes) => {
      if (!preparing) say(`serving ${changes.map((c) => `${c.name} v${c.version}`).join(', ')} (changed in storage)`);
      pipeline?.reload().catch((err: unknown) => options.logger?.log('error', 'pipeline reload failed', { error: String(err) }));
      if (pipeline && !preparing && isTrainer() && changes.some((c) => c.name !== RANKER_MODEL)) retrainRankerIfStale('a model trained by another process');
    },
  });
  /**
   * Queues the learned ranker's training in a worker when the stored one is missing or lacks a
   * trained source (an identical waiting job is joined); until it is stored the pipeline merges the
   * sources' lists by reciprocal-rank fusion.
   */
  let rankerQueuedFor = new Set<string>();
  function retrainRankerIfStale(reason: string): void {
    // One ranker job at a time: the check after it finishes catches what it missed.
    if (lifecycle.jobs().some((j) => j.model === RANKER_MODEL && (j.state === 'queued' || j.state === 'running'))) return;
    rankerCoverage(engine)
      .then((coverage) => {
        if (coverage.stored && coverage.missing.length === 0) return;
        if (lifecycle.jobs().some((j) => j.model === RANKER_MODEL && (j.state === 'queued' || j.state === 'running'))) return;
        // A source the last ranker job was meant to cover and still lacks cannot be used by it: no loop.
        if (coverage.stored && coverage.missing.every((name) => rankerQueuedFor.has(name))) {
          options.logger?.log('warn', 'the ranker could not use some trained sources', { sources: coverage.missing });
          return;
        }
        rankerQueuedFor = new Set(coverage.missing);
        const { jobId } = lifecycle.trainRanker(coverage.stored ? 'new sources' : 'first start');
        say(
          coverage.stored
            ? `training the ranker again in the background (job ${jobId}): ${reason}, ${coverage.missing.join(', ')}, has no ranker features yet`
            : `training the ranker over the candidate sources in the background (job ${jobId}); lists are merged by rank fusion until it is stored`,
        );
      })
      .catch((err: unknown) => options.logger?.log('error', 'checking the ranker failed', { error: String(err) }));
  }
  // Read-only storage (asked for, or a file that cannot be written): serve what is stored, write nothing.
  const storageHealth = engine.storage.health();
  const writable = storageHealth.writes !== 'read-only';
  if (!writable) say(`storage is read-only (${storageHealth.readOnlyReason ?? 'unknown reason'}): serving what it holds; nothing is trained or recorded`);
  let follower: ChangeFollower | undefined;
  try {
    const processId = options.processId ?? `${hostname()}#${process.pid}-${randomUUID().slice(0, 8)}`;
    if (writable) {
      lease = await startTrainerLease({
        storage: engine.storage,
        holder: processId,
        ...(options.trainerLeaseMs === undefined ? {} : { ttlMs: options.trainerLeaseMs }),
        ...(options.logger === undefined ? {} : { logger: options.logger }),
        // Taking over from a trainer that died: its pending automatic work is this process's now.
        onChange: (held) => {
          if (held && pipeline) {
            say(`this process (${processId}) is the trainer now`);
            retrainRankerIfStale('took over as the trainer');
          }
        },
      });
      if (!isTrainer()) say(`another process is the trainer (${(await lease.holder()) ?? 'unknown'}): this one serves and follows the versions it stores`);
    }
    const { register, retention: retentionOptions, ...serverOptions } = options;
    // One set of rules for every path: the pipeline's re-rank stage and the server's last step.
    const servingRules = await createServingRules({
      storage: engine.storage,
      ...(options.blocklist === undefined ? {} : { blocklist: options.blocklist }),
      ...(options.exposure === undefined ? {} : { exposure: options.exposure }),
      ...(options.logger === undefined ? {} : { logger: options.logger }),
    });
    // Off the request path: each batch is one short transaction between timer ticks.
    const retention = startRetentionSchedule({
      storage: engine.storage,
      ...(writable ? retentionWindows(retentionOptions) : {}),
      ...(retentionCheckEvery === undefined ? {} : { checkEvery: retentionCheckEvery }),
      ...(retentionOptions?.batchSize === undefined ? {} : { batchSize: retentionOptions.batchSize }),
      ...(retentionOptions?.firstRunAfter === undefined ? {} : { firstRunAfter: retentionOptions.firstRunAfter }),
      ...(options.logger === undefined ? {} : { logger: options.logger }),
      onPurge: (r) => {
        say(`retention: deleted ${r.events} event(s), ${r.impressions} served list(s) and ${r.clicks} click(s) past their windows`);
        // The pipeline's held histories and counters still have the deleted events.
        if (r.events > 0 && r.eventsBefore !== undefined) {
          pipeline?.forgetEventsBefore(r.eventsBefore).catch((err: unknown) => options.logger?.log('error', 'dropping expired events from memory failed', { error: String(err) }));
        }
      },
    });
    // The server listens first: `/v1/health` answers while the demo is prepared, the models decoded
    // and the trending counts read; recommendations answer 503 `starting` until the pipeline is open.
    const gate = new PipelineGate();
    let started: Awaited<ReturnType<typeof startServer>>;
    try {
      started = await startServer({
        ...serverOptions,
        ...gate.hooks,
        startup: () => gate.status(),
        servingRules,
        retention,
        lifecycle,
        processInfo: () => ({ id: processId, pid: process.pid, trainer: isTrainer(), ...(follower === undefined ? {} : { following: follower.status() }), ...(pipeline === undefined ? {} : { listCache: pipeline.listCache }), historyTextsPending: engine.historyTextsPending }),
        ...(register === undefined ? {} : { register: (app: FastifyInstance) => register(app, { pipeline: () => pipeline, lifecycle }) }),
      });
    } catch (error) {
      await retention.close();
      throw error;
    }
    say(`listening on ${started.url}; loading what it serves (recommendations answer 503 until ready)`);
    try {
      if (options.demo && writable) {
        gate.step = 'preparing the demo';
        if (isTrainer()) {
          preparing = true;
          try {
            await prepareDemo(engine, { lifecycle, say, ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }) });
          } finally {
            preparing = false;
          }
        } else await waitForPreparedStore(engine, say);
      }
      // A user deletion interrupted before its retraining (a crash, a stop) is completed now: versions
      // trained on the deleted user's data are deleted, and models still serving one are retrained.
      gate.step = 'completing interrupted user deletions';
      const erasures = writable && isTrainer() ? await lifecycle.completeErasures() : { purged: [], jobs: [] };
      if (erasures.purged.length > 0 || erasures.jobs.length > 0) {
        say(
          `deleted ${erasures.purged.length} model version(s) trained on data of deleted users` +
            (erasures.jobs.length > 0 ? `; retraining ${erasures.jobs.map((j) => j.model).join(', ')} without them` : ''),
        );
      }
      const fallback = engineRecommend(engine, servingRules);
      if (options.pipeline !== false && (await holdsEvents(engine)) && (await engine.storage.models.names()).length > 0) {
        gate.step = 'loading the models and the trending counts';
        pipeline = await createPipeline(engine, { ...(options.logger === undefined ? {} : { logger: options.logger }), servingRules, ...options.pipelineOptions });
      }
      const active = pipeline;
      let textJobs = 0;
      if (writable && isTrainer() && options.trainTextModels && engine.hasEncoder()) {
        for (const kind of ['semantic', 'hybrid']) {
          if ((await engine.storage.models.versions(kind)).length > 0) continue;
          const { jobId } = await lifecycle.train(kind);
          textJobs++;
          say(`training ${kind} in the background (job ${jobId}; embeds the catalogue once) …`);
        }
      }
      // The ranker trains in the background too, once the text models it should cover are stored
      // (their jobs' completion queues it), at once when none are coming.
      if (writable && isTrainer() && active && textJobs === 0) retrainRankerIfStale('start');
      // What other processes on this storage write reaches this one's pipeline within `followEvery`.
      if (active && options.followEvery !== 0) {
        follower = await startChangeFollower({
          storage: engine.storage,
          ...(options.followEvery === undefined ? {} : { everyMs: options.followEvery }),
          onEvents: (events) => {
            for (const e of events) active.observe(e);
          },
          onItems: (items) => active.observeItems(items),
          onItemsDeleted: (ids) => active.forgetItems(ids),
          onErasures: () => active.forgetHeldUsers(),
          ...(options.logger === undefined ? {} : { logger: options.logger }),
        });
      }
      gate.step = 'handing over the writes received while starting';
      const hooks: ServerHooks = active
          ? {
              recommend: pipelineRecommend(active, fallback),
              onEvent: (events) => {
                if (follower) follower.ownEvents(events);
                else for (const e of events) active.observe(e);
              },
              onItems: (items, signal) => active.observeItems(items, { signal }),
              onItemDeleted: (itemId) => active.forgetItems([itemId]),
              onUserDeleted: (userId, events) => active.forgetUser(userId, events === undefined ? {} : { events }),
              trending: active,
            }
          : { recommend: fallback };
      await gate.open(hooks);
    } catch (error) {
      await retention.close();
      await started.app.close();
      throw error;
    }
    const { app, url } = started;
    const stopSharing = async (): Promise<void> => {
      await follower?.stop();
      await lease?.stop();
    };
    return {
      app,
      url,
      lifecycle,
      pipeline,
      retention,
      trainer: () => isTrainer(),
      async close(): Promise<void> {
        await retention.close();
        await app.close();
        await stopSharing();
        await lifecycle.close();
      },
    };
  } catch (err) {
    await follower?.stop();
    await lease?.stop();
    await lifecycle.close();
    throw err;
  }
}

/**
 * Whether the store holds any event: one page of one event, where a count would read the whole
 * event log's index (seconds of a synchronous call at 10M events on a cold file).
 */
async function holdsEvents(engine: Engine): Promise<boolean> {
  for await (const page of engine.storage.events.scanCounted({ batchSize: 1 })) if (page.length > 0) return true;
  return false;
}

/**
 * Waits until another process (the trainer) has prepared the demo: the store holds events and a
 * trained model. At most 30 minutes, the demo's preparation on a slow machine.
 */
async function waitForPreparedStore(engine: Engine, say: (line: string) => void): Promise<void> {
  say('the trainer prepares the demo; waiting for its data and models …');
  const deadline = Date.now() + 30 * 60_000;
  while (Date.now() < deadline) {
    if ((await holdsEvents(engine)) && (await engine.storage.models.names()).length > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  say('the demo was not prepared within 30 minutes: serving what the store holds');
}

function retentionWindows(options: RetentionWindows | undefined): RetentionWindows {
  return {
    ...(options?.eventsDays === undefined ? {} : { eventsDays: options.eventsDays }),
    ...(options?.impressionsDays === undefined ? {} : { impressionsDays: options.impressionsDays }),
  };
}
