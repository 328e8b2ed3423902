/**
 * The one trainer among several serving processes on one storage: the process holding the storage
 * lease `trainer` runs the retrain schedule and the automatic jobs (the ranker after new sources,
 * the text models of the demo); the others serve and follow the versions it stores. The holder
 * renews the lease every third of its time to live; when it dies or loses the storage, the lease
 * runs out and the next process to ask becomes the trainer. A holder that cannot renew in time
 * steps down before its lease could have passed to another, so two processes never both schedule.
 * @module
 */
import { silentLogger } from '../core/logger.js';
import type { Logger } from '../core/logger.js';
import type { Storage } from '../storage/storage.js';

/** Name of the trainer's lease in `storage.leases`. */
export const TRAINER_LEASE = 'trainer';

/** Default time to live of the lease: 15 s (a dead trainer is replaced within that). */
export const DEFAULT_TRAINER_LEASE_MS = 15_000;

/** Options of {@link startTrainerLease}. */
export interface TrainerLeaseOptions {
  storage: Storage;
  /** This process's id in the lease (unique per process). */
  holder: string;
  /** Time to live, ms (default {@link DEFAULT_TRAINER_LEASE_MS}). */
  ttlMs?: number;
  /** Called when this process becomes the trainer (true) or stops being it (false). */
  onChange?: (held: boolean) => void;
  logger?: Logger;
}

/** A process's part in the trainer lease. */
export interface TrainerLease {
  /** Whether this process is the trainer now. */
  held(): boolean;
  /** Who is the trainer (undefined while nobody holds the lease). */
  holder(): Promise<string | undefined>;
  /** Asks or renews now; resolves whether this process holds the lease. */
  renew(): Promise<boolean>;
  /** Stops renewing and gives the lease up, so another process takes over at once. */
  stop(): Promise<void>;
}

/** Starts asking for the lease (the first attempt has finished when this resolves). */
export async function startTrainerLease(options: TrainerLeaseOptions): Promise<TrainerLease> {
  const { storage, holder } = options;
  const ttlMs = options.ttlMs ?? DEFAULT_TRAINER_LEASE_MS;
  const logger = options.logger ?? silentLogger;
  let held = false;
  /** Until when the lease is surely ours: the time of the last successful ask plus the TTL. */
  let validUntil = 0;
  let stopped = false;

  const set = (next: boolean): void => {
    if (next === held) return;
    held = next;
    logger.log('info', next ? 'this process is the trainer now' : 'this process is no longer the trainer', { holder });
    options.onChange?.(next);
  };

  async function renew(): Promise<boolean> {
    if (stopped) return false;
    const askedAt = Date.now();
    try {
      const got = await storage.leases.acquire(TRAINER_LEASE, holder, ttlMs);
      if (got) validUntil = askedAt + ttlMs;
      set(got);
    } catch (error) {
      // Unreachable storage: keep the role only while the last grant surely lasts.
      if (Date.now() > validUntil - ttlMs / 3) set(false);
      logger.log('warn', 'renewing the trainer lease failed', { error: error instanceof Error ? error.message : String(error) });
    }
    return held;
  }

  await renew();
  const timer = setInterval(() => void renew(), Math.max(10, Math.floor(ttlMs / 3)));
  timer.unref();

  return {
    held: () => held,
    holder: async () => (await storage.leases.holder(TRAINER_LEASE))?.holder,
    renew,
    async stop() {
      stopped = true;
      clearInterval(timer);
      if (!held) return;
      set(false);
      await storage.leases.release(TRAINER_LEASE, holder).catch((error: unknown) => {
        logger.log('warn', 'releasing the trainer lease failed; it runs out by itself', { error: error instanceof Error ? error.message : String(error) });
      });
    },
  };
}
