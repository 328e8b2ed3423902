/**
 * The fast interaction reader on every delimiter style, header detection, directories and S3-Rec.
 * @module
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { InteractionLog } from '../core/interaction-log.js';
import { detectDelimiter, parseInteractionText, readInteractionFile, WHITESPACE_DELIMITER } from './read-interaction-file.js';

const fixture = (name: string): string => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

/** The log as readable rows: [user, item, value, timestamp]. */
function rows(log: InteractionLog): [string, string, number, number][] {
  return Array.from(log.userIdx, (u, k) => [log.users.idAt(u), log.items.idAt(log.itemIdx[k]), log.value[k], log.timestamp[k]]);
}

const ML_ROWS: [string, string, number, number][] = [
  ['1', '10', 4, 964982703000],
  ['1', '20', 3.5, 964982931000],
  ['2', '10', 5, 964983000000],
];

describe('detectDelimiter', () => {
  it('prefers :: then tab, comma, semicolon, pipe, whitespace', () => {
    expect(detectDelimiter('1::2::3')).toBe('::');
    expect(detectDelimiter('1\t2\t3')).toBe('\t');
    expect(detectDelimiter('1,2,3')).toBe(',');
    expect(detectDelimiter('1;2;3')).toBe(';');
    expect(detectDelimiter('1 | 2 | 3')).toBe('|');
    expect(detectDelimiter('1  2 3')).toBe(WHITESPACE_DELIMITER);
  });
});

describe('readInteractionFile', () => {
  it('reads CSV with a header', async () => {
    const log = await readInteractionFile(fixture('interactions/header.csv'));
    expect(rows(log)).toEqual(ML_ROWS);
    expect(log.users.size).toBe(2);
    expect(log.items.size).toBe(2);
  });

  it('reads headerless CSV with CRLF line ends', async () => {
    expect(rows(await readInteractionFile(fixture('interactions/headerless.csv')))).toEqual(ML_ROWS);
  });

  it('reads whitespace-separated text, skipping comments and blank lines', async () => {
    expect(rows(await readInteractionFile(fixture('interactions/whitespace.txt')))).toEqual(ML_ROWS);
  });

  it('reads tab-separated ml-100k u.data', async () => {
    expect(rows(await readInteractionFile(fixture('interactions/u.data')))).toEqual([
      ['196', '242', 3, 881250949000],
      ['186', '302', 3, 891717742000],
      ['22', '377', 1, 878887116000],
    ]);
  });

  it('reads :: separated ml-1m ratings.dat', async () => {
    expect(rows(await readInteractionFile(fixture('interactions/ratings.dat')))).toEqual([
      ['1', '1193', 5, 978300760000],
      ['1', '661', 3, 978302109000],
      ['2', '1193', 4, 978298413000],
    ]);
  });

  it('reads semicolon-separated text with quoted ids and no timestamp', async () => {
    expect(rows(await readInteractionFile(fixture('interactions/semicolon.csv')))).toEqual([
      ['u1', 'i1', 4, 0],
      ['u2', 'i1', 2, 1],
    ]);
  });

  it('reads pipe-separated text', async () => {
    expect(rows(await readInteractionFile(fixture('interactions/pipe.txt')))).toEqual([
      ['1', '10', 4, 964982703000],
      ['2', '20', 1, 964982931000],
    ]);
  });

  it('gives value 1 and the line order when there is no rating and no timestamp', async () => {
    expect(rows(await readInteractionFile(fixture('interactions/two-columns.csv')))).toEqual([
      ['u1', 'i1', 1, 0],
      ['u1', 'i2', 1, 1],
      ['u2', 'i1', 1, 2],
    ]);
  });

  it('finds header columns by name in any order, with ISO timestamps', async () => {
    expect(rows(await readInteractionFile(fixture('interactions/reordered-header.csv')))).toEqual([
      ['x', 'a', 1, Date.UTC(2024, 0, 2, 3, 4, 5)],
      ['x', 'b', 1, Date.UTC(2024, 0, 3)],
    ]);
  });

  it('uses the ratings file of a MovieLens directory', async () => {
    expect(rows(await readInteractionFile(fixture('interactions/ml-dir')))).toEqual([['1', '10', 4, 964982703000]]);
  });

  it('reads S3-Rec sequences with value 1 and the position as timestamp', async () => {
    expect(rows(await readInteractionFile(fixture('s3rec/Tiny.txt'), { format: 's3rec' }))).toEqual([
      ['1', '1', 1, 0],
      ['1', '2', 1, 1],
      ['1', '3', 1, 2],
      ['2', '2', 1, 0],
      ['2', '4', 1, 1],
      ['3', '3', 1, 0],
      ['3', '1', 1, 1],
      ['3', '4', 1, 2],
      ['3', '5', 1, 3],
    ]);
  });

  it('honours explicit delimiter and hasHeader options', () => {
    const log = parseInteractionText('a b 1\nc d 2\n', 'x.txt', { delimiter: ' ', hasHeader: false });
    expect(rows(log)).toEqual([
      ['a', 'b', 1, 0],
      ['c', 'd', 2, 1],
    ]);
    const headed = parseInteractionText('1,2,3\n4,5,6\n', 'x.csv', { hasHeader: true });
    expect(rows(headed)).toHaveLength(1);
  });

  it('parses decimal ratings exactly like Number()', () => {
    const values = ['0.1', '3.14159', '-2.5', '.5', '5.', '123456789012345', '1e3', '0.30000000000000004'];
    const log = parseInteractionText(values.map((v, k) => `u,i${k},${v},${k}`).join('\n'), 'x.csv', { hasHeader: false });
    expect(Array.from(log.value)).toEqual(values.map((v) => Math.fround(Number(v))));
  });

  it('honours an aborted signal', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(readInteractionFile(fixture('interactions/header.csv'), { signal: controller.signal })).rejects.toMatchObject({ code: 'aborted' });
  });
});
