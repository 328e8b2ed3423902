/**
 * The live event buffer of each user seen since start: the latest events (at most `perUser`) that
 * storage does not hold (yet), merged with the stored history on the next request; the pipeline does
 * not buffer events that carry a `seq`, which the request reads from storage. Bounded: a user idle for longer than `idleMs`
 * (checked on every `add`, oldest users first) or beyond `capacity` users (least recently active
 * first) is dropped — their events are in storage, so nothing is lost, only the buffer.
 * @module
 */
import type { Event } from '../core/types.js';

/** Options of {@link LiveSessions}. */
export interface LiveSessionsOptions {
  /** Events kept per user (default 50). */
  perUser?: number;
  /** Users kept at most (default 100,000). */
  capacity?: number;
  /** A user without an event for this long is dropped (default 2 hours). */
  idleMs?: number;
  /** Clock, ms since epoch (default `Date.now`). */
  clock?: () => number;
}

interface Buffer {
  events: Event[];
  lastSeenAt: number;
}

/** See the module description. */
export class LiveSessions {
  /** Least recently active user first (a Map keeps insertion order; `add` re-inserts). */
  private readonly users = new Map<string, Buffer>();
  private readonly perUser: number;
  private readonly capacity: number;
  private readonly idleMs: number;
  private readonly clock: () => number;

  constructor(options: LiveSessionsOptions = {}) {
    this.perUser = options.perUser ?? 50;
    this.capacity = options.capacity ?? 100_000;
    this.idleMs = options.idleMs ?? 2 * 3600 * 1000;
    this.clock = options.clock ?? Date.now;
  }

  /** Appends an event to its user's buffer. */
  add(event: Event): void {
    const now = this.clock();
    let buffer = this.users.get(event.userId);
    if (buffer) this.users.delete(event.userId);
    else buffer = { events: [], lastSeenAt: now };
    buffer.events.push(event);
    if (buffer.events.length > this.perUser) buffer.events.splice(0, buffer.events.length - this.perUser);
    buffer.lastSeenAt = now;
    this.users.set(event.userId, buffer);
    this.evict(now);
  }

  /** The user's buffered events (empty when none). */
  get(userId: string): readonly Event[] {
    return this.users.get(userId)?.events ?? [];
  }

  /** Drops a user's buffer. */
  delete(userId: string): void {
    this.users.delete(userId);
  }

  /** Drops every buffer. */
  clear(): void {
    this.users.clear();
  }

  /** Users buffered now. */
  get size(): number {
    return this.users.size;
  }

  private evict(now: number): void {
    for (const [userId, buffer] of this.users) {
      if (this.users.size <= this.capacity && now - buffer.lastSeenAt <= this.idleMs) break;
      this.users.delete(userId);
    }
  }
}
