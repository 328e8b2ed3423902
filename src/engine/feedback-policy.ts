/**
 * Feedback policy: how stored events become training signal, and which events mark an item as
 * already seen. Ratings count as positive at or above a threshold; negative types (dislike, skip)
 * never train a model but still hide the item from that user's lists.
 *
 * The text a user wrote is read too (SPEC C7): the sentiment of a review, tag or rating comment
 * moves the event's polarity, so "2.5/5 — loved the soundtrack though" and "2.5/5 — hated it"
 * are different signals, and a tag such as "boring" is a complaint rather than a like.
 * @module
 */
import type { Event, EventType } from '../core/types.js';
import { analyzeSentiment } from '../text/sentiment.js';

/** Weights and thresholds that turn events into training signal. */
export interface FeedbackPolicy {
  /** A rating event is positive feedback when its value (moved by its text's sentiment) is at least this. */
  positiveRating: number;
  /** Weight of each positive event type (absent or 0 = not used for training). */
  weights: Partial<Record<EventType, number>>;
  /**
   * Rating points that a fully positive (+1) or fully negative (−1) comment adds to a rating;
   * 0 ignores the text. Sentiment scores of ordinary comments lie around ±0.3…0.7.
   */
  sentimentShift: number;
  /** A review or tag whose sentiment is at or below this counts as negative feedback. */
  negativeTextBelow: number;
  /** How much a positive text raises, and a mildly negative one lowers, the weight of an event (0…1). */
  sentimentWeight: number;
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
  sentimentShift: 1.5,
  negativeTextBelow: -0.25,
  sentimentWeight: 0.5,
};

const NEGATIVE_TYPES: ReadonlySet<EventType> = new Set<EventType>(['dislike', 'skip']);
const SENTIMENT_MEMO_LIMIT = 50_000;
const sentimentMemo = new Map<string, number>();

/**
 * Sentiment in [-1, 1] of an event's text, 0 when it has none. Memoised: tags and short comments
 * repeat across users, and training reads every event.
 */
export function eventSentiment(event: Pick<Event, 'text'>): number {
  const text = event.text?.trim();
  if (!text) return 0;
  let score = sentimentMemo.get(text);
  if (score === undefined) {
    score = analyzeSentiment(text).score;
    if (sentimentMemo.size >= SENTIMENT_MEMO_LIMIT) sentimentMemo.clear();
    sentimentMemo.set(text, score);
  }
  return score;
}

/**
 * Signed signal of an event under `policy`: a positive training weight, a negative number for
 * negative feedback (dislike, skip, a low rating, a negative review or tag), or 0 when the event
 * says nothing about preference (a search, a neutral type with weight 0).
 */
export function feedbackSignal(event: Pick<Event, 'type' | 'value' | 'itemId' | 'text'>, policy: FeedbackPolicy): number {
  if (event.itemId === undefined) return 0;
  if (NEGATIVE_TYPES.has(event.type)) return -1;
  const w = policy.weights[event.type] ?? 0;
  if (w <= 0) return 0;
  const s = event.text === undefined ? 0 : eventSentiment(event);
  if (event.type === 'rating') {
    if (event.value === undefined) return 0;
    const effective = event.value + policy.sentimentShift * s;
    if (effective < policy.positiveRating) return -1;
    return w * (1 + policy.sentimentWeight * Math.max(0, s));
  }
  if ((event.type === 'review' || event.type === 'tag') && s <= policy.negativeTextBelow) return -1;
  return w * (1 + policy.sentimentWeight * s);
}

/** Training weight of `event` under `policy`, or 0 when it is not positive feedback. */
export function feedbackWeight(event: Pick<Event, 'type' | 'value' | 'itemId' | 'text'>, policy: FeedbackPolicy): number {
  return Math.max(0, feedbackSignal(event, policy));
}

/** True when the event is negative feedback under `policy` (it pulls text-space interests away). */
export function isNegativeFeedback(event: Pick<Event, 'type' | 'value' | 'itemId' | 'text'>, policy: FeedbackPolicy): boolean {
  return feedbackSignal(event, policy) < 0;
}

/** True when the event shows the user already knows the item (so it is not recommended again). */
export function marksSeen(event: Pick<Event, 'itemId' | 'type'>): boolean {
  return event.itemId !== undefined && event.type !== 'search';
}
