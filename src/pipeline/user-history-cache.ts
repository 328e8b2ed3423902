/**
 * Recently active users' stored histories in memory, so a request reads its user's events from
 * storage once, not every time. Kept true without trusting any one writer: before answering, the
 * cache compares storage's latest event sequence number with the latest it has seen and, when
 * events arrived (through this server, another process or an import), reads just those and appends
 * them to the users it holds; past `maxCatchUp` new events it simply starts over. Each history keeps
 * at most `historyLimit` latest events, like a read of the store would. Memory is bounded by users
 * (`capacity`) and by events held in all (`maxEvents`), least recently read users first out, so ten
 * thousand long histories cannot take gigabytes.
 * @module
 */
import type { StoredEvent } from '../core/types.js';
import type { Storage } from '../storage/storage.js';

/** Options of {@link UserHistoryCache}. */
export interface UserHistoryCacheOptions {
  /** Users kept (default 10,000; least recently read first out). */
  capacity?: number;
  /** Events kept in all users' histories together (default 500,000, some 75 MB); beyond, least recently read users go. */
  maxEvents?: number;
  /** Latest events kept per user (the engine's history limit). */
  historyLimit: number;
  /** More new events than this at once empties the cache instead of reading them (default 50,000). */
  maxCatchUp?: number;
  /** Reads a user's latest `historyLimit` events from storage. */
  read: (userId: string, signal?: AbortSignal) => Promise<StoredEvent[]>;
}

interface Entry {
  events: StoredEvent[];
  maxSeq: number;
}

/** See the module description. */
export class UserHistoryCache {
  private readonly entries = new Map<string, Entry>();
  private knownSeq = -1;
  private catchingUp: Promise<void> | undefined;
  private readonly capacity: number;
  private readonly maxEvents: number;
  private readonly maxCatchUp: number;
  /** Events in all entries. */
  private held = 0;

  constructor(
    private readonly storage: Storage,
    private readonly options: UserHistoryCacheOptions,
  ) {
    this.capacity = options.capacity ?? 10_000;
    this.maxEvents = options.maxEvents ?? 500_000;
    this.maxCatchUp = options.maxCatchUp ?? 50_000;
  }

  /** The user's latest events in time order (a fresh array the caller may keep). */
  async get(userId: string, signal?: AbortSignal): Promise<StoredEvent[]> {
    await this.catchUp(signal);
    const hit = this.entries.get(userId);
    if (hit) {
      this.entries.delete(userId);
      this.entries.set(userId, hit);
      return hit.events.slice();
    }
    const events = await this.options.read(userId, signal);
    let maxSeq = 0;
    for (const e of events) if (e.seq > maxSeq) maxSeq = e.seq;
    this.entries.set(userId, { events, maxSeq });
    this.held += events.length;
    this.evict();
    return events.slice();
  }

  /** Drops a user (after deletion). */
  forget(userId: string): void {
    this.remove(userId);
  }

  /** Drops every held history (users deleted by another process, which the erasure log does not name). */
  clear(): void {
    this.entries.clear();
    this.held = 0;
  }

  /** Drops every held event older than `timestamp` (after storage deleted them, e.g. by retention). */
  dropBefore(timestamp: number): void {
    for (const [userId, entry] of this.entries) {
      const kept = entry.events.filter((e) => e.timestamp >= timestamp);
      if (kept.length === entry.events.length) continue;
      this.held -= entry.events.length - kept.length;
      if (kept.length === 0) this.entries.delete(userId);
      else entry.events = kept;
    }
  }

  /** Users held now. */
  get size(): number {
    return this.entries.size;
  }

  /** Events held now, in all histories. */
  get events(): number {
    return this.held;
  }

  private remove(userId: string): void {
    const entry = this.entries.get(userId);
    if (!entry) return;
    this.held -= entry.events.length;
    this.entries.delete(userId);
  }

  /** Least recently read first out, down to both bounds (the newest entry stays). */
  private evict(): void {
    while (this.entries.size > 1 && (this.entries.size > this.capacity || this.held > this.maxEvents)) this.remove(this.entries.keys().next().value as string);
  }

  private async catchUp(signal?: AbortSignal): Promise<void> {
    // One catch-up at a time; concurrent requests wait for it.
    while (this.catchingUp) await this.catchingUp;
    const last = await this.storage.events.lastSeq({ signal });
    if (last === this.knownSeq) return;
    if (this.knownSeq < 0 || last < this.knownSeq || last - this.knownSeq > this.maxCatchUp) {
      // First use, a store that went back (events deleted and renumbered), or too much to read.
      this.entries.clear();
      this.held = 0;
      this.knownSeq = last;
      return;
    }
    const from = this.knownSeq;
    this.catchingUp = (async () => {
      for await (const page of this.storage.events.scan({ afterSeq: from, signal, batchSize: 5_000 })) {
        for (const e of page) {
          if (e.seq > last) continue;
          const entry = this.entries.get(e.userId);
          if (!entry || e.seq <= entry.maxSeq) continue;
          const events = entry.events;
          events.push(e);
          this.held++;
          entry.maxSeq = e.seq;
          const n = events.length;
          // Back-dated events go to their place in time order.
          if (n > 1 && (events[n - 2].timestamp > e.timestamp || (events[n - 2].timestamp === e.timestamp && events[n - 2].seq > e.seq))) events.sort((a, b) => a.timestamp - b.timestamp || a.seq - b.seq);
          if (events.length > this.options.historyLimit) this.held -= events.splice(0, events.length - this.options.historyLimit).length;
        }
      }
      this.knownSeq = last;
      this.evict();
    })();
    try {
      await this.catchingUp;
    } finally {
      this.catchingUp = undefined;
    }
  }
}
