/**
 * Explanations of natural-language query answers: what of the item's text the request shares, and
 * with a user the liked item closest to it; end to end on a small catalogue in a real SQLite file
 * with a deterministic bag-of-words encoder standing in for a sentence encoder.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Item } from '../core/types.js';
import { bagOfWordsEncoder } from '../encoders/test-support.js';
import { openStorage } from '../storage/index.js';
import { createEngine } from './engine.js';
import type { Engine } from './engine.js';
import { explainQueryMatch } from './explain-query.js';

const heat: Item = { id: '6', title: 'Heat (1995)', text: 'A crew of thieves plans one last heist.', attributes: { genres: ['Action', 'Crime', 'Thriller'] } };

describe('explainQueryMatch', () => {
  it('names the request words the title, genres and description share', () => {
    const e = explainQueryMatch('a crime heist thriller about heat', heat);
    expect(e.matched).toEqual({ title: ['heat'], facets: ['crime', 'thriller'], description: ['heist'] });
    expect(e.sentence).toBe('Close in meaning to "a crime heist thriller about heat": its title mentions "heat", its genres/tags include Crime and Thriller and its description mentions "heist".');
  });

  it('says when no word is shared, and names the item\'s facets instead', () => {
    expect(explainQueryMatch('robbery gone wrong', heat).sentence).toBe('Close in meaning to "robbery gone wrong": no word in common; it is Action, Crime and Thriller.');
  });

  it('adds the liked item it is close to', () => {
    const e = explainQueryMatch('heist', heat, { itemId: '2', title: 'Ronin (1998)', similarity: 0.61 });
    expect(e.sentence).toBe('Close in meaning to "heist": its description mentions "heist"; close in content to Ronin (1998), which you liked.');
    expect(e.because).toEqual({ itemId: '2', title: 'Ronin (1998)', similarity: 0.61 });
  });
});

describe('Engine.query explanations (real SQLite file)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmrec-query-'));
  let engine: Engine;
  const items: Item[] = [
    heat,
    { id: '2', title: 'Ronin (1998)', text: 'Mercenaries plan a heist of a mysterious case.', attributes: { genres: ['Action', 'Crime'] } },
    { id: '3', title: 'Toy Story (1995)', text: 'Toys come to life when nobody watches.', attributes: { genres: ['Animation', 'Comedy'] } },
    { id: '4', title: 'Cars (2006)', text: 'A race car learns about life in a small town.', attributes: { genres: ['Animation', 'Comedy'] } },
    { id: '5', title: 'Casino (1995)', text: 'Mob money and a Las Vegas casino.', attributes: { genres: ['Crime', 'Drama'] } },
  ];

  beforeAll(async () => {
    engine = createEngine(await openStorage(`sqlite://${join(dir, 'q.db')}`), { encoder: bagOfWordsEncoder() });
    const t = Date.UTC(2024, 0, 1);
    await engine.storage.bulkWrite({
      items,
      events: [
        { userId: 'u', itemId: '2', type: 'like', timestamp: t },
        { userId: 'u', itemId: '3', type: 'like', timestamp: t + 1 },
        { userId: 'v', itemId: '6', type: 'like', timestamp: t },
        { userId: 'v', itemId: '5', type: 'like', timestamp: t + 1 },
      ],
    });
    await engine.train('semantic');
  }, 60_000);

  afterAll(async () => {
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('explains each answer by what it shares with the request, not one sentence for all', async () => {
    const res = await engine.query('a crime heist', { k: 3 });
    const sentences = res.items.map((i) => i.explanation.sentence);
    expect(new Set(sentences).size, sentences.join('\n')).toBe(res.items.length);
    const top = res.items.find((i) => i.id === '6')!;
    expect(top.explanation.matched.facets).toEqual(['crime']);
    expect(top.explanation.matched.description).toEqual(['heist']);
    for (const it of res.items) expect(it.explanation.because).toBeUndefined();
  });

  it('with a user, names the liked item closest in the text space, by a true cosine', async () => {
    const res = await engine.query('a crime heist', { k: 3, userId: 'u' });
    expect(res.items.map((i) => i.id)).not.toContain('2');
    const top = res.items.find((i) => i.id === '6')!;
    expect(top.explanation.because?.itemId).toBe('2');
    expect(top.explanation.because!.similarity).toBeGreaterThan(0);
    expect(top.explanation.sentence).toMatch(/close in content to Ronin \(1998\), which you liked\.$/);
  });
});
