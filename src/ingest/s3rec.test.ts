/**
 * S3-Rec sequence parser: synthetic timestamps, attribute ids, raw ASINs.
 * @module
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SYNTHETIC_STEP_MS } from './import-source.js';
import { findS3RecCompanions, loadS3Rec, parseS3Rec } from './s3rec.js';

const FILE = fileURLToPath(new URL('./fixtures/s3rec/Tiny.txt', import.meta.url));

describe('parseS3Rec', () => {
  it('turns sequences into ordered events with synthetic timestamps', () => {
    const { batch } = parseS3Rec({ sequences: { path: 'Tiny.txt', content: '1 1 2 3\n2 2 4\n' } });
    expect(batch.users).toEqual([{ id: '1' }, { id: '2' }]);
    expect(batch.items).toEqual([
      { id: '1', title: 'Item 1', attributes: {} },
      { id: '2', title: 'Item 2', attributes: {} },
      { id: '3', title: 'Item 3', attributes: {} },
      { id: '4', title: 'Item 4', attributes: {} },
    ]);
    expect(batch.events.map((e) => [e.userId, e.itemId, e.type, e.timestamp])).toEqual([
      ['1', '1', 'purchase', 0],
      ['1', '2', 'purchase', SYNTHETIC_STEP_MS],
      ['1', '3', 'purchase', 2 * SYNTHETIC_STEP_MS],
      ['2', '2', 'purchase', 0],
      ['2', '4', 'purchase', SYNTHETIC_STEP_MS],
    ]);
  });

  it('honours eventType', () => {
    const { batch } = parseS3Rec({ sequences: { path: 'x.txt', content: '1 5\n' } }, { eventType: 'view' });
    expect(batch.events[0]?.type).toBe('view');
  });
});

describe('loadS3Rec', () => {
  it('finds the companion files and reads attribute ids and ASINs', async () => {
    const companions = await findS3RecCompanions(FILE);
    expect(companions.attributesFile).toMatch(/Tiny_item2attributes\.json$/);
    expect(companions.userSequenceFile).toMatch(/Tiny_user_sequence\.txt$/);
    const { batch, files } = await loadS3Rec({ file: FILE, ...companions });
    expect(files).toHaveLength(3);
    expect(batch.users[0]).toEqual({ id: '1', attributes: { rawId: 'A1RAW' } });
    // Item 6 is only in the attribute file: still part of the catalogue.
    expect(batch.items.map((i) => i.id)).toEqual(['1', '2', '3', '4', '5', '6']);
    expect(batch.items[0]).toEqual({ id: '1', title: 'B00A', attributes: { asin: 'B00A', attributeIds: [1, 2] } });
    expect(batch.items[5]).toEqual({ id: '6', title: 'Item 6', attributes: { attributeIds: [6] } });
    expect(batch.events).toHaveLength(9);
  });
});
