/**
 * importDataset into real SQLite storage: every format, atomicity of failed imports, abort, progress,
 * the vendored demo dataset, and format detection.
 * @module
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AbortError, ConflictError, ValidationError } from '../core/errors.js';
import type { EventType } from '../core/types.js';
import { openStorage } from '../storage/open-storage.js';
import type { Storage } from '../storage/storage.js';
import { detectFormat } from './detect-format.js';
import { importDataset } from './import-dataset.js';
import type { ImportOptions } from './import-dataset.js';
import type { ImportSource } from './import-source.js';

const fixture = (name: string): string => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const DEMO = fileURLToPath(new URL('../../data/demo/ml-latest-small', import.meta.url));

let storage: Storage;
beforeEach(async () => {
  storage = await openStorage('sqlite::memory:');
});
afterEach(async () => {
  await storage.close();
});

async function counts(): Promise<{ items: number; users: number; events: number }> {
  return { items: await storage.items.count(), users: await storage.users.count(), events: await storage.events.count() };
}

async function countType(type: EventType): Promise<number> {
  let n = 0;
  for await (const page of storage.events.scan({ types: [type] })) n += page.length;
  return n;
}

describe('importDataset', () => {
  const accept = { unknownItems: 'accept' } as const;
  const cases: [string, ImportSource, { items: number; users: number; events: number }, ImportOptions?][] = [
    ['movielens-100k', { format: 'movielens-100k', dir: fixture('ml-100k') }, { items: 4, users: 3, events: 5 }],
    ['movielens-latest', { format: 'movielens-latest', dir: fixture('ml-latest') }, { items: 5, users: 4, events: 7 }],
    [
      's3rec',
      { format: 's3rec', file: fixture('s3rec/Tiny.txt'), attributesFile: fixture('s3rec/Tiny_item2attributes.json') },
      { items: 6, users: 3, events: 9 },
    ],
    ['csv items', { format: 'csv', kind: 'items', file: fixture('csv/items.csv') }, { items: 2, users: 0, events: 0 }],
    ['csv users', { format: 'csv', kind: 'users', file: fixture('csv/users.csv') }, { items: 0, users: 2, events: 0 }],
    ['csv events', { format: 'csv', kind: 'events', file: fixture('csv/events-header.csv') }, { items: 0, users: 0, events: 4 }, accept],
    ['jsonl items', { format: 'jsonl', kind: 'items', file: fixture('jsonl/items.jsonl') }, { items: 2, users: 0, events: 0 }],
    ['jsonl events', { format: 'jsonl', kind: 'events', file: fixture('jsonl/events.jsonl') }, { items: 0, users: 0, events: 3 }, accept],
  ];
  for (const [name, source, expected, options] of cases) {
    it(`imports ${name}`, async () => {
      const report = await importDataset(storage, source, options);
      expect(report).toMatchObject({ format: source.format, ...expected, warnings: [] });
      expect(report.hash).toMatch(/^[0-9a-f]{64}$/);
      expect(await counts()).toEqual(expected);
    });
  }

  it('refuses to import the same content twice, naming the earlier import, unless forced', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lmrec-reimport-'));
    try {
      await importDataset(storage, { format: 'csv', kind: 'items', file: fixture('csv/items.csv') });
      const file = fixture('jsonl/events.jsonl');
      await storage.items.upsert([{ id: 'i1', title: 'One' }]);
      const first = await importDataset(storage, { format: 'jsonl', kind: 'events', file });
      expect(first.events).toBe(3);
      const again = importDataset(storage, { format: 'jsonl', kind: 'events', file });
      await expect(again).rejects.toBeInstanceOf(ConflictError);
      await expect(again).rejects.toThrow(/events\.jsonl was already imported \(import 2, .*: 0 items, 0 users, 3 events\); .*--force/);
      // A copy under another name is the same content.
      const copy = join(dir, 'copy.jsonl');
      copyFileSync(file, copy);
      await expect(importDataset(storage, { format: 'jsonl', kind: 'events', file: copy })).rejects.toMatchObject({ details: { reason: 'already_imported', hash: first.hash, earlier: { source: file } } });
      expect(await storage.events.count()).toBe(3);
      // Forced, the events are stored a second time, and the log says so.
      expect((await importDataset(storage, { format: 'jsonl', kind: 'events', file: copy }, { force: true })).events).toBe(3);
      expect(await storage.events.count()).toBe(6);
      expect((await storage.imports.list({ hash: first.hash })).map((r) => r.source)).toEqual([file, copy]);
      // Other content, or the same bytes read as another kind, is another import.
      writeFileSync(copy, readFileSync(file, 'utf8') + '{"userId":"u9","itemId":"i1","type":"view","timestamp":5}\n');
      expect((await importDataset(storage, { format: 'jsonl', kind: 'events', file: copy })).events).toBe(4);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses events of items the catalogue lacks, naming the line and the item, unless unknown items are accepted', async () => {
    const source: ImportSource = { format: 'csv', kind: 'events', file: fixture('csv/events-header.csv') };
    const refused = importDataset(storage, source);
    await expect(refused).rejects.toBeInstanceOf(ValidationError);
    await expect(refused).rejects.toThrow(/events-header\.csv line 2: field "item": unknown item "i1": not in the catalogue \(2 unknown item ids in this file\)\. .*--allow-unknown-items/);
    await expect(refused).rejects.toMatchObject({ details: { line: 2, field: 'item', itemId: 'i1', unknownItems: 2 } });
    await storage.items.upsert([{ id: 'i1', title: 'One' }]);
    await expect(importDataset(storage, source)).rejects.toMatchObject({ details: { itemId: 'i2', unknownItems: 1 } });
    expect(await storage.events.count()).toBe(0);
    await storage.items.upsert([{ id: 'i2', title: 'Two' }]);
    expect((await importDataset(storage, source)).events).toBe(4);
    // JSONL names the JSON field; accepted, the events are stored as they are.
    await expect(importDataset(storage, { format: 'jsonl', kind: 'events', file: fixture('jsonl/events.jsonl') }, { force: true })).resolves.toMatchObject({ events: 3 });
    await storage.items.delete('i1');
    await expect(importDataset(storage, { format: 'jsonl', kind: 'events', file: fixture('jsonl/events.jsonl') }, { force: true })).rejects.toMatchObject({ details: { field: 'itemId', line: 1 } });
    expect((await importDataset(storage, { format: 'jsonl', kind: 'events', file: fixture('jsonl/events.jsonl') }, { force: true, unknownItems: 'accept' })).events).toBe(3);
  });

  it('stores what the parser produced (latin-1 title, attributes, ms timestamps)', async () => {
    await importDataset(storage, { format: 'movielens-100k', dir: fixture('ml-100k') });
    expect((await storage.items.get('543'))?.title).toBe('Misérables, Les (1995)');
    expect((await storage.users.get('2'))?.attributes).toEqual({ age: 53, gender: 'F', occupation: 'other', zip: '94043' });
    const history = await storage.events.forUser('1');
    expect(history.map((e) => [e.itemId, e.value, e.timestamp])).toEqual([
      ['1', 5, 874965758000],
      ['543', 3, 876893171000],
    ]);
  });

  it('writes nothing when validation fails, leaving earlier data intact', async () => {
    await importDataset(storage, { format: 'csv', kind: 'users', file: fixture('csv/users.csv') });
    const before = await counts();
    const broken: ImportSource[] = [
      { format: 'movielens-latest', dir: fixture('broken/ml-latest-bad-rating') },
      { format: 'movielens-100k', dir: fixture('broken/ml-100k-bad-flag') },
      { format: 'csv', kind: 'events', file: fixture('broken/events-bad-timestamp.csv') },
      { format: 'jsonl', kind: 'events', file: fixture('broken/events-bad-json.jsonl') },
      { format: 's3rec', file: fixture('broken/s3rec-bad-item/Tiny.txt') },
    ];
    for (const source of broken) {
      await expect(importDataset(storage, source)).rejects.toBeInstanceOf(ValidationError);
      expect(await counts()).toEqual(before);
    }
    // The good rows before the bad one in ratings.csv were not written either.
    expect(await storage.items.get('1')).toBeUndefined();
  });

  it('writes nothing when aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(importDataset(storage, { format: 'movielens-latest', dir: fixture('ml-latest') }, { signal: controller.signal })).rejects.toBeInstanceOf(
      AbortError,
    );
    expect(await counts()).toEqual({ items: 0, users: 0, events: 0 });
  });

  it('reports progress phases', async () => {
    const seen: string[] = [];
    await importDataset(storage, { format: 'movielens-latest', dir: fixture('ml-latest') }, {
      onProgress: (phase, done, total) => seen.push(`${phase} ${done}/${total}`),
    });
    expect(seen).toEqual(['read 0/5', 'read 1/5', 'read 2/5', 'read 3/5', 'read 4/5', 'read 5/5', 'parse 0/1', 'parse 1/1', 'write 0/16', 'write 16/16']);
  });

  it('imports the vendored demo dataset with the published counts', async () => {
    const report = await importDataset(storage, { format: 'movielens-latest', dir: DEMO });
    expect(report).toMatchObject({ items: 9742, users: 610, events: 100836 + 3683, warnings: [] });
    expect(report.files).toHaveLength(5);
    expect(await counts()).toEqual({ items: 9742, users: 610, events: 104519 });
    expect(await countType('rating')).toBe(100836);
    expect(await countType('tag')).toBe(3683);
    const toyStory = await storage.items.get('1');
    expect(toyStory?.title).toBe('Toy Story (1995)');
    expect(toyStory?.text).toMatch(/^Led by Woody/);
    expect(toyStory?.attributes).toMatchObject({ genres: ['Adventure', 'Animation', 'Children', 'Comedy', 'Fantasy'], year: 1995, tmdbId: '862' });
    let described = 0;
    for await (const page of storage.items.scan()) described += page.filter((item) => item.text !== undefined).length;
    expect(described).toBe(9524);
  });
});

describe('detectFormat', () => {
  it('recognises dataset directories', async () => {
    expect(await detectFormat(fixture('ml-100k'))).toEqual({ format: 'movielens-100k', dir: fixture('ml-100k') });
    expect(await detectFormat(fixture('ml-latest'))).toEqual({ format: 'movielens-latest', dir: fixture('ml-latest') });
    expect(await detectFormat(fixture('s3rec'))).toEqual({
      format: 's3rec',
      file: fixture('s3rec/Tiny.txt'),
      attributesFile: fixture('s3rec/Tiny_item2attributes.json'),
      userSequenceFile: fixture('s3rec/Tiny_user_sequence.txt'),
    });
    expect(await detectFormat(fixture('csv'))).toBeUndefined();
  });

  it('recognises files by name and content', async () => {
    expect(await detectFormat(fixture('csv/items.csv'))).toEqual({ format: 'csv', kind: 'items', file: fixture('csv/items.csv') });
    expect(await detectFormat(fixture('csv/users.csv'))).toEqual({ format: 'csv', kind: 'users', file: fixture('csv/users.csv') });
    expect(await detectFormat(fixture('csv/events-header.csv'))).toEqual({ format: 'csv', kind: 'events', file: fixture('csv/events-header.csv') });
    expect(await detectFormat(fixture('jsonl/events.jsonl'))).toEqual({ format: 'jsonl', kind: 'events', file: fixture('jsonl/events.jsonl') });
    expect(await detectFormat(fixture('interactions/ratings.dat'))).toMatchObject({ format: 'csv', kind: 'events', mapping: { delimiter: '::' } });
    expect(await detectFormat(fixture('ml-100k/u.data'))).toMatchObject({ format: 'csv', kind: 'events', mapping: { delimiter: '\t' } });
    // Integer sequences without companions are still S3-Rec by shape.
    expect(await detectFormat(fixture('broken/s3rec-bad-item/Tiny.txt'))).toEqual({ format: 's3rec', file: fixture('broken/s3rec-bad-item/Tiny.txt') });
    expect(await detectFormat(fixture('interactions/whitespace.txt'))).toBeUndefined();
    expect(await detectFormat(fixture('s3rec/Tiny_item2attributes.json'))).toBeUndefined();
  });

  it('imports what it detects', async () => {
    const source = await detectFormat(fixture('ml-100k/u.data'));
    expect(source).toBeDefined();
    const report = await importDataset(storage, source!, { unknownItems: 'accept' });
    expect(report.events).toBe(5);
  });
});
