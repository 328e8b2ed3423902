/**
 * Test support (excluded from the build): a small slice of the vendored MovieLens demo, written to
 * a directory in the same layout, so lifecycle tests import and train in well under a second.
 * @module
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const DEMO = fileURLToPath(new URL('../../data/demo/ml-latest-small', import.meta.url));

/** Writes `ratings.csv` (the ratings of the first `users` users) and `movies.csv` (the movies they rated) to `dir`. */
export function writeDemoSlice(dir: string, users: number): { ratings: number; movies: number } {
  const [ratingsHeader, ...ratingRows] = readFileSync(join(DEMO, 'ratings.csv'), 'utf8').trimEnd().split('\n');
  const kept = ratingRows.filter((row) => Number(row.slice(0, row.indexOf(','))) <= users);
  const movieIds = new Set(kept.map((row) => row.split(',')[1]));
  const [moviesHeader, ...movieRows] = readFileSync(join(DEMO, 'movies.csv'), 'utf8').trimEnd().split('\n');
  const movies = movieRows.filter((row) => movieIds.has(row.slice(0, row.indexOf(','))));
  writeFileSync(join(dir, 'ratings.csv'), [ratingsHeader, ...kept].join('\n') + '\n');
  writeFileSync(join(dir, 'movies.csv'), [moviesHeader, ...movies].join('\n') + '\n');
  return { ratings: kept.length, movies: movies.length };
}
