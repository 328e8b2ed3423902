import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStorage } from '../storage/index.js';
import type { Storage } from '../storage/index.js';
import { createVerbalizer } from '../text/verbalizer.js';
import { catalogueText, reviewAspects } from './catalogue-text.js';

describe('catalogue text with user tags and review aspects', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmrec-cat-'));
  let storage: Storage;

  beforeAll(async () => {
    storage = await openStorage(`sqlite://${join(dir, 'c.db')}`);
    await storage.bulkWrite({
      items: [
        { id: 'a', title: 'Night Train (1999)', text: 'A thriller on a train.', attributes: { genres: ['Thriller'] } },
        { id: 'b', title: 'Quiet Fields (2004)', text: 'A rural drama.', attributes: { genres: ['Drama'] } },
      ],
      events: [
        { userId: 'u1', itemId: 'a', type: 'review', text: 'Gorgeous soundtrack but the pacing drags.', timestamp: 1 },
        { userId: 'u2', itemId: 'a', type: 'review', text: 'The soundtrack is superb. Slow pacing, boring middle.', timestamp: 2 },
        { userId: 'u3', itemId: 'a', type: 'tag', text: 'claustrophobic', timestamp: 3 },
        { userId: 'u1', itemId: 'b', type: 'review', text: 'Beautiful cinematography.', timestamp: 4 },
      ],
    });
  });

  afterAll(async () => {
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes praised and criticised aspects and tags into the item text', async () => {
    const { ids, texts } = await catalogueText(storage, createVerbalizer());
    const a = texts[ids.indexOf('a')];
    expect(a).toMatch(/Reviewers praise: [^.]*soundtrack/);
    expect(a).toMatch(/Reviewers criticise: [^.]*pacing/);
    expect(a).toContain('claustrophobic');
    expect(texts[ids.indexOf('b')]).toMatch(/Reviewers praise: [^.]*cinematography/);
  });

  it('finds no aspects when there are no reviews', () => {
    expect(reviewAspects(new Map()).size).toBe(0);
  });
});
