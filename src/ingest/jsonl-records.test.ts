/**
 * JSONL importer on fixtures.
 * @module
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SYNTHETIC_STEP_MS } from './import-source.js';
import { loadJsonlRecords, zodPath } from './jsonl-records.js';

const fixture = (name: string): string => fileURLToPath(new URL(`./fixtures/jsonl/${name}`, import.meta.url));

describe('loadJsonlRecords', () => {
  it('reads items, turning integer ids into strings and ISO dates into ms', async () => {
    const { batch } = await loadJsonlRecords('items', fixture('items.jsonl'));
    expect(batch.items).toEqual([
      {
        id: 'i1',
        title: 'Shoe',
        text: 'A red shoe.',
        attributes: { tags: ['shoe', 'red'], price: 19.99 },
        createdAt: Date.UTC(2024, 0, 1),
        available: true,
      },
      { id: '2', title: 'Hat' },
    ]);
  });

  it('reads users', async () => {
    const { batch } = await loadJsonlRecords('users', fixture('users.jsonl'));
    expect(batch.users).toEqual([{ id: 'u1', attributes: { age: 34 } }, { id: 'u2' }]);
  });

  it('reads events; a missing timestamp takes the event position', async () => {
    const { batch } = await loadJsonlRecords('events', fixture('events.jsonl'));
    expect(batch.events).toEqual([
      { userId: 'u1', itemId: 'i1', type: 'view', timestamp: 1704164645000 },
      { userId: 'u1', type: 'search', text: 'red shoes', timestamp: Date.UTC(2024, 0, 2, 3, 4, 5) },
      { userId: 'u2', itemId: 'i1', type: 'rating', value: 4, timestamp: 2 * SYNTHETIC_STEP_MS },
    ]);
  });

  it('formats zod paths', () => {
    expect(zodPath([])).toBe('$');
    expect(zodPath(['attributes', 'genres', 0])).toBe('attributes.genres[0]');
  });
});
