import { describe, expect, it } from 'vitest';
import { checkExplanation } from './llm-explain.js';
import type { ExplainInput } from './llm-explain.js';
import { bordaAggregate, repairPermutation } from './llm-rerank.js';
import { createMentionIndex, titleForms } from './mentions.js';

describe('repairPermutation', () => {
  const ids = ['a', 'b', 'c', 'd'];
  it('keeps a full answer as it is', () => {
    expect(repairPermutation({ order: ['d', 'c', 'b', 'a'] }, ids)).toEqual({ order: ['d', 'c', 'b', 'a'], unknown: 0, duplicates: 0, missing: 0 });
  });
  it('drops unknown and repeated ids and appends the missing in input order; reads bracketed and numeric ids', () => {
    expect(repairPermutation({ order: ['[c]', 'x', 'c', 'a'] }, ids)).toEqual({ order: ['c', 'a', 'b', 'd'], unknown: 1, duplicates: 1, missing: 2 });
    expect(repairPermutation([2, 1], ['1', '2', '3'])?.order).toEqual(['2', '1', '3']);
  });
  it('is undefined when the answer holds no list', () => {
    expect(repairPermutation({ ranking: 'a,b' }, ids)).toBeUndefined();
    expect(repairPermutation(undefined, ids)).toBeUndefined();
  });
});

describe('bordaAggregate', () => {
  it('sums positions over orders; ties keep the base order', () => {
    expect(bordaAggregate([['a', 'b', 'c'], ['b', 'a', 'c'], ['b', 'c', 'a']], ['a', 'b', 'c'])).toEqual(['b', 'a', 'c']);
    expect(bordaAggregate([['a', 'b'], ['b', 'a']], ['b', 'a'])).toEqual(['b', 'a']);
  });
});

describe('checkExplanation', () => {
  const input: ExplainInput = {
    id: '6',
    title: 'Heat (1995)',
    because: ['Godfather, The (1972)'],
    becauseIds: ['858'],
    aspects: ['Crime'],
    reasons: [],
    facets: ['Action', 'Crime', 'Thriller'],
    template: 'Because you liked Godfather, The (1972) (liked by the same people).',
  };
  const index = createMentionIndex([
    { id: '6', title: 'Heat (1995)' },
    { id: '858', title: 'Godfather, The (1972)' },
    { id: '296', title: 'Pulp Fiction (1994)' },
  ]);
  const vocabulary = new Set(['Action', 'Crime', 'Thriller', 'Comedy', 'Romance']);
  it('passes a sentence naming its own item, its history item (in any written form) and its facts', () => {
    expect(checkExplanation('Since you loved The Godfather, Heat is a tense crime thriller for you.', input, index, vocabulary)).toBeUndefined();
  });
  it('refuses another item, a quoted non-title, a year or a genre not in its facts, and empty or long text', () => {
    expect(checkExplanation('Like Pulp Fiction, Heat delivers.', input, index, vocabulary)).toMatch(/names item 296/);
    expect(checkExplanation('Fans of "Casino" will enjoy Heat.', input, index, vocabulary)).toMatch(/quotes "casino"/);
    expect(checkExplanation('A 2003 classic.', input, index, vocabulary)).toMatch(/year 2003/);
    expect(checkExplanation('A romance you will love.', input, index, vocabulary)).toMatch(/claims "Romance"/);
    expect(checkExplanation('  ', input, index, vocabulary)).toBe('empty');
    expect(checkExplanation('x'.repeat(301), input, index, vocabulary)).toMatch(/longer than 300/);
  });
  it('title forms: as catalogued, without the year, with the article moved', () => {
    expect(titleForms('American President, The (1995)')).toEqual(['american president, the (1995)', 'american president, the', 'the american president', 'american president']);
    expect(titleForms('Men in Black (a.k.a. MIB) (1997)')).toContain('men in black');
  });
});
