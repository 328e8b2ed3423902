/**
 * MovieLens 100K layout: `u.data` (tab-separated ratings), `u.item` (pipe-separated, latin-1),
 * `u.user` and `u.genre`. {@link parseMovieLens100k} is pure; {@link loadMovieLens100k} reads a
 * directory and decodes `u.item` from latin-1.
 * @module
 */
import { join } from 'node:path';
import { throwIfAborted } from '../core/errors.js';
import type { Attributes, Event, Item, User } from '../core/types.js';
import { eachLine } from './each-line.js';
import { FieldReader } from './field-reader.js';
import type { LoadOptions, ParseOptions, ParsedDataset, SourceText } from './import-source.js';
import { quoteValue } from './line-error.js';
import { movieTitleYear } from './movie-title-year.js';
import { pathExists, readSourceFiles } from './read-source-file.js';
import type { SourceFileSpec } from './read-source-file.js';

/** The files of a MovieLens 100K directory, already read and decoded. */
export interface MovieLens100kFiles {
  /** `u.data`: user \t item \t rating \t unix seconds. */
  data: SourceText;
  /** `u.item`: id|title|release date|video release date|IMDb URL|genre flags… (decode as latin-1). */
  item: SourceText;
  /** `u.user`: id|age|gender|occupation|zip. */
  user?: SourceText | undefined;
  /** `u.genre`: name|index; the built-in list is used when absent. */
  genre?: SourceText | undefined;
}

/** The 19 genres of MovieLens 100K in flag order, as listed in its `u.genre`. */
export const MOVIELENS_100K_GENRES: readonly string[] = [
  'unknown', 'Action', 'Adventure', 'Animation', "Children's", 'Comedy', 'Crime', 'Documentary', 'Drama', 'Fantasy',
  'Film-Noir', 'Horror', 'Musical', 'Mystery', 'Romance', 'Sci-Fi', 'Thriller', 'War', 'Western',
];

/** The placeholder genre; a flag on it says nothing about the movie, so it is not copied to items. */
const UNKNOWN_GENRE = 'unknown';

const MONTHS: Record<string, string> = {
  jan: '01', feb: '02', mar: '03', apr: '04', may: '05', jun: '06',
  jul: '07', aug: '08', sep: '09', oct: '10', nov: '11', dec: '12',
};

/** `01-Jan-1995` → `1995-01-01`, or undefined when not in that form. */
function isoDate(text: string): string | undefined {
  const match = /^(\d{1,2})-([A-Za-z]{3})-(\d{4})$/.exec(text);
  if (match === null) return undefined;
  const [, day, monthName, year] = match as unknown as [string, string, string, string];
  const month = MONTHS[monthName.toLowerCase()];
  return month === undefined ? undefined : `${year}-${month}-${day.padStart(2, '0')}`;
}

function parseGenres(source: SourceText, options: ParseOptions): string[] {
  const reader = new FieldReader(source.path);
  const genres: string[] = [];
  eachLine(source.content, (text, line) => {
    reader.line = line;
    const [name, index] = text.split('|');
    const position = reader.integer('index', index);
    genres[position] = reader.id('name', name);
  }, options.signal);
  for (let i = 0; i < genres.length; i++) {
    if (genres[i] === undefined) reader.fail('index', `genre index ${i} is missing`);
  }
  return genres;
}

/**
 * Parses MovieLens 100K into items (title kept with its year; attributes `genres`, `year`,
 * `releaseDate` as YYYY-MM-DD, `imdbUrl`), users (attributes `age`, `gender`, `occupation`, `zip`)
 * and `rating` events (timestamps converted to ms). Throws {@link ValidationError} naming file, line
 * and field on the first malformed value.
 */
export function parseMovieLens100k(files: MovieLens100kFiles, options: ParseOptions = {}): ParsedDataset {
  const { signal } = options;
  const warnings: string[] = [];
  const genreNames = files.genre === undefined ? MOVIELENS_100K_GENRES : parseGenres(files.genre, options);

  const items = new Map<string, Item>();
  const itemReader = new FieldReader(files.item.path);
  const itemLines = new Map<string, number>();
  eachLine(files.item.content, (text, line) => {
    itemReader.line = line;
    const cells = text.split('|');
    const expected = 5 + genreNames.length;
    if (cells.length !== expected) {
      itemReader.fail(cells.length < expected ? `genre:${genreNames[cells.length - 5] ?? 'flags'}` : 'row', `expected ${expected} fields, got ${cells.length}`, {
        fields: cells.length,
      });
    }
    const id = itemReader.id('id', cells[0]);
    itemReader.unique('id', id, itemLines);
    const title = itemReader.id('title', cells[1]);
    const attributes: Attributes = {};
    const genres: string[] = [];
    genreNames.forEach((name, g) => {
      const flag = cells[5 + g]?.trim();
      if (flag !== '0' && flag !== '1') itemReader.fail(`genre:${name}`, `expected 0 or 1, got ${quoteValue(flag ?? '')}`, { value: flag });
      if (flag === '1' && name !== UNKNOWN_GENRE) genres.push(name);
    });
    attributes.genres = genres;
    const releaseText = cells[2]?.trim() ?? '';
    const releaseDate = releaseText === '' ? undefined : isoDate(releaseText);
    if (releaseText !== '' && releaseDate === undefined) {
      itemReader.fail('release date', `expected a date like 01-Jan-1995, got ${quoteValue(releaseText)}`, { value: releaseText });
    }
    const year = movieTitleYear(title) ?? (releaseDate === undefined ? undefined : Number(releaseDate.slice(0, 4)));
    if (year !== undefined) attributes.year = year;
    if (releaseDate !== undefined) attributes.releaseDate = releaseDate;
    const imdbUrl = cells[4]?.trim() ?? '';
    if (imdbUrl !== '') attributes.imdbUrl = imdbUrl;
    items.set(id, { id, title, attributes });
  }, signal);

  const users = new Map<string, User>();
  if (files.user !== undefined) {
    const reader = new FieldReader(files.user.path);
    const userLines = new Map<string, number>();
    eachLine(files.user.content, (text, line) => {
      reader.line = line;
      const cells = text.split('|');
      if (cells.length !== 5) reader.fail(cells.length < 5 ? ['id', 'age', 'gender', 'occupation', 'zip'][cells.length] ?? 'row' : 'row', `expected 5 fields, got ${cells.length}`);
      const id = reader.id('id', cells[0]);
      reader.unique('id', id, userLines);
      const age = reader.integer('age', cells[1]);
      const gender = reader.id('gender', cells[2]);
      const occupation = reader.id('occupation', cells[3]);
      const zip = reader.id('zip', cells[4]);
      users.set(id, { id, attributes: { age, gender, occupation, zip } });
    }, signal);
  }

  const events: Event[] = [];
  const dataReader = new FieldReader(files.data.path);
  const fields = ['user', 'item', 'rating', 'timestamp'];
  let unknownUsers = 0;
  let unknownItems = 0;
  eachLine(files.data.content, (text, line) => {
    dataReader.line = line;
    const cells = text.split('\t');
    if (cells.length < 4) dataReader.fail(fields[cells.length] ?? 'row', `missing (expected 4 tab-separated fields, got ${cells.length})`);
    const userId = dataReader.id('user', cells[0]);
    const itemId = dataReader.id('item', cells[1]);
    const value = dataReader.number('rating', cells[2]);
    const timestamp = dataReader.integer('timestamp', cells[3]) * 1000;
    if (!users.has(userId)) {
      // u.user absent or incomplete: the user still exists, without demographics.
      if (files.user !== undefined) unknownUsers += 1;
      users.set(userId, { id: userId });
    }
    if (!items.has(itemId)) unknownItems += 1;
    events.push({ userId, itemId, type: 'rating', value, timestamp });
  }, signal);
  if (unknownUsers > 0 && files.user !== undefined) {
    warnings.push(`${files.data.path}: ${unknownUsers} users missing from ${files.user.path}; created without attributes`);
  }
  if (unknownItems > 0) warnings.push(`${files.data.path}: ${unknownItems} ratings name items missing from ${files.item.path}; kept as events`);
  throwIfAborted(signal);

  const read = [files.genre, files.item, files.user, files.data];
  return {
    format: 'movielens-100k',
    batch: { items: [...items.values()], users: [...users.values()], events },
    files: read.filter((f): f is SourceText => f !== undefined).map((f) => f.path),
    warnings,
  };
}

/**
 * Reads a MovieLens 100K directory (`u.data` and `u.item` required, `u.user` and `u.genre` used when
 * present; `u.item` decoded as latin-1) and parses it with {@link parseMovieLens100k}.
 */
export async function loadMovieLens100k(dir: string, options: LoadOptions = {}): Promise<ParsedDataset> {
  const { signal, onProgress } = options;
  const genrePath = join(dir, 'u.genre');
  const userPath = join(dir, 'u.user');
  const hasGenre = await pathExists(genrePath);
  const hasUser = await pathExists(userPath);
  // Everything but u.data is latin-1; u.data holds only digits, so utf8 and latin-1 agree there.
  const specs: SourceFileSpec[] = [{ path: join(dir, 'u.data') }, { path: join(dir, 'u.item'), encoding: 'latin1' }];
  if (hasUser) specs.push({ path: userPath, encoding: 'latin1' });
  if (hasGenre) specs.push({ path: genrePath, encoding: 'latin1' });
  const [data, item, ...rest] = await readSourceFiles(specs, options);
  const files: MovieLens100kFiles = {
    data,
    item,
    user: hasUser ? rest.shift() : undefined,
    genre: hasGenre ? rest.shift() : undefined,
  };
  onProgress?.('parse', 0, 1);
  const parsed = parseMovieLens100k(files, { signal });
  onProgress?.('parse', 1, 1);
  return parsed;
}
