/**
 * A live feed of appended events for any number of subscribers, each with a cursor of its own: the
 * sequence number of the last event it was handed. While someone listens, a timer reads storage after
 * each cursor (subscribers at the same cursor share one read, so the usual case is one read per tick)
 * and hands every subscriber its events. Reading storage (rather than hooking the ingest route) also
 * shows events written by other processes or replicas.
 *
 * A slow subscriber holds back nobody else: when its listener says it is full (a socket whose buffer
 * is full, `res.write` returning false), it is passed over until {@link EventSubscription.resume}.
 * Meanwhile the events read for the others are held for it, at most `bufferLimit` of them; beyond that
 * the held events are dropped and it catches up from storage after its cursor when it resumes. So a
 * subscriber costs at most `bufferLimit` events of memory, however far behind it is.
 * @module
 */
import type { StoredEvent, Storage } from '../index.js';

/**
 * Receives batches of new events, oldest first. Returning `false` means "full for now": nothing more
 * is handed over until the subscription's `resume()` is called.
 */
export type EventFeedListener = (events: readonly StoredEvent[]) => boolean | void;

/** Options of {@link createEventFeed}. */
export interface EventFeedOptions {
  /** How often storage is polled while someone listens, ms (default 500). */
  intervalMs?: number;
  /** Most events read per poll and cursor (default 500); a larger backlog is delivered over several reads in a row. */
  maxPerPoll?: number;
  /** Most events held for a full subscriber (default 1,000); beyond it, it catches up from storage. */
  bufferLimit?: number;
  /** Told about a failed poll (the feed keeps going). */
  onError?: (error: unknown) => void;
}

/** One subscriber's handle. */
export interface EventSubscription {
  /** Sequence number of the last event handed to the listener. */
  readonly cursor: number;
  /** True while the listener is full (it said so and has not been resumed). */
  readonly paused: boolean;
  /** The listener can take events again: held events first, then the rest from storage after its cursor. */
  resume(): void;
  /** Stops delivering to this subscriber. */
  close(): void;
}

/** What the feed holds now (for tests and metrics). */
export interface EventFeedStats {
  subscribers: number;
  /** Subscribers whose listener is full. */
  paused: number;
  /** Events held for full subscribers, in all. */
  held: number;
}

/** See the module description. */
export interface EventFeed {
  /** Starts delivering events appended after `afterSeq` (default: from now). */
  subscribe(listener: EventFeedListener, afterSeq?: number): Promise<EventSubscription>;
  stats(): EventFeedStats;
  /** Stops the timer and forgets every subscriber. */
  close(): void;
}

interface Subscriber {
  listener: EventFeedListener;
  /** Last seq handed to the listener. */
  cursor: number;
  /** Events after `cursor` read while the listener was full, in order, contiguous. */
  held: StoredEvent[];
  /** Seq the held events reach (`cursor` when none are held). */
  heldUpTo: number;
  paused: boolean;
  /** The held events were dropped (too many): reads resume from `cursor` once resumed. */
  overflowed: boolean;
  closed: boolean;
}

/** Creates a feed over `storage`. */
export function createEventFeed(storage: Storage, options: EventFeedOptions = {}): EventFeed {
  const intervalMs = options.intervalMs ?? 500;
  const maxPerPoll = options.maxPerPoll ?? 500;
  const bufferLimit = options.bufferLimit ?? 1_000;
  const subscribers = new Set<Subscriber>();
  let timer: ReturnType<typeof setInterval> | undefined;
  let polling = false;
  let pollAgain = false;

  /** Where the next read for `s` starts; undefined when nothing is read for it now. */
  function readPosition(s: Subscriber): number | undefined {
    if (s.closed) return undefined;
    if (s.paused) return s.overflowed ? undefined : s.heldUpTo;
    return s.cursor;
  }

  function hand(s: Subscriber, events: readonly StoredEvent[]): void {
    s.cursor = events[events.length - 1].seq;
    s.heldUpTo = s.cursor;
    if (s.listener(events) === false) s.paused = true;
  }

  function deliver(s: Subscriber, page: readonly StoredEvent[]): void {
    if (s.closed || page.length === 0) return;
    if (!s.paused) {
      hand(s, page);
      return;
    }
    if (s.held.length + page.length > bufferLimit) {
      s.held = [];
      s.heldUpTo = s.cursor;
      s.overflowed = true;
      return;
    }
    s.held.push(...page);
    s.heldUpTo = page[page.length - 1].seq;
  }

  async function readAfter(seq: number): Promise<StoredEvent[]> {
    for await (const page of storage.events.scan({ afterSeq: seq, batchSize: maxPerPoll })) return page;
    return [];
  }

  async function poll(): Promise<void> {
    if (polling) {
      pollAgain = true;
      return;
    }
    if (subscribers.size === 0) return;
    polling = true;
    let backlog = false;
    try {
      const last = await storage.events.lastSeq();
      const groups = new Map<number, Subscriber[]>();
      for (const s of subscribers) {
        const at = readPosition(s);
        if (at === undefined || at >= last) continue;
        const group = groups.get(at);
        if (group === undefined) groups.set(at, [s]);
        else group.push(s);
      }
      for (const [at, group] of groups) {
        const page = await readAfter(at);
        if (page.length === maxPerPoll) backlog = true;
        // Each subscriber reads from its own cursor: whoever has moved on meanwhile skips what it has.
        for (const s of group) {
          const position = readPosition(s);
          if (position === undefined) continue;
          deliver(s, position === at ? page : page.filter((e) => e.seq > position));
        }
      }
    } catch (error) {
      options.onError?.(error);
    } finally {
      polling = false;
    }
    // A backlog (a subscriber catching up) is read page after page rather than one page a tick.
    if (backlog || pollAgain) {
      pollAgain = false;
      setImmediate(() => void poll());
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
      const s: Subscriber = { listener, cursor: start, held: [], heldUpTo: start, paused: false, overflowed: false, closed: false };
      subscribers.add(s);
      timer ??= setInterval(() => void poll(), intervalMs);
      return {
        get cursor() {
          return s.cursor;
        },
        get paused() {
          return s.paused;
        },
        resume() {
          if (s.closed || !s.paused) return;
          s.paused = false;
          s.overflowed = false;
          const held = s.held;
          s.held = [];
          if (held.length > 0) hand(s, held);
          else s.heldUpTo = s.cursor;
          // Catch up now rather than at the next tick.
          if (!s.paused) setImmediate(() => void poll());
        },
        close() {
          s.closed = true;
          s.held = [];
          subscribers.delete(s);
          stopIfIdle();
        },
      };
    },
    stats() {
      let paused = 0;
      let held = 0;
      for (const s of subscribers) {
        if (s.paused) paused++;
        held += s.held.length;
      }
      return { subscribers: subscribers.size, paused, held };
    },
    close() {
      for (const s of subscribers) s.closed = true;
      subscribers.clear();
      stopIfIdle();
    },
  };
}
