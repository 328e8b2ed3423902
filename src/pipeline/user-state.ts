/**
 * User state for one request: the stored history merged with live events not yet in storage, read
 * as positive items, negative items (dislike, skip, low rating), the seen set and the live session
 * (the most recent events within a time window).
 * @module
 */
import type { Event, StoredEvent } from '../core/types.js';
import type { FeedbackPolicy } from '../engine/feedback-policy.js';
import { feedbackWeight, marksSeen } from '../engine/feedback-policy.js';
import { recencyWeight } from '../engine/recency.js';

/** A user's state as the candidate sources, ranker and explanations see it. */
export interface UserState {
  userId: string;
  /** Every event, oldest first (stored history plus live events). */
  events: readonly Event[];
  /** Positively judged items, most recent last, each once (its latest occurrence). */
  positives: readonly string[];
  /** Positive weight per item (the policy's weight; the largest when repeated). */
  positiveWeights: ReadonlyMap<string, number>;
  /** Items disliked, skipped or rated below the positive threshold (and not liked later). */
  negatives: ReadonlySet<string>;
  /** Items the user already knows (never recommended again). */
  seen: ReadonlySet<string>;
  /** Items of the live session, most recent last, each once. */
  session: readonly string[];
  /** Time of the latest event, or undefined without events. */
  lastEventAt: number | undefined;
  /**
   * With a recency half-life: each positive item's weight times 0.5^(age / half-life), the age of its
   * latest positive event measured back from the user's latest event. Absent without recency.
   */
  recencyWeights?: ReadonlyMap<string, number>;
}

/** How the live session is cut out of the history. */
export interface SessionOptions {
  /** Events at most this old (relative to `now`) belong to the session (default 30 minutes). */
  sessionWindowMs?: number;
  /** At most this many latest events form the session (default 10). */
  sessionMaxEvents?: number;
}

/** Options of {@link buildUserState}. */
export interface BuildUserStateOptions extends SessionOptions {
  policy: FeedbackPolicy;
  /** Request time, ms since epoch. */
  now: number;
  /** Half-life of the user's interests, ms (default: no decay, and no `recencyWeights`). */
  recencyHalfLifeMs?: number;
}

/** Default session window: 30 minutes. */
export const DEFAULT_SESSION_WINDOW_MS = 30 * 60 * 1000;

/** True when an event is negative feedback under `policy`. */
export function isNegativeEvent(e: Pick<Event, 'type' | 'value' | 'itemId'>, policy: FeedbackPolicy): boolean {
  if (e.itemId === undefined) return false;
  return e.type === 'dislike' || e.type === 'skip' || (e.type === 'rating' && e.value !== undefined && e.value < policy.positiveRating);
}

/**
 * Builds the state of `userId` from their events (in any order; sorted here by time, ties keep input
 * order). Pure.
 */
export function buildUserState(userId: string, events: readonly Event[], options: BuildUserStateOptions): UserState {
  const ordered = events.map((e, i) => ({ e, i })).sort((a, b) => a.e.timestamp - b.e.timestamp || a.i - b.i).map((x) => x.e);
  const positiveAt = new Map<string, number>();
  const positiveTime = new Map<string, number>();
  const positiveWeights = new Map<string, number>();
  const negatives = new Set<string>();
  const seen = new Set<string>();
  ordered.forEach((e, at) => {
    if (e.itemId === undefined) return;
    if (marksSeen(e)) seen.add(e.itemId);
    const w = feedbackWeight(e, options.policy);
    if (w > 0) {
      positiveAt.set(e.itemId, at);
      positiveTime.set(e.itemId, e.timestamp);
      positiveWeights.set(e.itemId, Math.max(positiveWeights.get(e.itemId) ?? 0, w));
      negatives.delete(e.itemId);
    } else if (isNegativeEvent(e, options.policy)) {
      negatives.add(e.itemId);
      positiveAt.delete(e.itemId);
      positiveWeights.delete(e.itemId);
    }
  });
  const positives = [...positiveAt.entries()].sort((a, b) => a[1] - b[1]).map(([id]) => id);
  const windowMs = options.sessionWindowMs ?? DEFAULT_SESSION_WINDOW_MS;
  const maxEvents = options.sessionMaxEvents ?? 10;
  const session: string[] = [];
  const inSession = new Set<string>();
  for (let p = ordered.length - 1; p >= 0 && session.length < maxEvents; p--) {
    const e = ordered[p];
    if (e.timestamp < options.now - windowMs) break;
    if (e.itemId === undefined || inSession.has(e.itemId) || negatives.has(e.itemId)) continue;
    inSession.add(e.itemId);
    session.push(e.itemId);
  }
  session.reverse();
  const lastEventAt = ordered.length > 0 ? ordered[ordered.length - 1].timestamp : undefined;
  const halfLife = options.recencyHalfLifeMs;
  const recency =
    halfLife === undefined || halfLife === Infinity || lastEventAt === undefined
      ? {}
      : { recencyWeights: new Map(positives.map((id) => [id, (positiveWeights.get(id) ?? 1) * recencyWeight(lastEventAt - (positiveTime.get(id) ?? lastEventAt), halfLife)])) };
  return {
    userId,
    events: ordered,
    positives,
    positiveWeights,
    negatives,
    seen,
    session,
    lastEventAt,
    ...recency,
  };
}

/**
 * Merges stored events with live events that may or may not have reached storage yet: a live event
 * equal to a stored one (same user, item, type, value and time) is dropped.
 */
export function mergeLiveEvents(stored: readonly StoredEvent[], live: readonly Event[]): Event[] {
  if (live.length === 0) return [...stored];
  const key = (e: Event): string => `${e.type}\u0000${e.itemId ?? ''}\u0000${e.timestamp}\u0000${e.value ?? ''}`;
  const known = new Set(stored.map(key));
  const out: Event[] = [...stored];
  for (const e of live) if (!known.has(key(e))) out.push(e);
  return out;
}

/**
 * A short identity of a history, for caches of what is computed from it: the number of events, the
 * latest sequence number and time, how many events storage does not hold yet (live ones, which have
 * no sequence number) and the latest event's type and item. A new event, read back or live, changes it.
 */
export function historyStamp(events: readonly Event[]): string {
  let seq = 0;
  let ts = 0;
  let live = 0;
  for (const e of events) {
    if ('seq' in e && typeof e.seq === 'number') {
      if (e.seq > seq) seq = e.seq;
    } else live++;
    if (e.timestamp > ts) ts = e.timestamp;
  }
  const last = events.length > 0 ? events[events.length - 1] : undefined;
  return `${events.length}|${seq}|${ts}|${live}|${last?.type ?? ''}|${last?.itemId ?? ''}`;
}
