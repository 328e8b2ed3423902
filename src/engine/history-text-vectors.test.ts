import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Event, Item } from '../core/types.js';
import type { Encoder } from '../encoders/encoder.js';
import { bagOfWordsEncoder } from '../encoders/test-support.js';
import { openStorage } from '../storage/index.js';
import { createPipeline } from '../pipeline/create-pipeline.js';
import { createEngine } from './engine.js';
import type { Engine } from './engine.js';

/** The bag-of-words test encoder behind a gate: while closed, every call waits; calls are counted. */
function gatedEncoder(): { encoder: Encoder; calls: () => number; close: () => void; open: () => void } {
  const inner = bagOfWordsEncoder();
  let calls = 0;
  let gate: Promise<void> = Promise.resolve();
  let release: () => void = () => undefined;
  return {
    encoder: {
      ...inner,
      async encode(texts, o) {
        calls++;
        await gate;
        return inner.encode(texts, o);
      },
    },
    calls: () => calls,
    close: () => {
      gate = new Promise((r) => (release = r));
    },
    open: () => release(),
  };
}

const GENRES = ['space adventure rockets planets', 'romantic comedy wedding love', 'crime heist robbery police'];

describe('history text on the request path (background mode)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmrec-history-text-'));
  const gated = gatedEncoder();
  let engine: Engine;

  beforeAll(async () => {
    const items: Item[] = Array.from({ length: 30 }, (_, i) => ({ id: `m${i}`, title: `Movie ${i}`, text: `A film about ${GENRES[i % 3]} number ${i}.` }));
    const events: Event[] = [];
    for (let u = 0; u < 12; u++) for (let i = 0; i < 30; i++) if ((i + u) % 3 === 0 || i % 7 === u % 7) events.push({ userId: `u${u}`, itemId: `m${i}`, type: 'rating', value: 5, timestamp: 1_000 + i });
    engine = createEngine(await openStorage(`sqlite://${join(dir, 'h.db')}`), { encoder: gated.encoder, historyText: 'background' });
    await engine.storage.bulkWrite({ items, events });
    await engine.train('semantic');
  });

  afterAll(async () => {
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers without waiting for an encoder, and encodes each new history once', async () => {
    const before = gated.calls();
    gated.close();
    const answer = await Promise.race([
      engine.recommend('u1', { model: 'semantic', k: 5 }),
      new Promise<'timed out'>((r) => setTimeout(() => r('timed out'), 5_000)),
    ]);
    expect(answer).not.toBe('timed out');
    for (let r = 0; r < 20; r++) await engine.recommend('u1', { model: 'semantic', k: 5 });
    // One encoding of u1's history is queued (blocked behind the gate), however many requests came.
    expect(gated.calls() - before).toBe(1);
    gated.open();
    await engine.historyTextsIdle();
    const calls = gated.calls();
    for (let r = 0; r < 5; r++) await engine.recommend('u1', { model: 'semantic', k: 5 });
    expect(gated.calls()).toBe(calls);
    // A new event is a new history: encoded once more, in the background.
    await engine.storage.events.append([{ userId: 'u1', itemId: 'm2', type: 'like', timestamp: 5_000 }]);
    await engine.recommend('u1', { model: 'semantic', k: 5 });
    await engine.historyTextsIdle();
    expect(gated.calls()).toBe(calls + 1);
  });

  it('uses the text vector once it is ready', async () => {
    await engine.recommend('u2', { model: 'semantic', k: 30 });
    await engine.historyTextsIdle();
    const withText = await engine.recommend('u2', { model: 'semantic', k: 30 });
    const inline = createEngine(engine.storage, { encoder: bagOfWordsEncoder() });
    const reference = await inline.recommend('u2', { model: 'semantic', k: 30 });
    expect(withText.items.map((i) => i.id)).toEqual(reference.items.map((i) => i.id));
  });
  it('a pipeline list built before the text vector was ready is not reused', async () => {
    const pipeline = await createPipeline(engine, { ranker: 'none', listCache: { ttlMs: 60_000 } });
    gated.close();
    const early = await pipeline.recommend('u3', { k: 5 });
    expect(await pipeline.recommend('u3', { k: 5 })).not.toBe(early);
    gated.open();
    await engine.historyTextsIdle();
    const ready = await pipeline.recommend('u3', { k: 5 });
    expect(await pipeline.recommend('u3', { k: 5 })).toBe(ready);
  });
});
