/**
 * Reading a public dataset nobody prepared for us (a Last.fm-style `user_artists.dat`: tab-separated,
 * a header with its own names, play counts as weights) through the column options `lmrec import`
 * and `lmrec evaluate` share; and the errors when a column is not recognised.
 * @module
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../core/errors.js';
import { mappingFromFlags, parseColumnMap, parseDelimiterOption } from './column-options.js';
import { loadCsvRecords } from './csv-records.js';
import { kindFromFileName } from './detect-format.js';
import { readInteractionFile } from './read-interaction-file.js';

const PLAYS = fileURLToPath(new URL('./fixtures/lastfm/user_artists.dat', import.meta.url));
const ARTISTS = fileURLToPath(new URL('./fixtures/lastfm/artists.dat', import.meta.url));

async function rejection(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    () => expect.unreachable('expected a rejection'),
    (error: unknown) => error as Error,
  );
}

describe('column options', () => {
  it('parses --delimiter names and --map pairs (indexes as numbers, rating as value)', () => {
    expect(parseDelimiterOption('tab')).toBe('\t');
    expect(parseDelimiterOption('\\t')).toBe('\t');
    expect(parseDelimiterOption('::')).toBe('::');
    expect(parseColumnMap('user=userID, item=artistID,rating=weight,timestamp=3')).toEqual({ user: 'userID', item: 'artistID', value: 'weight', timestamp: 3 });
    expect(() => parseColumnMap('user')).toThrow(ValidationError);
    expect(mappingFromFlags({})).toBeUndefined();
    expect(mappingFromFlags({ delimiter: 'tab', map: 'item=artistID', header: true })).toEqual({ delimiter: '\t', columns: { item: 'artistID' }, hasHeader: true });
  });

  it('guesses a kind from a file name only when the name is one kind word', () => {
    expect(kindFromFileName('user_artists.dat')).toBe('events');
    expect(kindFromFileName('user_friends.dat')).toBe('events');
    expect(kindFromFileName('item_ratings.csv')).toBe('events');
    expect(kindFromFileName('data/items.csv')).toBe('items');
    expect(kindFromFileName('movies.jsonl')).toBe('items');
    expect(kindFromFileName('users.tsv')).toBe('users');
  });

  it('imports the play counts with --delimiter tab --map item=artistID,value=weight', async () => {
    const parsed = await loadCsvRecords('events', PLAYS, mappingFromFlags({ delimiter: 'tab', map: 'item=artistID,value=weight' }));
    expect(parsed.batch.events).toHaveLength(15);
    expect(parsed.batch.events[0]).toMatchObject({ userId: '2', itemId: '1', type: 'rating', value: 13883 });
    const artists = await loadCsvRecords('items', ARTISTS, mappingFromFlags({ delimiter: 'tab' }));
    expect(artists.batch.items[0]).toMatchObject({ id: '1', title: 'MALICE MIZER', attributes: { url: 'http://www.last.fm/music/MALICE+MIZER' } });
  });

  it('names the columns found and the flag to map them when the item column is not recognised', async () => {
    const error = await rejection(loadCsvRecords('events', PLAYS, { delimiter: '\t' }));
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.message).toMatch(/line 1: field "item": missing column: the header has none of "item", .* \(columns found: "userID", "artistID", "weight"\); name the column with --map item=<column>/);
    const wrong = await rejection(loadCsvRecords('events', PLAYS, { delimiter: '\t', columns: { item: 'artist' } }));
    expect(wrong.message).toMatch(/mapped column "artist" is not in the header \(columns found: "userID", "artistID", "weight"\)/);
  });

  it('reads the same file for evaluation with the same mapping', async () => {
    const mapping = mappingFromFlags({ delimiter: 'tab', map: 'item=artistID,value=weight' });
    const log = await readInteractionFile(PLAYS, { delimiter: mapping?.delimiter, columns: mapping?.columns });
    expect(log.users.size).toBe(5);
    expect(log.items.size).toBe(6);
    expect(Array.from(log.value.subarray(0, 2))).toEqual([13883, 11690]);
    const unmapped = await rejection(readInteractionFile(PLAYS, { delimiter: '\t' }));
    expect(unmapped.message).toMatch(/missing column: .*\(columns found: "userID", "artistID", "weight"\); name the column with --map item=<column>/);
  });
});
