/**
 * Aspects: candidates, merged plurals, phrases, clause sentiment, tf-idf against a vocabulary.
 * @module
 */
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../core/errors.js';
import { aspectKey, aspectVocabulary, extractAspects, inverseDocumentFrequency, singularize } from './aspects.js';

const phrases = (texts: string[], options = {}): string[] => extractAspects(texts, options).map((a) => a.phrase);

describe('extractAspects', () => {
  it('finds what tags and reviews talk about, with counts and sentiment', () => {
    const aspects = extractAspects(['great soundtrack', 'Loved the soundtrack', 'time travel', 'time travel', 'boring plot']);
    expect(aspects.map((a) => [a.phrase, a.count, Math.sign(a.sentiment)])).toEqual([
      ['soundtrack', 2, 1],
      ['time travel', 2, 0],
      ['plot', 1, -1],
    ]);
    const soundtrack = aspects[0];
    expect(soundtrack.mentions).toEqual([0, 1]);
    expect(soundtrack.weight).toBeCloseTo(2 * (1 + Math.abs(soundtrack.sentiment)), 10);
  });

  it('drops stop words, generic opinion words and bare numbers', () => {
    expect(phrases(['It was really the best one of the year', 'awesome, 10/10, 1995'])).toEqual([]);
    expect(phrases(['great', 'masterpiece', 'overrated', 'loved it', 'hated it'])).toEqual([]);
    expect(phrases(['great', 'awesome acting'], { keepOpinionWords: true })).toEqual(['awesome acting', 'great']);
    expect(phrases(['the score', 'score'], { stopWords: ['Score'] })).toEqual([]);
  });

  it('merges plural and singular forms under the most frequent spelling', () => {
    const aspects = extractAspects(['special effects', 'The special effects!', 'special effect', 'stories', 'a story']);
    expect(aspects.map((a) => [a.phrase, a.key, a.count])).toEqual([
      ['special effects', 'special effect', 3],
      ['stories', 'story', 2],
    ]);
    expect(phrases(['movies', 'zombies', 'zombie'])).toEqual(['zombies']);
  });

  it('keeps two-word phrases from tags, or when they recur', () => {
    // One review mentioning a pair once: the words, not the pair.
    expect(phrases(['The bank robbers escaped the police quickly'])).toEqual(['bank', 'escaped', 'police', 'quickly', 'robbers']);
    // A tag is meant as a phrase.
    expect(phrases(['bank robbers'])).toEqual(['bank robbers']);
    // A pair that recurs in one text is kept, and its words disappear into it.
    expect(phrases(['Special effects were amazing, and the special effect budget huge'])).toEqual(['budget', 'huge', 'special effects']);
    expect(phrases(['bank robbers'], { bigrams: false })).toEqual(['bank', 'robbers']);
    const reviews = ['the bank robbers flee the city', 'the bank robbers hide the loot'];
    // `hide` is mildly negative in AFINN, so its clause's aspects weigh a little more.
    expect(phrases(reviews)).toEqual(['bank robbers', 'hide', 'loot', 'city', 'flee']);
    expect(phrases(reviews, { minBigramCount: 3 })).toEqual(['bank', 'robbers', 'hide', 'loot', 'city', 'flee']);
  });

  it('keeps a word that also occurs outside its phrase', () => {
    const aspects = extractAspects(['dark comedy', 'dark comedy', 'dark']);
    expect(aspects.map((a) => [a.phrase, a.count])).toEqual([
      ['dark', 3],
      ['dark comedy', 2],
    ]);
    expect(aspects.find((a) => a.phrase === 'comedy')).toBeUndefined();
  });

  it('scores each mention by its clause, or by the whole text', () => {
    const texts = ['Great acting but a boring plot.', 'The acting is superb', 'plot holes everywhere'];
    const byClause = new Map(extractAspects(texts).map((a) => [a.phrase, a]));
    expect(byClause.get('acting')?.sentiment).toBeGreaterThan(0.5);
    expect(byClause.get('acting')?.count).toBe(2);
    expect(byClause.get('plot')?.sentiment).toBeLessThan(0);
    expect(byClause.get('plot')?.count).toBe(2);
    const byText = new Map(extractAspects(texts, { sentimentScope: 'text' }).map((a) => [a.phrase, a]));
    // Whole text: the first review is negative overall, so acting is less positive.
    expect(byText.get('acting')?.sentiment).toBeLessThan(byClause.get('acting')?.sentiment ?? 0);
  });

  it('averages the clauses of one text that mention the same aspect', () => {
    const [plot] = extractAspects(['The plot is great. The plot is terrible.']);
    expect(plot.phrase).toBe('plot');
    expect(plot.count).toBe(1);
    expect(plot.sentiment).toBeCloseTo(0, 10);
  });

  it('weights by tf-idf against a background vocabulary', () => {
    const catalogue = [['a story of love'], ['a story of war'], ['a story of cars'], ['time travel story', 'paradox']];
    const vocabulary = aspectVocabulary(catalogue);
    expect(vocabulary.documentCount).toBe(4);
    expect(vocabulary.documentFrequency.get('story')).toBe(4);
    expect(vocabulary.documentFrequency.get('time travel')).toBe(1);
    expect(inverseDocumentFrequency(vocabulary, 'story')).toBeCloseTo(Math.log(5 / 5) + 1, 10);
    expect(inverseDocumentFrequency(vocabulary, 'unseen')).toBeCloseTo(Math.log(5) + 1, 10);
    const texts = ['story', 'story', 'paradox'];
    expect(phrases(texts)).toEqual(['story', 'paradox']);
    expect(phrases(texts, { vocabulary })).toEqual(['paradox', 'story']);
    const pruned = aspectVocabulary(catalogue, { minDocumentFrequency: 2 });
    expect([...pruned.documentFrequency.keys()]).toEqual(['story']);
  });

  it('counts a key once per vocabulary document', () => {
    const vocabulary = aspectVocabulary([['robots', 'robot'], ['robot robot']]);
    expect(vocabulary.documentFrequency.get('robot')).toBe(2);
    expect(vocabulary.documentFrequency.has('robot robot')).toBe(true);
  });

  it('applies limits and orders ties deterministically', () => {
    const texts = ['zebra', 'apple', 'mango', 'apple'];
    expect(phrases(texts)).toEqual(['apple', 'mango', 'zebra']);
    expect(phrases(texts, { maxAspects: 2 })).toEqual(['apple', 'mango']);
    expect(phrases(texts, { minCount: 2 })).toEqual(['apple']);
    expect(phrases(texts, { maxAspects: 0 })).toEqual([]);
    expect(extractAspects([])).toEqual([]);
    expect(extractAspects(texts)).toEqual(extractAspects([...texts]));
  });

  it('rejects bad limits', () => {
    expect(() => extractAspects(['x'], { maxAspects: -1 })).toThrow(ValidationError);
    expect(() => extractAspects(['x'], { minCount: 0 })).toThrow(ValidationError);
    expect(() => extractAspects(['x'], { minBigramCount: 1.5 })).toThrow(ValidationError);
    expect(() => aspectVocabulary([], { minDocumentFrequency: 0 })).toThrow(ValidationError);
  });

  it('strips possessives and keeps hyphenated words', () => {
    expect(phrases(["Nolan's direction", "nolan's", 'sci-fi', 'Sci-Fi'])).toEqual(['nolan', 'sci-fi', 'nolan direction']);
  });

  it('uses the extra sentiment lexicon', () => {
    const [aspect] = extractAspects(['cozy sweater'], { lexicon: { cozy: 3 } });
    expect(aspect.sentiment).toBeGreaterThan(0.5);
  });
});

describe('singularize and aspectKey', () => {
  it('merges common plurals and leaves other words alone', () => {
    const cases: [string, string][] = [
      ['effects', 'effect'], ['stories', 'story'], ['movies', 'movie'], ['zombies', 'zombie'], ['boxes', 'box'],
      ['watches', 'watch'], ['classes', 'class'], ['heroes', 'hero'], ['shoes', 'shoe'], ['headaches', 'headache'],
      ['wolves', 'wolf'], ['women', 'woman'], ['days', 'day'], ['series', 'series'], ['news', 'news'], ['boss', 'boss'],
      ['virus', 'virus'], ['analysis', 'analysis'], ['famous', 'famous'], ['bus', 'bus'], ['physics', 'physics'],
      ['plot', 'plot'], ['headphones', 'headphones'], ['its', 'its'],
    ];
    for (const [plural, singular] of cases) expect(singularize(plural), plural).toBe(singular);
  });

  it('normalises phrases', () => {
    expect(aspectKey('  Special   Effects ')).toBe('special effect');
    expect(aspectKey('Plot Holes')).toBe('plot hole');
  });
});
