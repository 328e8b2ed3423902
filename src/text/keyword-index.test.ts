import { describe, expect, it } from 'vitest';
import { KeywordIndex, keywordTokens } from './keyword-index.js';

describe('keywordTokens', () => {
  it('lower-cases, strips diacritics, drops stop words and short words, removes a plural s', () => {
    expect(keywordTokens('The Robots of Amélie’s café: a LOVE story!')).toEqual(['robot', 'amelie', 'cafe', 'love', 'story']);
    expect(keywordTokens('glass boss is')).toEqual(['glass', 'boss']);
    expect(keywordTokens('movies about space')).toEqual(['space']);
  });
});

describe('KeywordIndex', () => {
  function index(): KeywordIndex {
    const i = new KeywordIndex();
    i.add({ id: 'alien', title: 'Alien', text: 'A crew in deep space meets a deadly creature.', facets: ['Horror', 'Sci-Fi'] });
    i.add({ id: 'space-odyssey', title: '2001: A Space Odyssey', text: 'Astronauts and a computer on a mission to Jupiter.', facets: ['Sci-Fi'] });
    i.add({ id: 'heat', title: 'Heat', text: 'A thief and a detective in Los Angeles.', facets: ['Crime'] });
    i.add({ id: 'toy-story', title: 'Toy Story', text: 'Toys come to life; a spaceman toy arrives.', facets: ['Animation'] });
    return i;
  }

  it('ranks a title match above a description match and finds genres', () => {
    const hits = index().search('space', 10);
    expect(hits.map((h) => h.id)).toEqual(['space-odyssey', 'alien']);
    expect(hits[0].score).toBeGreaterThan(hits[1].score);
    expect(hits[0].matched).toEqual(['space']);
    expect(index().search('horror movies', 10).map((h) => h.id)).toEqual(['alien']);
  });

  it('scores documents matching more and rarer terms higher, and leaves out excluded ids', () => {
    const i = index();
    const hits = i.search('space creature', 10);
    expect(hits[0]).toMatchObject({ id: 'alien', matched: ['space', 'creature'] });
    expect(i.search('space creature', 10, new Set(['alien'])).map((h) => h.id)).toEqual(['space-odyssey']);
    expect(i.search('toys', 1).map((h) => h.id)).toEqual(['toy-story']);
    expect(i.search('the of and', 10)).toEqual([]);
    expect(i.search('zeppelin', 10)).toEqual([]);
    expect(new KeywordIndex().search('space', 10)).toEqual([]);
    expect(i.size).toBe(4);
  });
});
