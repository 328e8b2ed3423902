/**
 * Every kind of malformed input fails with a ValidationError whose message and details name the
 * file, the 1-based line and the field.
 * @module
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { NotFoundError, ValidationError } from '../core/errors.js';
import { loadCsvRecords, parseCsvRecords } from './csv-records.js';
import { loadJsonlRecords, parseJsonlRecords } from './jsonl-records.js';
import { loadMovieLens100k, parseMovieLens100k } from './movielens-100k.js';
import { loadMovieLensLatest, parseMovieLensLatest } from './movielens-latest.js';
import { readInteractionFile, parseInteractionText } from './read-interaction-file.js';
import { loadS3Rec, parseS3Rec } from './s3rec.js';

const fixture = (name: string): string => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

interface Where {
  file: string;
  line: number;
  field: string;
}

/** Runs `action` and checks that it fails with an importer error at `where`; returns the error. */
async function expectLineError(action: () => unknown, where: Where, problem?: RegExp): Promise<ValidationError> {
  let caught: unknown;
  try {
    await action();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(ValidationError);
  const error = caught as ValidationError;
  expect(error.code).toBe('validation_failed');
  expect(error.message).toContain(`${where.file} line ${where.line}: field "${where.field}"`);
  expect(error.details).toMatchObject({ file: where.file, line: where.line, field: where.field });
  if (problem !== undefined) expect(error.message).toMatch(problem);
  return error;
}

describe('MovieLens 100K errors', () => {
  it('names a bad genre flag', async () => {
    await expectLineError(() => loadMovieLens100k(fixture('broken/ml-100k-bad-flag')), {
      file: fixture('broken/ml-100k-bad-flag/u.item'),
      line: 2,
      field: 'genre:Thriller',
    }, /expected 0 or 1, got "2"/);
  });

  it('names a short u.data row, a bad rating and a bad timestamp', async () => {
    const item = { path: 'u.item', content: `1|A (1990)|||x|${Array(19).fill('0').join('|')}\n` };
    const parse = (data: string) => () => parseMovieLens100k({ data: { path: 'u.data', content: data }, item });
    await expectLineError(parse('1\t1\t5\t1\n1\t1\n'), { file: 'u.data', line: 2, field: 'rating' });
    await expectLineError(parse('1\t1\t5\t1\n\n1\t1\tfive\t1\n'), { file: 'u.data', line: 3, field: 'rating' }, /expected a number, got "five"/);
    await expectLineError(parse('1\t1\t5\t1.5\n'), { file: 'u.data', line: 1, field: 'timestamp' }, /expected an integer/);
  });

  it('names a bad age in u.user and a bad release date in u.item', async () => {
    const flags = Array(19).fill('0').join('|');
    await expectLineError(
      () => parseMovieLens100k({
        data: { path: 'u.data', content: '' },
        item: { path: 'u.item', content: `1|A (1990)|||x|${flags}\n` },
        user: { path: 'u.user', content: '1|24|M|x|1\n2|old|F|y|2\n' },
      }),
      { file: 'u.user', line: 2, field: 'age' },
    );
    await expectLineError(
      () => parseMovieLens100k({ data: { path: 'u.data', content: '' }, item: { path: 'u.item', content: `1|A|1990-01-01||x|${flags}\n` } }),
      { file: 'u.item', line: 1, field: 'release date' },
    );
  });

  it('reports a missing directory file as NotFoundError', async () => {
    await expect(loadMovieLens100k(fixture('ml-latest'))).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe('MovieLens latest errors', () => {
  it('names a bad rating', async () => {
    await expectLineError(() => loadMovieLensLatest(fixture('broken/ml-latest-bad-rating')), {
      file: fixture('broken/ml-latest-bad-rating/ratings.csv'),
      line: 4,
      field: 'rating',
    }, /expected a number, got "abc"/);
  });

  it('names a missing header column, an empty title, a duplicate movie and an empty tag', async () => {
    const movies = { path: 'movies.csv', content: 'movieId,title,genres\n1,A,Drama\n' };
    const ratings = { path: 'ratings.csv', content: 'userId,movieId,rating,timestamp\n1,1,4,1\n' };
    await expectLineError(
      () => parseMovieLensLatest({ movies, ratings: { path: 'ratings.csv', content: 'userId,movieId,timestamp\n1,1,1\n' } }),
      { file: 'ratings.csv', line: 1, field: 'rating' },
      /missing column/,
    );
    await expectLineError(
      () => parseMovieLensLatest({ movies: { path: 'movies.csv', content: 'movieId,title,genres\n1,A,Drama\n2,"",Drama\n' }, ratings }),
      { file: 'movies.csv', line: 3, field: 'title' },
    );
    await expectLineError(
      () => parseMovieLensLatest({ movies: { path: 'movies.csv', content: 'movieId,title,genres\n1,A,Drama\n1,B,Drama\n' }, ratings }),
      { file: 'movies.csv', line: 3, field: 'movieId' },
      /duplicate id "1" \(first on line 2\)/,
    );
    await expectLineError(
      () => parseMovieLensLatest({ movies, ratings, tags: { path: 'tags.csv', content: 'userId,movieId,tag,timestamp\n1,1,,5\n' } }),
      { file: 'tags.csv', line: 2, field: 'tag' },
    );
  });

  it('names a bad runtime in descriptions', async () => {
    await expectLineError(
      () => parseMovieLensLatest({
        movies: { path: 'movies.csv', content: 'movieId,title,genres\n1,A,Drama\n' },
        ratings: { path: 'ratings.csv', content: 'userId,movieId,rating,timestamp\n' },
        descriptions: { path: 'descriptions.csv', content: 'movieId,runtime\n1,long\n' },
      }),
      { file: 'descriptions.csv', line: 2, field: 'runtime' },
    );
  });
});

describe('S3-Rec errors', () => {
  it('names a non-integer item with its position', async () => {
    const file = fixture('broken/s3rec-bad-item/Tiny.txt');
    await expectLineError(() => loadS3Rec({ file }), { file, line: 2, field: 'item 2' }, /expected an integer id, got "x4"/);
  });

  it('names a raw sequence file that is not line-aligned', async () => {
    const file = fixture('broken/s3rec-misaligned/Tiny.txt');
    const userSequenceFile = fixture('broken/s3rec-misaligned/Tiny_user_sequence.txt');
    await expectLineError(() => loadS3Rec({ file, userSequenceFile }), { file: userSequenceFile, line: 2, field: 'item 2' }, /has 1 items/);
  });

  it('names a duplicate user and bad attribute JSON', async () => {
    await expectLineError(() => parseS3Rec({ sequences: { path: 'B.txt', content: '1 1\n1 2\n' } }), { file: 'B.txt', line: 2, field: 'user' }, /duplicate/);
    await expectLineError(
      () => parseS3Rec({ sequences: { path: 'B.txt', content: '1 1\n' }, attributes: { path: 'a.json', content: '{\n"1": [1],\n"2": ["x"]\n}' } }),
      { file: 'a.json', line: 3, field: '2[0]' },
    );
    await expectLineError(
      () => parseS3Rec({ sequences: { path: 'B.txt', content: '1 1\n' }, attributes: { path: 'a.json', content: '{"1": [1],' } }),
      { file: 'a.json', line: 1, field: '$' },
      /invalid JSON/,
    );
  });
});

describe('CSV errors', () => {
  it('names a bad timestamp', async () => {
    const file = fixture('broken/events-bad-timestamp.csv');
    await expectLineError(() => loadCsvRecords('events', file), { file, line: 3, field: 'timestamp' }, /got "yesterday"/);
  });

  it('names a duplicate item id', async () => {
    const file = fixture('broken/items-duplicate.csv');
    await expectLineError(() => loadCsvRecords('items', file), { file, line: 4, field: 'id' }, /first on line 2/);
  });

  it('names an unclosed quote', async () => {
    const file = fixture('broken/events-unclosed-quote.csv');
    const error = await expectLineError(() => loadCsvRecords('events', file), { file, line: 3, field: 'column 2' }, /malformed CSV/);
    expect(error.details).toMatchObject({ csvCode: 'CSV_QUOTE_NOT_CLOSED' });
  });

  it('names an unknown event type, a rating without value, a missing item and a bad attributes column', async () => {
    const events = (content: string) => () => parseCsvRecords('events', { path: 'e.csv', content });
    await expectLineError(events('user,item,type\nu,i,watch\n'), { file: 'e.csv', line: 2, field: 'type' }, /known event type/);
    await expectLineError(events('customer,sku,stars\n1,2,3\n'), { file: 'e.csv', line: 1, field: 'type' }, /column names are not recognised/);
    await expectLineError(events('user,item,type,value\nu,i,rating,\n'), { file: 'e.csv', line: 2, field: 'value' });
    await expectLineError(events('user,item,type\nu,,view\n'), { file: 'e.csv', line: 2, field: 'item' });
    await expectLineError(events('u,i,4,100\nu,i,4\n'), { file: 'e.csv', line: 2, field: 'timestamp' }, /too few fields/);
    await expectLineError(events('u,i,4\nu,i,4,100\n'), { file: 'e.csv', line: 2, field: 'timestamp' }, /row order/);
    await expectLineError(events('userId,itemId\n,i\n'), { file: 'e.csv', line: 2, field: 'user' });
    await expectLineError(events('itemId,rating\ni,4\n'), { file: 'e.csv', line: 1, field: 'user' }, /missing column/);
    await expectLineError(
      () => parseCsvRecords('items', { path: 'i.csv', content: 'id,title,attributes\n1,A,"{""a"":1}"\n2,B,[1]\n' }),
      { file: 'i.csv', line: 3, field: 'attributes' },
    );
    await expectLineError(
      () => parseCsvRecords('items', { path: 'i.csv', content: 'id,title,available\n1,A,maybe\n' }),
      { file: 'i.csv', line: 2, field: 'available' },
    );
  });
});

describe('JSONL errors', () => {
  it('names the zod path of a bad nested value', async () => {
    const file = fixture('broken/events-bad-field.jsonl');
    await expectLineError(() => loadJsonlRecords('events', file), { file, line: 2, field: 'context.tags[1].x[2]' });
  });

  it('names invalid JSON with field $', async () => {
    const file = fixture('broken/events-bad-json.jsonl');
    await expectLineError(() => loadJsonlRecords('events', file), { file, line: 3, field: '$' }, /invalid JSON/);
  });

  it('names a wrong type, an unknown key, a missing itemId and a duplicate id', async () => {
    const events = (content: string) => () => parseJsonlRecords('events', { path: 'e.jsonl', content });
    await expectLineError(events('{"userId":"u","itemId":"i","type":"view","timestamp":"soon"}'), { file: 'e.jsonl', line: 1, field: 'timestamp' });
    await expectLineError(events('{"userId":"u","itemId":"i","type":"view","userid":"x"}'), { file: 'e.jsonl', line: 1, field: '$' }, /userid/);
    await expectLineError(events('{"userId":"u","type":"click"}'), { file: 'e.jsonl', line: 1, field: 'itemId' });
    await expectLineError(events('[1]'), { file: 'e.jsonl', line: 1, field: '$' });
    await expectLineError(
      () => parseJsonlRecords('users', { path: 'u.jsonl', content: '{"id":"a"}\n{"id":"a"}\n' }),
      { file: 'u.jsonl', line: 2, field: 'id' },
      /duplicate/,
    );
  });
});

describe('readInteractionFile errors', () => {
  it('names a bad rating', async () => {
    const file = fixture('interactions/bad-rating.csv');
    await expectLineError(() => readInteractionFile(file), { file, line: 3, field: 'rating' }, /got "four"/);
  });

  it('names short rows, empty ids, bad timestamps and a headerless bad first line', async () => {
    await expectLineError(() => parseInteractionText('1,2,3,4\n1,2\n', 'r.csv'), { file: 'r.csv', line: 2, field: 'rating' });
    await expectLineError(() => parseInteractionText('1,2,3\n,2,3\n', 'r.csv'), { file: 'r.csv', line: 2, field: 'user' });
    await expectLineError(() => parseInteractionText('1::2::3::x\n', 'r.dat'), { file: 'r.dat', line: 1, field: 'timestamp' });
    await expectLineError(() => parseInteractionText('1,2,bad\n', 'r.csv'), { file: 'r.csv', line: 1, field: 'rating' }, /expected a number/);
    await expectLineError(() => parseInteractionText('itemId,rating\n1,2\n', 'r.csv'), { file: 'r.csv', line: 1, field: 'user' }, /missing column/);
  });

  it('reports a missing file as NotFoundError', async () => {
    await expect(readInteractionFile(fixture('interactions/nope.csv'))).rejects.toBeInstanceOf(NotFoundError);
  });
});
