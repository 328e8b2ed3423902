/**
 * The text layer over the vendored MovieLens demo (9,742 films with TMDB overviews, 3,683 user
 * tags): real text as a regression corpus. The files are read with `csv-parse` here so that
 * `src/text` keeps depending on `src/core` only.
 * @module
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Item } from '../core/types.js';
import { extractAspects } from './aspects.js';
import { scrubPii } from './scrub-pii.js';
import { analyzeSentiment } from './sentiment.js';
import { createVerbalizer } from './verbalizer.js';

const DEMO = fileURLToPath(new URL('../../data/demo/ml-latest-small/', import.meta.url));

function readCsv(name: string): Record<string, string>[] {
  return parse(readFileSync(`${DEMO}${name}`, 'utf8'), { columns: true, skip_empty_lines: true }) as Record<string, string>[];
}

let items: Item[] = [];
let tags: string[] = [];
let tagsByItem = new Map<string, string[]>();
/** Every title, overview, tagline and keyword list as written in the files. */
let catalogueTexts: string[] = [];

beforeAll(() => {
  const descriptionRows = readCsv('descriptions.csv');
  const descriptions = new Map(descriptionRows.map((row) => [row.movieId, row]));
  items = readCsv('movies.csv').map((row) => {
    const d = descriptions.get(row.movieId);
    const item: Item = { id: row.movieId, title: row.title, attributes: { genres: row.genres === '(no genres listed)' ? [] : row.genres.split('|') } };
    if (d !== undefined) {
      if (d.overview !== '') item.text = d.overview;
      if (d.tagline !== '') item.attributes!.tagline = d.tagline;
      if (d.keywords !== '') item.attributes!.keywords = d.keywords.split('|');
      if (d.original_language !== '') item.attributes!.language = d.original_language;
    }
    return item;
  });
  catalogueTexts = [...items.map((item) => item.title), ...descriptionRows.flatMap((row) => [row.overview, row.tagline, row.keywords])];
  const tagRows = readCsv('tags.csv');
  tags = tagRows.map((row) => row.tag);
  tagsByItem = new Map();
  for (const row of tagRows) tagsByItem.set(row.movieId, [...(tagsByItem.get(row.movieId) ?? []), row.tag]);
});

describe('text layer on the MovieLens demo', () => {
  it('reads the corpus', () => {
    expect(items.length).toBe(9742);
    expect(tags.length).toBe(3683);
  });

  it('finds no personal data in titles, overviews, taglines, keywords or tags', () => {
    expect(catalogueTexts.length).toBeGreaterThan(30_000);
    const changed = [...catalogueTexts, ...tags].filter((text) => scrubPii(text).text !== text);
    expect(changed).toEqual([]);
  });

  it('describes every film, starting with its title', () => {
    const v = createVerbalizer();
    for (const item of items) {
      const text = v.item(item, { tags: tagsByItem.get(item.id) });
      expect(text.startsWith(v.title(item))).toBe(true);
      expect(text).not.toMatch(/undefined|\[object|\s{2}/);
      expect(text.length).toBeLessThan(1_200);
    }
    const heat = items.find((item) => item.id === '6')!;
    expect(v.item(heat)).toMatch(/^Heat \(1995\)\. Action, Crime, Thriller\. A Los Angeles Crime Saga\. Obsessive master thief/);
  });

  it('scores known verdict tags in the right direction and keeps scores in range', () => {
    const scores = new Map(tags.map((tag) => [tag.toLowerCase(), analyzeSentiment(tag).score]));
    for (const tag of ['boring', 'overrated', 'predictable', 'bad acting']) if (scores.has(tag)) expect(scores.get(tag), tag).toBeLessThan(0);
    for (const tag of ['masterpiece', 'funny', 'great soundtrack', 'visually appealing', 'thought-provoking']) expect(scores.get(tag), tag).toBeGreaterThan(0);
    for (const tag of ['sci-fi', 'time travel', 'dark comedy', 'crime', 'world war ii']) if (scores.has(tag)) expect(scores.get(tag), tag).toBe(0);
    for (const score of scores.values()) expect(Math.abs(score)).toBeLessThanOrEqual(1);
  });

  it('extracts the common interests of all tags deterministically', () => {
    const aspects = extractAspects(tags, { maxAspects: 30 });
    const top = aspects.map((a) => a.phrase);
    for (const phrase of ['atmospheric', 'thought-provoking', 'visually appealing', 'dark comedy', 'sci-fi']) expect(top, phrase).toContain(phrase);
    expect(aspects.find((a) => a.phrase === 'funny')?.sentiment).toBeGreaterThan(0.3);
    expect(extractAspects(tags, { maxAspects: 30 })).toEqual(aspects);
  });
});
