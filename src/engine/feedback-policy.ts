/**
 * Feedback policy: how stored events become implicit feedback for training, and which events mark
 * an item as already seen. Ratings count as positive at or above a threshold; negative types
 * (dislike, skip) never train a model but still hide the item from that user's lists.
 * @module
 */
import type { Event, EventType } from '../core/types.js';

/** Weights and thresholds that turn events into training signal. */
export interface FeedbackPolicy {
  /** A rating event is positive feedback when its value is at least this. */
  positiveRating: number;
  /** Weight of each positive event type (absent or 0 = not used for training). */
  weights: Partial<Record<EventType, number>>;
}

/** Defaults suitable for ratings on a 0.5–5 or 1–5 scale and for click/purchase logs. */
export const DEFAULT_FEEDBACK_POLICY: FeedbackPolicy = {
  positiveRating: 3,
  weights: {
    purchase: 1,
    'add-to-cart': 1,
    like: 1,
    rating: 1,
    review: 1,
    share: 1,
    click: 1,
    view: 1,
    tag: 1,
  },
};

/** Training weight of `event` under `policy`, or 0 when it is not positive feedback. */
export function feedbackWeight(event: Pick<Event, 'type' | 'value' | 'itemId'>, policy: FeedbackPolicy): number {
  if (event.itemId === undefined) return 0;
  const w = policy.weights[event.type] ?? 0;
  if (w <= 0) return 0;
  if (event.type === 'rating') return event.value !== undefined && event.value >= policy.positiveRating ? w : 0;
  return w;
}

/** True when the event shows the user already knows the item (so it is not recommended again). */
export function marksSeen(event: Pick<Event, 'itemId' | 'type'>): boolean {
  return event.itemId !== undefined && event.type !== 'search';
}
