import { describe, expect, it } from 'vitest';
import { DEFAULT_FEEDBACK_POLICY, feedbackSignal, feedbackWeight, isNegativeFeedback, marksSeen } from './feedback-policy.js';

const policy = DEFAULT_FEEDBACK_POLICY;
const rating = (value: number, text?: string) => ({ type: 'rating' as const, itemId: 'm1', value, ...(text === undefined ? {} : { text }) });

describe('feedback policy', () => {
  it('uses the rating threshold when there is no text', () => {
    expect(feedbackWeight(rating(3), policy)).toBe(1);
    expect(feedbackWeight(rating(2.5), policy)).toBe(0);
    expect(isNegativeFeedback(rating(2.5), policy)).toBe(true);
  });

  it('reads the comment: a low rating with "loved it" differs from one with "hated it"', () => {
    const loved = feedbackSignal(rating(2.5, 'loved it, the soundtrack is wonderful'), policy);
    const hated = feedbackSignal(rating(2.5, 'hated it'), policy);
    expect(loved).toBeGreaterThan(0);
    expect(hated).toBeLessThan(0);
    // a high rating with a scathing comment is not positive either
    expect(feedbackSignal(rating(3.5, 'boring and a waste of time'), policy)).toBeLessThan(0);
    // praise raises the weight of a positive rating
    expect(feedbackWeight(rating(4, 'brilliant, loved it'), policy)).toBeGreaterThan(feedbackWeight(rating(4), policy));
  });

  it('treats negative reviews and tags as negative feedback, neutral and positive ones as positive', () => {
    expect(isNegativeFeedback({ type: 'tag', itemId: 'm1', text: 'boring' }, policy)).toBe(true);
    expect(isNegativeFeedback({ type: 'review', itemId: 'm1', text: 'Terrible acting, awful plot.' }, policy)).toBe(true);
    expect(feedbackWeight({ type: 'tag', itemId: 'm1', text: 'dark comedy' }, policy)).toBe(1);
    expect(feedbackWeight({ type: 'tag', itemId: 'm1', text: 'funny' }, policy)).toBeGreaterThan(1);
    expect(feedbackWeight({ type: 'review', itemId: 'm1', text: 'A masterpiece. Loved every minute.' }, policy)).toBeGreaterThan(1);
  });

  it('ignores text when the policy says so', () => {
    const off = { ...policy, sentimentShift: 0, sentimentWeight: 0, negativeTextBelow: -2 };
    expect(feedbackWeight(rating(2.5, 'loved it'), off)).toBe(0);
    expect(feedbackWeight({ type: 'tag', itemId: 'm1', text: 'boring' }, off)).toBe(1);
  });

  it('never trains on dislikes, skips, searches or events without an item', () => {
    expect(feedbackSignal({ type: 'dislike', itemId: 'm1' }, policy)).toBe(-1);
    expect(feedbackSignal({ type: 'skip', itemId: 'm1' }, policy)).toBe(-1);
    expect(feedbackSignal({ type: 'search', text: 'heist' }, policy)).toBe(0);
    expect(marksSeen({ type: 'search' })).toBe(false);
    expect(marksSeen({ type: 'view', itemId: 'm1' })).toBe(true);
  });
});
