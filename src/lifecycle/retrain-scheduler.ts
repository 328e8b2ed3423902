/**
 * When to retrain: a model is due when its newest version is older than `everyMs`, or when at
 * least `afterEvents` events arrived after the data it was trained on. Both are read from storage
 * (a version's `createdAt` and its `dataSeq`), so the schedule survives restarts and is shared by
 * replicas. A timer checks every `checkEveryMs`; {@link RetrainScheduler.check} runs one check now.
 * @module
 */
import { throwIfAborted } from '../core/errors.js';
import { silentLogger } from '../core/logger.js';
import type { Logger } from '../core/logger.js';
import type { Storage } from '../storage/storage.js';
import { isModelKind } from '../models/registry.js';

/** Why a model is due. */
export type RetrainReason = 'schedule' | 'events' | 'untrained';

/** Options of {@link createRetrainScheduler}. */
export interface RetrainSchedulerOptions {
  storage: Storage;
  /** Models to keep fresh; by default every model with a stored version. */
  models?: readonly string[];
  /** Retrain a model whose newest version is at least this old, ms. */
  everyMs?: number;
  /** Retrain a model once this many events arrived after its training data. */
  afterEvents?: number;
  /** How often the timer checks, ms (default 60 000). */
  checkEveryMs?: number;
  /** Whether `model` is being trained already (it is then skipped). */
  busy(model: string): boolean;
  /** Starts training `model`. */
  trigger(model: string, reason: RetrainReason): Promise<void> | void;
  /** Runs on every timer tick before the check (e.g. syncing served versions with storage). */
  onTick?: (signal: AbortSignal) => Promise<void>;
  logger?: Logger;
}

/** A running schedule. */
export interface RetrainScheduler {
  /** Checks every model now, triggers the due ones and returns them. */
  check(signal?: AbortSignal): Promise<{ model: string; reason: RetrainReason }[]>;
  /** Stops the timer and waits for a check in progress. */
  stop(): Promise<void>;
}

/** Starts checking on a timer (unref'd: it never keeps the process alive). */
export function createRetrainScheduler(options: RetrainSchedulerOptions): RetrainScheduler {
  const logger = options.logger ?? silentLogger;
  const { storage } = options;
  const controller = new AbortController();
  let inFlight: Promise<unknown> | undefined;

  async function due(model: string, lastSeq: number, signal: AbortSignal): Promise<RetrainReason | undefined> {
    const newest = (await storage.models.versions(model, { signal }))[0];
    if (!newest) return lastSeq > 0 ? 'untrained' : undefined;
    if (options.everyMs !== undefined && Date.now() - newest.createdAt >= options.everyMs) return 'schedule';
    if (options.afterEvents !== undefined) {
      const dataSeq = Number(newest.meta.dataSeq ?? 0);
      if (lastSeq - dataSeq >= options.afterEvents) return 'events';
    }
    return undefined;
  }

  async function check(signal: AbortSignal = controller.signal): Promise<{ model: string; reason: RetrainReason }[]> {
    const models = options.models ?? (await storage.models.names({ signal })).filter(isModelKind);
    const lastSeq = await storage.events.lastSeq({ signal });
    const started: { model: string; reason: RetrainReason }[] = [];
    for (const model of models) {
      throwIfAborted(signal);
      if (options.busy(model)) continue;
      const reason = await due(model, lastSeq, signal);
      if (!reason) continue;
      logger.log('info', `retraining ${model} (${reason})`);
      await options.trigger(model, reason);
      started.push({ model, reason });
    }
    return started;
  }

  const tick = async (): Promise<void> => {
    if (inFlight) return;
    const run = (async () => {
      await options.onTick?.(controller.signal);
      if (options.everyMs !== undefined || options.afterEvents !== undefined) await check();
    })();
    inFlight = run;
    try {
      await run;
    } catch (error) {
      if (!controller.signal.aborted) logger.log('warn', 'retrain check failed', { error: (error as Error).message });
    } finally {
      inFlight = undefined;
    }
  };
  const timer = setInterval(() => void tick(), options.checkEveryMs ?? 60_000);
  timer.unref();

  return {
    check: (signal) => check(signal ?? controller.signal),
    async stop() {
      clearInterval(timer);
      controller.abort();
      await inFlight?.catch(() => undefined);
    },
  };
}
