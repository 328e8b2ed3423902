/**
 * Generic CSV importer: header detection, aliases, headerless ratings, attributes and timestamps.
 * @module
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { coerceAttribute, loadCsvRecords, parseCsvRecords } from './csv-records.js';
import { SYNTHETIC_STEP_MS } from './import-source.js';
import { parseInteractionText } from './read-interaction-file.js';

const fixture = (name: string): string => fileURLToPath(new URL(`./fixtures/csv/${name}`, import.meta.url));

describe('CSV events', () => {
  it('reads a headerless user,item,rating,timestamp file as ratings', async () => {
    const { batch } = await loadCsvRecords('events', fixture('events-headerless.csv'));
    expect(batch.events).toEqual([
      { userId: 'u1', itemId: 'i1', type: 'rating', value: 4.5, timestamp: 964982703000 },
      { userId: 'u1', itemId: 'i2', type: 'rating', value: 3, timestamp: 964982931000 },
      { userId: 'u2', itemId: 'i1', type: 'rating', value: 5, timestamp: 1445714835000 },
    ]);
    expect(batch.items).toEqual([]);
    expect(batch.users).toEqual([]);
  });

  it('uses the row order as the clock when there is no timestamp column', async () => {
    const { batch } = await loadCsvRecords('events', fixture('events-headerless-no-time.csv'));
    expect(batch.events.map((e) => e.timestamp)).toEqual([0, SYNTHETIC_STEP_MS, 2 * SYNTHETIC_STEP_MS]);
    expect(batch.events.every((e) => e.type === 'rating')).toBe(true);
  });

  it('maps aliased headers, ISO / ms / s timestamps, item-less searches and extra columns to context', async () => {
    const { batch } = await loadCsvRecords('events', fixture('events-header.csv'));
    expect(batch.events).toEqual([
      { userId: 'u1', itemId: 'i1', type: 'view', timestamp: Date.UTC(2024, 0, 2, 3, 4, 5), context: { device: 'mobile' } },
      { userId: 'u1', itemId: 'i1', type: 'rating', value: 4, timestamp: 1704164645000, context: { device: 'desktop' } },
      { userId: 'u2', type: 'search', text: 'red shoes, size 9', timestamp: Date.UTC(2024, 0, 2) },
      { userId: 'u2', itemId: 'i2', type: 'purchase', value: 19.99, timestamp: 1704164645000 },
    ]);
  });

  it('reads a headerless canonical layout when the third column is a type', () => {
    const { batch } = parseCsvRecords('events', { path: 'e.csv', content: 'u1,i1,click,,1700000000\nu1,i2,like,2,1700000001,nice\n' });
    expect(batch.events).toEqual([
      { userId: 'u1', itemId: 'i1', type: 'click', timestamp: 1700000000000 },
      { userId: 'u1', itemId: 'i2', type: 'like', value: 2, text: 'nice', timestamp: 1700000001000 },
    ]);
    const untimed = parseCsvRecords('events', { path: 'e.csv', content: 'u1,i1,click\nu1,i2,like,3\n' });
    expect(untimed.batch.events.map((e) => [e.type, e.value, e.timestamp])).toEqual([['click', undefined, 0], ['like', 3, SYNTHETIC_STEP_MS]]);
  });

  it('accepts a column mapping, a delimiter and a default type', () => {
    const { batch } = parseCsvRecords(
      'events',
      { path: 'e.tsv', content: 'customer\tsku\nc1\ts1\n' },
      { delimiter: '\t', columns: { user: 'customer', item: 'sku' }, defaultType: 'purchase' },
    );
    expect(batch.events).toEqual([{ userId: 'c1', itemId: 's1', type: 'purchase', timestamp: 0 }]);
  });

  it('detects the delimiter as the evaluation reader does, so a file reads alike in lmrec import and lmrec evaluate', () => {
    const content = 'uid;iid;score;ts\nu1;i1;4;964982703\nu2;i1;2;964982931\n';
    const { batch } = parseCsvRecords('events', { path: 'plays.txt', content });
    expect(batch.events).toEqual([
      { userId: 'u1', itemId: 'i1', type: 'rating', value: 4, timestamp: 964982703000 },
      { userId: 'u2', itemId: 'i1', type: 'rating', value: 2, timestamp: 964982931000 },
    ]);
    const log = parseInteractionText(content, 'plays.txt');
    expect([log.users.size, log.items.size, log.userIdx.length]).toEqual([2, 1, 2]);
    expect(Array.from(log.value)).toEqual([4, 2]);
    // Tab-separated with a header, no flag either.
    expect(parseCsvRecords('events', { path: 'p.tsv.txt', content: 'user\titem\nu1\ti9\n' }).batch.events[0]).toMatchObject({ userId: 'u1', itemId: 'i9' });
  });

  it('reads :: separated MovieLens 1M ratings', () => {
    const { batch } = parseCsvRecords('events', { path: 'ratings.dat', content: '1::1193::5::978300760\n' }, { delimiter: '::' });
    expect(batch.events).toEqual([{ userId: '1', itemId: '1193', type: 'rating', value: 5, timestamp: 978300760000 }]);
  });
});

describe('CSV items and users', () => {
  it('reads items with JSON attributes, extra columns, createdAt and available', async () => {
    const { batch } = await loadCsvRecords('items', fixture('items.csv'));
    expect(batch.items).toEqual([
      {
        id: 'i1',
        title: 'Shoe, red',
        text: 'A red shoe.',
        attributes: { tags: ['shoe', 'red'], brand: 'Acme', price: 19.99, zip: '02139' },
        createdAt: Date.UTC(2024, 0, 1),
        available: true,
      },
      { id: 'i2', title: 'Hat', attributes: { brand: 'Hatco', price: 5 }, available: false },
    ]);
  });

  it('reads users with attributes from extra columns', async () => {
    const { batch } = await loadCsvRecords('users', fixture('users.csv'));
    expect(batch.users).toEqual([
      { id: 'u1', attributes: { age: 34, country: 'FR' } },
      { id: 'u2', attributes: { country: 'DE' } },
    ]);
  });

  it('coerces only canonical numbers and booleans', () => {
    expect(coerceAttribute('12')).toBe(12);
    expect(coerceAttribute('-0.5')).toBe(-0.5);
    expect(coerceAttribute('02139')).toBe('02139');
    expect(coerceAttribute('1e5')).toBe('1e5');
    expect(coerceAttribute('true')).toBe(true);
    expect(coerceAttribute('  ')).toBeUndefined();
  });
});
