/**
 * MovieLens "latest" layout (ml-latest, ml-latest-small, ml-25m, ml-32m): `ratings.csv`,
 * `movies.csv`, optional `tags.csv`, `links.csv`, and the optional TMDB `descriptions.csv` that this
 * project adds. {@link parseMovieLensLatest} is pure; {@link loadMovieLensLatest} reads a directory.
 * @module
 */
import { join } from 'node:path';
import { throwIfAborted } from '../core/errors.js';
import type { Attributes, Event, Item, User } from '../core/types.js';
import { resolveColumns } from './csv-columns.js';
import type { ColumnSpec } from './csv-columns.js';
import { FieldReader } from './field-reader.js';
import type { LoadOptions, ParseOptions, ParsedDataset, SourceText } from './import-source.js';
import { movieTitleYear } from './movie-title-year.js';
import { pathExists, readSourceFiles } from './read-source-file.js';
import { readCsvRows } from './read-csv-rows.js';

/** The files of a MovieLens-latest directory, already read. */
export interface MovieLensLatestFiles {
  /** `movies.csv`: movieId,title,genres. */
  movies: SourceText;
  /** `ratings.csv`: userId,movieId,rating,timestamp (unix seconds). */
  ratings: SourceText;
  /** `tags.csv`: userId,movieId,tag,timestamp. */
  tags?: SourceText | undefined;
  /** `links.csv`: movieId,imdbId,tmdbId. */
  links?: SourceText | undefined;
  /** `descriptions.csv`: movieId,tmdbId,release_date,original_language,runtime,overview,tagline,keywords. */
  descriptions?: SourceText | undefined;
}

/** Genre string MovieLens uses for a movie without genres. */
const NO_GENRES = '(no genres listed)';

function columns(names: readonly string[], optional: readonly string[] = []): ColumnSpec[] {
  return [
    ...names.map((name) => ({ field: name, aliases: [name.toLowerCase().replace(/[^a-z0-9]/g, '')], required: true })),
    ...optional.map((name) => ({ field: name, aliases: [name.toLowerCase().replace(/[^a-z0-9]/g, '')], required: false })),
  ];
}

/**
 * Reads one headed CSV file: resolves `specs` against the header and calls `onRow` with a getter
 * for each field and the reader positioned on the row's line.
 */
function eachRow(
  source: SourceText,
  specs: readonly ColumnSpec[],
  options: ParseOptions,
  onRow: (cell: (field: string) => string | undefined, reader: FieldReader) => void,
): number {
  const reader = new FieldReader(source.path);
  let index: Map<string, number> | undefined;
  let cells: string[] = [];
  let rows = 0;
  const cell = (field: string): string | undefined => {
    const at = index?.get(field);
    return at === undefined ? undefined : cells[at];
  };
  readCsvRows(source.content, { file: source.path, signal: options.signal }, (record, line) => {
    reader.line = line;
    if (index === undefined) {
      index = resolveColumns(record, specs, { file: source.path, line });
      return;
    }
    cells = record;
    rows += 1;
    onRow(cell, reader);
  });
  if (index === undefined) reader.fail(specs[0]?.field ?? 'header', 'the file is empty (expected a header row)');
  return rows;
}

/**
 * Parses the MovieLens-latest files into items (title with its year, attributes `genres`, `year`,
 * `imdbId`, `tmdbId` and, from descriptions, `text` = overview plus `tagline`, `keywords`,
 * `language`, `runtime`, `releaseDate`), users (one bare user per userId seen) and events (`rating`
 * with value, `tag` with text; timestamps converted from seconds to ms). Throws
 * {@link ValidationError} naming file, line and field on the first malformed value.
 */
export function parseMovieLensLatest(files: MovieLensLatestFiles, options: ParseOptions = {}): ParsedDataset {
  const warnings: string[] = [];
  const items = new Map<string, Item & { attributes: Attributes }>();
  const itemLines = new Map<string, number>();

  eachRow(files.movies, columns(['movieId', 'title', 'genres']), options, (cell, reader) => {
    const id = reader.id('movieId', cell('movieId'));
    reader.unique('movieId', id, itemLines);
    const title = reader.present('title', cell('title')).trim();
    if (title.length === 0) reader.fail('title', 'expected a title, got an empty value');
    const genreText = reader.present('genres', cell('genres')).trim();
    const genres = genreText === NO_GENRES || genreText === '' ? [] : genreText.split('|').map((g) => g.trim());
    const attributes: Attributes = { genres };
    const year = movieTitleYear(title);
    if (year !== undefined) attributes.year = year;
    items.set(id, { id, title, attributes });
  });

  const moviesOfTmdb = new Map<string, string[]>();
  if (files.links !== undefined) {
    let unknown = 0;
    eachRow(files.links, columns(['movieId', 'imdbId', 'tmdbId']), options, (cell, reader) => {
      const id = reader.id('movieId', cell('movieId'));
      const imdbId = reader.present('imdbId', cell('imdbId')).trim();
      const tmdbId = reader.present('tmdbId', cell('tmdbId')).trim();
      if (imdbId !== '' && !/^\d+$/.test(imdbId)) reader.fail('imdbId', `expected digits, got ${JSON.stringify(imdbId)}`, { value: imdbId });
      if (tmdbId !== '' && !/^\d+$/.test(tmdbId)) reader.fail('tmdbId', `expected digits, got ${JSON.stringify(tmdbId)}`, { value: tmdbId });
      const item = items.get(id);
      if (item === undefined) {
        unknown += 1;
        return;
      }
      // Kept as strings: imdb ids have meaningful leading zeros, and ids are not quantities.
      if (imdbId !== '') item.attributes.imdbId = imdbId;
      if (tmdbId !== '') {
        item.attributes.tmdbId = tmdbId;
        const movies = moviesOfTmdb.get(tmdbId);
        if (movies === undefined) moviesOfTmdb.set(tmdbId, [id]);
        else movies.push(id);
      }
    });
    if (unknown > 0) warnings.push(`${files.links.path}: ${unknown} links name movies missing from ${files.movies.path}; ignored`);
  }

  if (files.descriptions !== undefined) parseDescriptions(files.descriptions, items, moviesOfTmdb, files.links !== undefined, warnings, options);

  const users = new Map<string, User>();
  const events: Event[] = [];
  const missingItems = { ratings: 0, tags: 0 };
  eachRow(files.ratings, columns(['userId', 'movieId', 'rating', 'timestamp']), options, (cell, reader) => {
    const userId = reader.id('userId', cell('userId'));
    const itemId = reader.id('movieId', cell('movieId'));
    const value = reader.number('rating', cell('rating'));
    const timestamp = reader.integer('timestamp', cell('timestamp')) * 1000;
    if (!users.has(userId)) users.set(userId, { id: userId });
    if (!items.has(itemId)) missingItems.ratings += 1;
    events.push({ userId, itemId, type: 'rating', value, timestamp });
  });
  if (files.tags !== undefined) {
    eachRow(files.tags, columns(['userId', 'movieId', 'tag', 'timestamp']), options, (cell, reader) => {
      const userId = reader.id('userId', cell('userId'));
      const itemId = reader.id('movieId', cell('movieId'));
      const text = reader.present('tag', cell('tag')).trim();
      if (text.length === 0) reader.fail('tag', 'expected a tag, got an empty value');
      const timestamp = reader.integer('timestamp', cell('timestamp')) * 1000;
      if (!users.has(userId)) users.set(userId, { id: userId });
      if (!items.has(itemId)) missingItems.tags += 1;
      events.push({ userId, itemId, type: 'tag', text, timestamp });
    });
  }
  if (missingItems.ratings > 0) {
    warnings.push(`${files.ratings.path}: ${missingItems.ratings} ratings name movies missing from ${files.movies.path}; kept as events`);
  }
  if (missingItems.tags > 0 && files.tags !== undefined) {
    warnings.push(`${files.tags.path}: ${missingItems.tags} tags name movies missing from ${files.movies.path}; kept as events`);
  }
  throwIfAborted(options.signal);

  const read = [files.movies, files.links, files.descriptions, files.ratings, files.tags];
  return {
    format: 'movielens-latest',
    batch: { items: [...items.values()], users: [...users.values()], events },
    files: read.filter((f): f is SourceText => f !== undefined).map((f) => f.path),
    warnings,
  };
}

/** Joins `descriptions.csv` onto the items: on movieId when the file has it, else on tmdbId through links. */
function parseDescriptions(
  source: SourceText,
  items: Map<string, Item & { attributes: Attributes }>,
  moviesOfTmdb: Map<string, string[]>,
  haveLinks: boolean,
  warnings: string[],
  options: ParseOptions,
): void {
  const specs = columns(
    [],
    ['movieId', 'tmdbId', 'release_date', 'original_language', 'runtime', 'overview', 'tagline', 'keywords'],
  );
  let unknown = 0;
  let joinOn: 'movieId' | 'tmdbId' | undefined;
  const seen = new Map<string, number>();
  eachRow(source, specs, options, (cell, reader: FieldReader) => {
    let on = joinOn;
    if (on === undefined) {
      if (cell('movieId') !== undefined) on = 'movieId';
      else if (cell('tmdbId') !== undefined && haveLinks) on = 'tmdbId';
      else reader.fail('movieId', haveLinks ? 'missing column: need movieId or tmdbId' : 'missing column: need movieId (or tmdbId plus links.csv)');
      joinOn = on;
    }
    const key = reader.id(on, cell(on));
    reader.unique(on, key, seen);
    const ids = on === 'movieId' ? [key] : (moviesOfTmdb.get(key) ?? []);
    const targets = ids.map((id) => items.get(id)).filter((item) => item !== undefined);
    if (targets.length === 0) {
      unknown += 1;
      return;
    }
    const extra: Attributes = {};
    const releaseDate = cell('release_date')?.trim() ?? '';
    if (releaseDate !== '') {
      if (!/^\d{4}-\d{2}-\d{2}$/.test(releaseDate)) reader.fail('release_date', `expected YYYY-MM-DD, got ${JSON.stringify(releaseDate)}`, { value: releaseDate });
      extra.releaseDate = releaseDate;
    }
    const language = cell('original_language')?.trim() ?? '';
    if (language !== '') extra.language = language;
    // TMDB writes 0 for an unknown runtime.
    const runtime = reader.optionalNumber('runtime', cell('runtime'));
    if (runtime !== undefined && runtime > 0) extra.runtime = runtime;
    const tagline = cell('tagline')?.trim() ?? '';
    if (tagline !== '') extra.tagline = tagline;
    const keywordText = cell('keywords')?.trim() ?? '';
    if (keywordText !== '') extra.keywords = keywordText.split('|').map((k) => k.trim()).filter((k) => k !== '');
    const overview = cell('overview')?.trim() ?? '';
    for (const item of targets) {
      if (overview !== '') item.text = overview;
      Object.assign(item.attributes, extra);
      if (item.attributes.year === undefined && typeof extra.releaseDate === 'string') {
        item.attributes.year = Number(extra.releaseDate.slice(0, 4));
      }
    }
  });
  if (unknown > 0) warnings.push(`${source.path}: ${unknown} descriptions match no movie; ignored`);
}

/** File names of a MovieLens-latest directory. */
export const MOVIELENS_LATEST_FILES = {
  movies: 'movies.csv',
  ratings: 'ratings.csv',
  tags: 'tags.csv',
  links: 'links.csv',
  descriptions: 'descriptions.csv',
} as const;

/**
 * Reads a MovieLens-latest directory (`movies.csv` and `ratings.csv` required; `tags.csv`,
 * `links.csv`, `descriptions.csv` used when present) and parses it with {@link parseMovieLensLatest}.
 */
export async function loadMovieLensLatest(dir: string, options: LoadOptions = {}): Promise<ParsedDataset> {
  const { signal, onProgress } = options;
  const optional = ['tags', 'links', 'descriptions'] as const;
  const present = new Set<string>();
  for (const key of optional) if (await pathExists(join(dir, MOVIELENS_LATEST_FILES[key]))) present.add(key);
  const keys = ['movies', 'ratings', ...optional.filter((key) => present.has(key))] as const;
  const texts = await readSourceFiles(keys.map((key) => ({ path: join(dir, MOVIELENS_LATEST_FILES[key]) })), options);
  const byKey = new Map<string, SourceText>(keys.map((key, i) => [key, texts[i]]));
  const files: MovieLensLatestFiles = {
    movies: texts[0],
    ratings: texts[1],
    tags: byKey.get('tags'),
    links: byKey.get('links'),
    descriptions: byKey.get('descriptions'),
  };
  onProgress?.('parse', 0, 1);
  const parsed = parseMovieLensLatest(files, { signal });
  onProgress?.('parse', 1, 1);
  return parsed;
}
