/**
 * Live state shared by several serving processes on one storage: each process follows what the
 * others wrote, through the storage's own logs, and applies it to its in-memory state as if it had
 * received the request itself. Events are read after the last seq seen (`events.scan({ afterSeq })`),
 * catalogue writes and deletions from the change log (`storage.changes`, appended by the backend in
 * each write's transaction), user deletions from the erasure log. The logs are numbered in commit
 * order, so reading after the last number seen misses nothing, also for a process that started late
 * or lost its connection for a while: it catches up from where it was.
 *
 * The process's own events are applied when they are stored (no wait for a poll, see
 * {@link ChangeFollower.ownEvents}) and skipped by their seqs when the follower reads them; its own
 * item writes come back through the change log and are applied once more, as stored then (applying
 * an item is idempotent, and counts are not involved).
 * @module
 */
import type { Item, Logger, Storage, StoredEvent } from '../index.js';

/** What a follower applies, and where (the pipeline's hooks in `startService`). */
export interface ChangeFollowerOptions {
  storage: Storage;
  /** Events another process stored, in seq order. */
  onEvents: (events: readonly StoredEvent[]) => void;
  /** Items another process wrote (as stored now). */
  onItems: (items: readonly Item[]) => Promise<void>;
  /** Items another process deleted. */
  onItemsDeleted: (itemIds: readonly string[]) => void;
  /**
   * Users were deleted by another process. The erasure log names no user, so what the process holds
   * per user (histories, history vectors) is dropped and read again from storage when asked.
   */
  onErasures: () => Promise<void>;
  /**
   * Time between two looks at the logs, ms: default {@link DEFAULT_FOLLOW_EVERY_MS}, or
   * {@link DEFAULT_WATCHED_FOLLOW_EVERY_MS} where the storage pushes (`storage.watch`).
   */
  everyMs?: number;
  /** Log entries read per look at most (default 10,000 events and 10,000 changes). */
  maxPerTick?: number;
  logger?: Logger;
}

/** A running follower. */
export interface ChangeFollower {
  /**
   * Applies events this process just stored (through `onEvents`), once: an event the follower has
   * already read from the log (it got there first) is not applied again, and the follower will skip
   * the others when it reads them.
   */
  ownEvents(events: readonly StoredEvent[]): void;
  /** Looks at the logs now (tests, and after a reconnect); concurrent calls share one look. */
  poll(): Promise<void>;
  /** Where it is in each log. */
  status(): { eventSeq: number; changeSeq: number; erasureId: number; lagMs: number; failures: number; lastError?: string };
  /** Stops the timer and waits for a look in progress. */
  stop(): Promise<void>;
}

/** Default of {@link ChangeFollowerOptions.everyMs} without push: 20 ms, three indexed reads each (a few µs on SQLite). */
export const DEFAULT_FOLLOW_EVERY_MS = 20;

/** Default of {@link ChangeFollowerOptions.everyMs} where the storage pushes: a safety net for a lost notification. */
export const DEFAULT_WATCHED_FOLLOW_EVERY_MS = 1000;

const PAGE = 1000;

/**
 * Starts following `options.storage` from its current ends (what is stored now was read by the
 * process at start), looking every `everyMs`.
 * @example
 * const follower = await startChangeFollower({ storage, onEvents: (es) => es.forEach((e) => pipeline.observe(e)), onItems: (items) => pipeline.observeItems(items), onItemsDeleted: (ids) => pipeline.forgetItems(ids), onErasures: () => pipeline.forgetHeldUsers() });
 */
export async function startChangeFollower(options: ChangeFollowerOptions): Promise<ChangeFollower> {
  const { storage } = options;
  const everyMs = options.everyMs ?? (storage.watch ? DEFAULT_WATCHED_FOLLOW_EVERY_MS : DEFAULT_FOLLOW_EVERY_MS);
  const maxPerTick = options.maxPerTick ?? 10_000;
  let eventSeq = await storage.events.lastSeq();
  let changeSeq = await storage.changes.lastSeq();
  let erasureId = await storage.erasures.lastId();
  /** Own events applied already and not yet passed in the log. */
  const ownSeqs = new Set<number>();
  let lastCaughtUp = Date.now();
  let failures = 0;
  let lastError: string | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;

  async function followEvents(): Promise<void> {
    // One indexed read when nothing was appended (the common case between events).
    if ((await storage.events.lastSeq()) <= eventSeq) return;
    let read = 0;
    while (read < maxPerTick) {
      let page: StoredEvent[] = [];
      for await (const batch of storage.events.scan({ afterSeq: eventSeq, batchSize: PAGE })) {
        page = batch;
        break;
      }
      if (page.length === 0) return;
      const others = page.filter((e) => !ownSeqs.delete(e.seq));
      eventSeq = page[page.length - 1].seq;
      if (others.length > 0) options.onEvents(others);
      read += page.length;
      if (page.length < PAGE) return;
    }
  }

  async function followChanges(): Promise<void> {
    if ((await storage.changes.lastSeq()) <= changeSeq) return;
    let read = 0;
    while (read < maxPerTick) {
      const page = await storage.changes.since(changeSeq, { limit: PAGE });
      if (page.length === 0) return;
      changeSeq = page[page.length - 1].seq;
      read += page.length;
      const upserted = new Set<string>();
      const deleted = new Set<string>();
      for (const change of page) {
        if (change.kind === 'item-delete') {
          upserted.delete(change.id);
          deleted.add(change.id);
        } else {
          deleted.delete(change.id);
          upserted.add(change.id);
        }
      }
      if (deleted.size > 0) options.onItemsDeleted([...deleted]);
      if (upserted.size > 0) {
        // As stored now: a later write of the same item is read here too, and applied again when its entry comes.
        const items = await storage.items.getMany([...upserted]);
        if (items.length > 0) await options.onItems(items);
      }
      if (page.length < PAGE) return;
    }
  }

  async function followErasures(): Promise<void> {
    const last = await storage.erasures.lastId();
    if (last <= erasureId) return;
    erasureId = last;
    await options.onErasures();
  }

  async function look(): Promise<void> {
    try {
      await followErasures();
      await followEvents();
      await followChanges();
      lastCaughtUp = Date.now();
      failures = 0;
      lastError = undefined;
    } catch (error) {
      failures++;
      lastError = error instanceof Error ? error.message : String(error);
      // The next look starts from the last entry applied: nothing is skipped, only delayed.
      if (failures === 1 || failures % 100 === 0) options.logger?.log('warn', 'following other processes\' writes failed; retrying', { error: lastError, failures });
    }
  }

  /** Asked for while a look ran (which may have read before the commit that asked): look once more. */
  let again = false;
  function poll(): Promise<void> {
    if (running) {
      again = true;
      return running;
    }
    running = look().finally(() => {
      running = undefined;
      if (again && !stopped) {
        again = false;
        void poll();
      }
    });
    return running;
  }

  // Where the backend pushes (PostgreSQL's LISTEN/NOTIFY), a commit elsewhere triggers a look at
  // once; polling stays as the safety net for a notification lost with a connection.
  const subscription = storage.watch ? await storage.watch(() => void poll()).catch((error: unknown) => {
    options.logger?.log('warn', 'subscribing to storage changes failed; polling only', { error: error instanceof Error ? error.message : String(error) });
    return undefined;
  }) : undefined;
  let timer: NodeJS.Timeout | undefined;
  const schedule = (): void => {
    if (stopped || everyMs <= 0) return;
    timer = setTimeout(() => void poll().then(schedule), everyMs);
    timer.unref();
  };
  schedule();

  return {
    ownEvents(events) {
      // At or below the cursor, the log read has applied it already (it was not marked own then).
      const fresh = events.filter((e) => e.seq > eventSeq);
      for (const e of fresh) ownSeqs.add(e.seq);
      if (fresh.length > 0) options.onEvents(fresh);
    },
    poll,
    status: () => ({ eventSeq, changeSeq, erasureId, lagMs: Date.now() - lastCaughtUp, failures, ...(lastError === undefined ? {} : { lastError }) }),
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await subscription?.close();
      await running;
    },
  };
}
