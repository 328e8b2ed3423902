/**
 * Sentiment: short tags, negation, intensifiers, contrast, emphasis and neutral text.
 * @module
 */
import { describe, expect, it } from 'vitest';
import { analyzeSentiment, DOMAIN_LEXICON, normalizeValence } from './sentiment.js';

const score = (text: string): number => analyzeSentiment(text).score;

describe('analyzeSentiment', () => {
  it('scores short verdicts clearly', () => {
    expect(score('loved it')).toBeGreaterThan(0.5);
    expect(score('hated it')).toBeLessThan(-0.5);
    expect(score('masterpiece')).toBeGreaterThan(0.5);
    expect(score('boring')).toBeLessThan(-0.5);
    expect(score('overrated')).toBeLessThan(-0.3);
    expect(score('underrated')).toBeGreaterThan(0.3);
    expect(score('must-see')).toBeGreaterThan(0.5);
    expect(score('waste of time')).toBeLessThan(-0.5);
    expect(score('meh')).toBeLessThan(0);
  });

  it('keeps neutral and descriptive text near zero', () => {
    expect(score('A group of professional bank robbers in Los Angeles, released in 1995.')).toBe(0);
    expect(score('')).toBe(0);
    expect(score('   ')).toBe(0);
    // Genre and plot words are descriptions, not complaints.
    for (const tag of ['crime', 'war', 'murder', 'dark comedy', 'horror', 'revenge', 'time travel', 'based on a book']) {
      expect(Math.abs(score(tag)), tag).toBeLessThan(0.1);
    }
  });

  it('handles negation within a clause', () => {
    expect(score('not good')).toBeLessThan(-0.3);
    expect(score('not bad')).toBeGreaterThan(0.3);
    expect(score('never boring')).toBeGreaterThan(0.3);
    expect(score('I did not like it')).toBeLessThan(-0.2);
    expect(score("I don't think it was good")).toBeLessThan(0);
    expect(score("can't stand it")).toBeLessThan(-0.5);
    expect(score('no fun')).toBeLessThan(-0.3);
    expect(score('not a waste of time')).toBeGreaterThan(0.3);
    // A comma ends the scope: only the first clause is negated.
    expect(score('not bad, good')).toBeGreaterThan(score('good'));
    // Idioms that look like negation but are not.
    expect(score('without a doubt the best')).toBeGreaterThan(0.5);
    expect(score('no doubt the best')).toBeGreaterThan(0.5);
    expect(score('not only funny but moving')).toBeGreaterThan(0.5);
  });

  it('makes intensifiers stronger and downtoners weaker', () => {
    expect(score('really great')).toBeGreaterThan(score('great'));
    expect(score('absolutely brilliant')).toBeGreaterThan(score('brilliant'));
    expect(score('very boring')).toBeLessThan(score('boring'));
    expect(score('a bit boring')).toBeGreaterThan(score('boring'));
    expect(score('a bit boring')).toBeLessThan(0);
    expect(score('slightly disappointing')).toBeGreaterThan(score('disappointing'));
    // A negated intensifier softens rather than strengthens.
    expect(score('not very good')).toBeLessThan(0);
    expect(score('not very good')).toBeGreaterThan(score('not good'));
  });

  it('weighs the clause after "but" more', () => {
    expect(score('great acting, but the plot was boring')).toBeLessThan(0);
    expect(score('the plot was boring but the acting was great')).toBeGreaterThan(0);
  });

  it('reads emphasis: capitals and exclamation marks', () => {
    expect(score('GREAT movie')).toBeGreaterThan(score('great movie'));
    expect(score('great!!!')).toBeGreaterThan(score('great'));
    expect(score('awful!!')).toBeLessThan(score('awful'));
    // All-caps text is not emphasis word by word.
    expect(score('GREAT MOVIE')).toBeCloseTo(score('great movie'), 10);
    // Exclamations add nothing to a neutral sentence.
    expect(score('Los Angeles!!!')).toBe(0);
  });

  it('reads emoji and emoticons', () => {
    expect(score('😍')).toBeGreaterThan(0.3);
    expect(score('so bad :(')).toBeLessThan(-0.5);
    expect(score('nice :)')).toBeGreaterThan(score('nice'));
    // Times and ratios are not emoticons.
    expect(score('at 10:30 (3:1)')).toBe(0);
  });

  it('tells the verb "like" from the preposition', () => {
    expect(score('I like Alien')).toBeGreaterThan(0.3);
    expect(score('something like Alien')).toBe(0);
    expect(score("I don't like it")).toBeLessThan(0);
  });

  it('accepts an extra lexicon and ignores prototype keys', () => {
    expect(score('cozy')).toBe(0);
    expect(analyzeSentiment('cozy', { lexicon: { cozy: 2 } }).score).toBeGreaterThan(0.3);
    expect(analyzeSentiment('great', { lexicon: { great: -3 } }).score).toBeLessThan(0);
    expect(analyzeSentiment('very cozy', { lexicon: { 'very cozy': 5 } }).score).toBeGreaterThan(0.7);
    expect(score('constructor toString valueOf __proto__ hasOwnProperty')).toBe(0);
    expect(analyzeSentiment('constructor', { lexicon: {} }).score).toBe(0);
  });

  it('reports positive and negative mass and the token count', () => {
    const result = analyzeSentiment('Great acting. Terrible, boring plot!');
    expect(result.positive).toBeCloseTo(3, 5);
    expect(result.negative).toBeGreaterThan(6);
    expect(result.tokens).toBe(5);
    expect(result.score).toBeCloseTo(normalizeValence(result.positive - result.negative), 10);
    expect(analyzeSentiment('waste of time').tokens).toBe(3);
  });

  it('stays in [-1, 1] and is deterministic for arbitrary input', () => {
    const words = ['good', 'not', 'very', 'bad', 'but', 'GREAT', '!', ',', 'awful', 'love', '😍', ':(', 'meh', 'no', 'really', '.'];
    let seed = 7;
    const next = (): number => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    for (let n = 0; n < 300; n += 1) {
      const text = Array.from({ length: 1 + Math.floor(next() * 40) }, () => words[Math.floor(next() * words.length)]).join(' ');
      const a = analyzeSentiment(text);
      expect(a.score).toBeGreaterThanOrEqual(-1);
      expect(a.score).toBeLessThanOrEqual(1);
      expect(a.positive).toBeGreaterThanOrEqual(0);
      expect(a.negative).toBeGreaterThanOrEqual(0);
      expect(analyzeSentiment(text)).toEqual(a);
    }
    expect(score('love '.repeat(1000))).toBeLessThanOrEqual(1);
  });

  it('keeps the domain lexicon in the AFINN range', () => {
    for (const [word, value] of Object.entries(DOMAIN_LEXICON)) {
      expect(Math.abs(value), word).toBeLessThanOrEqual(5);
      expect(word).toBe(word.toLowerCase());
    }
  });
});

describe('normalizeValence', () => {
  it('is odd, monotone and bounded', () => {
    expect(normalizeValence(0)).toBe(0);
    expect(normalizeValence(3)).toBeCloseTo(3 / Math.sqrt(24), 10);
    expect(normalizeValence(-3)).toBeCloseTo(-normalizeValence(3), 10);
    expect(normalizeValence(10)).toBeGreaterThan(normalizeValence(5));
    expect(normalizeValence(1e9)).toBeLessThanOrEqual(1);
  });
});
