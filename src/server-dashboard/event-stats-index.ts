/**
 * Interaction statistics kept in memory for the dashboard: per item, counts by event type, distinct
 * users and a rating histogram; per user, an event count. Built by one scan of the event log, then
 * brought up to date incrementally from the last sequence number seen, so each read costs only the
 * events that arrived since the previous one. When events disappear (a user was deleted) it rebuilds.
 * @module
 */
import type { StoredEvent, Storage } from '../index.js';

/** Statistics of one item. */
export interface ItemEventStats {
  itemId: string;
  /** Events about the item. */
  events: number;
  /** Distinct users who had an event about it. */
  users: number;
  /** Event counts by type. */
  byType: Record<string, number>;
  /** Ratings: how many, their mean, and how many of each value (ascending). */
  ratings: { count: number; mean: number | null; histogram: { value: number; count: number }[] };
  /** Time of the newest event, ms since epoch. */
  lastEventAt: number | null;
}

interface ItemState {
  events: number;
  users: Set<string>;
  byType: Map<string, number>;
  ratings: Map<number, number>;
  ratingSum: number;
  ratingCount: number;
  lastEventAt: number;
}

/** See the module description. */
export interface EventStatsIndex {
  /** Brings the index up to date with storage. */
  refresh(signal?: AbortSignal): Promise<void>;
  /** Statistics of `itemId` as of the last refresh (zeros when it has no events). */
  item(itemId: string): ItemEventStats;
  /** Events of `userId` as of the last refresh. */
  userEvents(userId: string): number;
}

/** Creates an empty index over `storage`; the first {@link EventStatsIndex.refresh} scans the log. */
export function createEventStatsIndex(storage: Storage): EventStatsIndex {
  let items = new Map<string, ItemState>();
  let users = new Map<string, number>();
  let lastSeq = 0;
  let indexed = 0;
  let running: Promise<void> | undefined;

  function add(e: StoredEvent): void {
    lastSeq = Math.max(lastSeq, e.seq);
    indexed++;
    users.set(e.userId, (users.get(e.userId) ?? 0) + 1);
    if (e.itemId === undefined) return;
    let s = items.get(e.itemId);
    if (s === undefined) {
      s = { events: 0, users: new Set(), byType: new Map(), ratings: new Map(), ratingSum: 0, ratingCount: 0, lastEventAt: 0 };
      items.set(e.itemId, s);
    }
    s.events++;
    s.users.add(e.userId);
    s.byType.set(e.type, (s.byType.get(e.type) ?? 0) + 1);
    s.lastEventAt = Math.max(s.lastEventAt, e.timestamp);
    if (e.type === 'rating' && typeof e.value === 'number' && Number.isFinite(e.value)) {
      s.ratings.set(e.value, (s.ratings.get(e.value) ?? 0) + 1);
      s.ratingSum += e.value;
      s.ratingCount++;
    }
  }

  async function update(signal?: AbortSignal): Promise<void> {
    const total = await storage.events.count({ signal });
    if (total < indexed) {
      items = new Map();
      users = new Map();
      lastSeq = 0;
      indexed = 0;
    }
    if (total === indexed) return;
    for await (const page of storage.events.scan({ afterSeq: lastSeq, batchSize: 20_000, signal })) for (const e of page) add(e);
  }

  return {
    refresh(signal) {
      // Concurrent readers share one pass over the log.
      running ??= update(signal).finally(() => {
        running = undefined;
      });
      return running;
    },
    item(itemId) {
      const s = items.get(itemId);
      if (s === undefined) return { itemId, events: 0, users: 0, byType: {}, ratings: { count: 0, mean: null, histogram: [] }, lastEventAt: null };
      return {
        itemId,
        events: s.events,
        users: s.users.size,
        byType: Object.fromEntries([...s.byType].sort((a, b) => b[1] - a[1])),
        ratings: {
          count: s.ratingCount,
          mean: s.ratingCount === 0 ? null : s.ratingSum / s.ratingCount,
          histogram: [...s.ratings].sort((a, b) => a[0] - b[0]).map(([value, count]) => ({ value, count })),
        },
        lastEventAt: s.lastEventAt,
      };
    },
    userEvents(userId) {
      return users.get(userId) ?? 0;
    },
  };
}
