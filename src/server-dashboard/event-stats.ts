/**
 * Interaction statistics for the dashboard, read from storage when asked: per item, counts by event
 * type, distinct users and a rating histogram (one pass over that item's events); per user, an event
 * count (one indexed count each). Nothing is kept between requests, so memory does not grow with the
 * number of users or of (user, item) pairs, and events deleted with a user are gone from the next answer.
 * @module
 */
import type { Storage } from '../index.js';

/** Statistics of one item. */
export interface ItemEventStats {
  itemId: string;
  /** Events about the item. */
  events: number;
  /** Distinct users who had an event about it. */
  users: number;
  /** Event counts by type, most frequent first. */
  byType: Record<string, number>;
  /** Ratings: how many, their mean, and how many of each value (ascending). */
  ratings: { count: number; mean: number | null; histogram: { value: number; count: number }[] };
  /** Time of the newest event, ms since epoch. */
  lastEventAt: number | null;
}

/** See the module description. */
export interface EventStats {
  /** Statistics of `itemId` (zeros when it has no events). */
  item(itemId: string, signal?: AbortSignal): Promise<ItemEventStats>;
  /** Number of events of each of `userIds` (0 for a user without events). */
  userEvents(userIds: readonly string[], signal?: AbortSignal): Promise<Map<string, number>>;
}

/** Creates the statistics reader over `storage`. */
export function createEventStats(storage: Storage): EventStats {
  return {
    async item(itemId, signal) {
      let events = 0;
      let lastEventAt = -Infinity;
      let ratingSum = 0;
      let ratingCount = 0;
      // Transient: the distinct users of this one item, dropped with the answer.
      const users = new Set<string>();
      const byType = new Map<string, number>();
      const ratings = new Map<number, number>();
      for await (const page of storage.events.scan({ itemId, batchSize: 20_000, signal })) {
        for (const e of page) {
          events++;
          users.add(e.userId);
          byType.set(e.type, (byType.get(e.type) ?? 0) + 1);
          lastEventAt = Math.max(lastEventAt, e.timestamp);
          if (e.type === 'rating' && typeof e.value === 'number' && Number.isFinite(e.value)) {
            ratings.set(e.value, (ratings.get(e.value) ?? 0) + 1);
            ratingSum += e.value;
            ratingCount++;
          }
        }
      }
      return {
        itemId,
        events,
        users: users.size,
        byType: Object.fromEntries([...byType].sort((a, b) => b[1] - a[1])),
        ratings: {
          count: ratingCount,
          mean: ratingCount === 0 ? null : ratingSum / ratingCount,
          histogram: [...ratings].sort((a, b) => a[0] - b[0]).map(([value, count]) => ({ value, count })),
        },
        lastEventAt: events === 0 ? null : lastEventAt,
      };
    },
    async userEvents(userIds, signal) {
      const out = new Map<string, number>();
      for (const userId of userIds) out.set(userId, await storage.events.count({ userId, signal }));
      return out;
    },
  };
}
