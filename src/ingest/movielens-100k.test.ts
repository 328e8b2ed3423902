/**
 * MovieLens 100K parser on a fixture with latin-1 titles.
 * @module
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadMovieLens100k, parseMovieLens100k } from './movielens-100k.js';

const DIR = fileURLToPath(new URL('./fixtures/ml-100k/', import.meta.url));

describe('loadMovieLens100k', () => {
  it('parses items, users and rating events', async () => {
    const { batch, files, warnings, format } = await loadMovieLens100k(DIR);
    expect(format).toBe('movielens-100k');
    expect(files).toHaveLength(4);
    expect(warnings).toEqual([]);
    expect(batch.items.map((item) => item.id)).toEqual(['1', '267', '543', '1252']);
    expect(batch.items[0]).toEqual({
      id: '1',
      title: 'Toy Story (1995)',
      attributes: {
        genres: ['Animation', "Children's", 'Comedy'],
        year: 1995,
        releaseDate: '1995-01-01',
        imdbUrl: 'http://us.imdb.com/M/title-exact?Toy%20Story%20(1995)',
      },
    });
    // The "unknown" genre flag carries no information and the placeholder item has no date.
    expect(batch.items[1]).toEqual({ id: '267', title: 'unknown', attributes: { genres: [] } });
    expect(batch.users).toEqual([
      { id: '1', attributes: { age: 24, gender: 'M', occupation: 'technician', zip: '85711' } },
      { id: '2', attributes: { age: 53, gender: 'F', occupation: 'other', zip: '94043' } },
      { id: '3', attributes: { age: 23, gender: 'M', occupation: 'writer', zip: '32067' } },
    ]);
    expect(batch.events).toHaveLength(5);
    expect(batch.events[0]).toEqual({ userId: '1', itemId: '1', type: 'rating', value: 5, timestamp: 874965758000 });
  });

  it('decodes latin-1 titles', async () => {
    const { batch } = await loadMovieLens100k(DIR);
    expect(batch.items[2]?.title).toBe('Misérables, Les (1995)');
    expect(batch.items[3]?.title).toBe('Contempt (Mépris, Le) (1963)');
    // Release date 1997 but the title says 1963: the title wins.
    expect(batch.items[3]?.attributes).toMatchObject({ year: 1963, releaseDate: '1997-06-27', genres: ['Drama'] });
  });

  it('falls back to the built-in genre list and creates users missing from u.user', () => {
    const flags = (on: number) => Array.from({ length: 19 }, (_, i) => (i === on ? '1' : '0')).join('|');
    const parsed = parseMovieLens100k({
      data: { path: 'u.data', content: '7\t1\t4\t1\n' },
      item: { path: 'u.item', content: `1|Heat (1995)|||http://x|${flags(1)}\n` },
      user: { path: 'u.user', content: '1|20|F|artist|12345\n' },
    });
    expect(parsed.batch.items[0]?.attributes).toEqual({ genres: ['Action'], year: 1995, imdbUrl: 'http://x' });
    expect(parsed.batch.users.map((u) => u.id)).toEqual(['1', '7']);
    expect(parsed.warnings).toEqual(['u.data: 1 users missing from u.user; created without attributes']);
  });
});
