/**
 * A live feed of appended events for any number of subscribers: while someone listens, one timer
 * reads storage from the last sequence number seen and hands every new event to each subscriber.
 * Reading storage (rather than hooking the ingest route) also shows events written by other
 * processes or replicas.
 * @module
 */
import type { StoredEvent, Storage } from '../index.js';

/** Receives batches of new events, oldest first. */
export type EventFeedListener = (events: readonly StoredEvent[]) => void;

/** Options of {@link createEventFeed}. */
export interface EventFeedOptions {
  /** How often storage is polled while someone listens, ms (default 500). */
  intervalMs?: number;
  /** Most events read per poll (default 500); a burst larger than this is delivered over several polls. */
  maxPerPoll?: number;
  /** Told about a failed poll (the feed keeps going). */
  onError?: (error: unknown) => void;
}

/** See the module description. */
export interface EventFeed {
  /** Starts delivering events appended after `afterSeq` (default: from now); returns the unsubscribe function. */
  subscribe(listener: EventFeedListener, afterSeq?: number): Promise<() => void>;
  /** Stops the timer and forgets every subscriber. */
  close(): void;
}

/** Creates a feed over `storage`. */
export function createEventFeed(storage: Storage, options: EventFeedOptions = {}): EventFeed {
  const intervalMs = options.intervalMs ?? 500;
  const maxPerPoll = options.maxPerPoll ?? 500;
  const subscribers = new Map<EventFeedListener, { afterSeq: number }>();
  let timer: ReturnType<typeof setInterval> | undefined;
  let polling = false;

  async function poll(): Promise<void> {
    if (polling || subscribers.size === 0) return;
    polling = true;
    try {
      const from = Math.min(...[...subscribers.values()].map((s) => s.afterSeq));
      const fresh: StoredEvent[] = [];
      for await (const page of storage.events.scan({ afterSeq: from, batchSize: maxPerPoll })) {
        fresh.push(...page);
        break;
      }
      if (fresh.length === 0) return;
      for (const [listener, state] of subscribers) {
        const mine = fresh.filter((e) => e.seq > state.afterSeq);
        if (mine.length === 0) continue;
        state.afterSeq = mine[mine.length - 1].seq;
        listener(mine);
      }
    } catch (error) {
      options.onError?.(error);
    } finally {
      polling = false;
    }
  }

  function stopIfIdle(): void {
    if (subscribers.size === 0 && timer !== undefined) {
      clearInterval(timer);
      timer = undefined;
    }
  }

  return {
    async subscribe(listener, afterSeq) {
      const start = afterSeq ?? (await storage.events.lastSeq());
      subscribers.set(listener, { afterSeq: start });
      timer ??= setInterval(() => void poll(), intervalMs);
      return () => {
        subscribers.delete(listener);
        stopIfIdle();
      };
    },
    close() {
      subscribers.clear();
      stopIfIdle();
    },
  };
}
