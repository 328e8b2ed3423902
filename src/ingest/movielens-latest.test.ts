/**
 * MovieLens-latest parser on fixtures: quoted commas, missing genres, links and TMDB descriptions.
 * @module
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadMovieLensLatest, parseMovieLensLatest } from './movielens-latest.js';

const DIR = fileURLToPath(new URL('./fixtures/ml-latest/', import.meta.url));

describe('loadMovieLensLatest', () => {
  it('parses every file of the directory', async () => {
    const { batch, files, warnings } = await loadMovieLensLatest(DIR);
    expect(files.map((f) => f.slice(DIR.length))).toEqual(['movies.csv', 'links.csv', 'descriptions.csv', 'ratings.csv', 'tags.csv']);
    expect(batch.items).toHaveLength(5);
    expect(batch.users.map((u) => u.id)).toEqual(['1', '2', '3', '4']);
    expect(batch.events.filter((e) => e.type === 'rating')).toHaveLength(5);
    expect(batch.events.filter((e) => e.type === 'tag')).toEqual([
      { userId: '2', itemId: '73', type: 'tag', text: 'musical, sad', timestamp: 1445714994000 },
      { userId: '4', itemId: '1', type: 'tag', text: 'pixar', timestamp: 1137202000000 },
    ]);
    expect(batch.events[1]).toEqual({ userId: '1', itemId: '11', type: 'rating', value: 3.5, timestamp: 964982931000 });
    // The description of tmdb 1234 is joined on movieId 149988 (descriptions carry movieId).
    expect(warnings).toEqual([]);
  });

  it('keeps quoted commas in titles and reads genres, year, links and descriptions', async () => {
    const { batch } = await loadMovieLensLatest(DIR);
    const byId = new Map(batch.items.map((item) => [item.id, item]));
    expect(byId.get('11')).toEqual({
      id: '11',
      title: 'American President, The (1995)',
      text: "Widowed U.S. president Andrew Shepherd, one of the world's most powerful men, can have anything he wants.",
      attributes: {
        genres: ['Comedy', 'Drama', 'Romance'],
        year: 1995,
        imdbId: '0112346',
        tmdbId: '9087',
        releaseDate: '1995-11-17',
        language: 'en',
        runtime: 106,
        tagline: "Why can't the most powerful man in the world have the one thing he wants most?",
        keywords: ['white house', 'usa president'],
      },
    });
    expect(byId.get('73')?.title).toBe('Misérables, Les (1995)');
    expect(byId.get('114335')?.attributes).toEqual({ genres: [], year: 1957, imdbId: '0050261' });
    // No year in the title; runtime 0 means unknown in TMDB and is dropped.
    expect(byId.get('149988')).toEqual({
      id: '149988',
      title: 'Babylon 5',
      text: 'A space station.',
      attributes: { genres: ['Sci-Fi'], imdbId: '0105946', language: 'en' },
    });
  });

  it('joins descriptions on tmdbId through links when they have no movieId', () => {
    const parsed = parseMovieLensLatest({
      movies: { path: 'movies.csv', content: 'movieId,title,genres\n1,A (2001),Drama\n2,B (2002),Drama\n' },
      ratings: { path: 'ratings.csv', content: 'userId,movieId,rating,timestamp\n1,1,4,1\n1,3,4,2\n' },
      links: { path: 'links.csv', content: 'movieId,imdbId,tmdbId\n1,01,100\n2,02,200\n' },
      descriptions: { path: 'descriptions.csv', content: 'tmdbId,overview\n200,About B.\n300,Nobody.\n' },
    });
    expect(parsed.batch.items[1]?.text).toBe('About B.');
    expect(parsed.warnings).toEqual([
      'descriptions.csv: 1 descriptions match no movie; ignored',
      'ratings.csv: 1 ratings name movies missing from movies.csv; kept as events',
    ]);
  });
});
