/**
 * Enrichment against a scripted OpenAI-compatible server, on a slice of the vendored MovieLens demo
 * (real SQLite file) plus two new items that have a title only.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bagOfWordsEncoder } from '../encoders/test-support.js';
import { catalogueText } from '../engine/catalogue-text.js';
import { createEngine } from '../engine/engine.js';
import type { Engine } from '../engine/engine.js';
import { loadMovieLensLatest } from '../ingest/index.js';
import { dot } from '../linalg/index.js';
import { openStorage } from '../storage/index.js';
import { createEnrichmentJobs, discardGeneratedText, enrichThinItems } from './enrich-items.js';
import { guardChatModel } from './guarded-chat-model.js';
import { createOpenAiChatModel } from './openai-chat-model.js';
import { startScriptedChatServer } from './test-support/scripted-chat-server.js';
import type { ScriptedChatServer } from './test-support/scripted-chat-server.js';

const DEMO = fileURLToPath(new URL('../../data/demo/ml-latest-small', import.meta.url));
const HEIST = { id: 'new-1', title: 'The Vault Job (2025)', attributes: { genres: ['Crime', 'Thriller'] } };
const CARTOON = { id: 'new-2', title: 'Paper Dragons (2025)', attributes: { genres: ['Animation', 'Children'] } };

describe('enrichThinItems', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmrec-enrich-'));
  let engine: Engine;
  let server: ScriptedChatServer;

  /** The k items whose text vectors are closest to `id`'s. */
  async function neighbours(id: string, k = 5): Promise<string[]> {
    const vectors = await engine.itemVectors();
    const { ids } = await catalogueText(engine.storage, engine.verbalizer);
    const own = vectors.vectorOf(id) as Float32Array;
    return ids
      .filter((other) => other !== id)
      .map((other) => ({ other, s: dot(own, 0, vectors.vectorOf(other) as Float32Array, 0, own.length) }))
      .sort((a, b) => b.s - a.s)
      .slice(0, k)
      .map((x) => x.other);
  }

  beforeAll(async () => {
    server = await startScriptedChatServer();
    server.setDefault((request) => {
      const user = request.body.messages?.find((m) => m.role === 'user')?.content ?? '';
      return {
        content: user.includes('Vault Job')
          ? 'A crew of professional thieves plans one last bank heist while a relentless detective closes in.'
          : 'An animated adventure for children about a boy and the paper dragon he brings to life.',
      };
    });
    const ds = await loadMovieLensLatest(DEMO);
    const items = ds.batch.items.slice(0, 300);
    engine = createEngine(await openStorage(`sqlite://${join(dir, 'e.db')}`), { encoder: bagOfWordsEncoder() });
    await engine.storage.bulkWrite({ items: [...items, HEIST, CARTOON] });
  }, 60_000);

  afterAll(async () => {
    await server.close();
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes descriptions for thin items only, beside their text; text models read them; a second run asks nothing', async () => {
    const model = guardChatModel(createOpenAiChatModel({ baseUrl: server.baseUrl, model: 'scripted' }), { cache: engine.storage.llmCache });
    const before = await neighbours(HEIST.id);
    const thinInDemo = (await engine.storage.items.list({ limit: 1000 })).filter((it) => (it.text?.trim().length ?? 0) < 80 && !it.id.startsWith('new-')).length;
    const report = await enrichThinItems(engine, model, { minChars: 80 });
    expect(report).toMatchObject({ scanned: 302, thin: thinInDemo + 2, generated: thinInDemo + 2, failed: 0, promptVersion: 'enrich-v1', model: model.id });
    const [stored] = await engine.storage.generatedTexts.getMany([HEIST.id]);
    expect(stored).toMatchObject({ itemId: HEIST.id, promptVersion: 'enrich-v1', model: model.id, text: expect.stringContaining('bank heist') as unknown });
    expect((await engine.storage.items.get(HEIST.id))?.text).toBeUndefined();
    const heistPrompt = server.requests.find((r) => r.prompt.includes('The Vault Job'));
    expect(heistPrompt?.prompt).toContain('Genres: Crime, Thriller');
    const { ids, texts } = await catalogueText(engine.storage, engine.verbalizer);
    expect(texts[ids.indexOf(HEIST.id)]).toContain('bank heist');
    const after = await neighbours(HEIST.id);
    expect(after).not.toEqual(before);
    const requests = server.requests.length;
    expect((await enrichThinItems(engine, model)).kept).toBe(thinInDemo + 2);
    const forced = await enrichThinItems(engine, model, { force: true, itemIds: [HEIST.id] });
    expect(forced.generated).toBe(1);
    // The same prompt is answered from the response cache.
    expect(server.requests.length).toBe(requests);
  });

  it('discarding a generated text puts the item back to its own text; unknown ones are NotFound', async () => {
    await discardGeneratedText(engine, CARTOON.id);
    const { ids, texts } = await catalogueText(engine.storage, engine.verbalizer);
    expect(texts[ids.indexOf(CARTOON.id)]).not.toContain('paper dragon he brings');
    await expect(discardGeneratedText(engine, CARTOON.id)).rejects.toThrow(/has no generated description/);
  });

  it('as a job: one at a time, progress and report, the enriched items handed on; failures counted', async () => {
    const model = guardChatModel(createOpenAiChatModel({ baseUrl: server.baseUrl, model: 'scripted-2', retries: 0 }));
    const handed: string[] = [];
    const jobs = createEnrichmentJobs({ engine, model, onEnriched: (items) => void handed.push(...items.map((i) => i.id)) });
    const job = jobs.start({ itemIds: [CARTOON.id, HEIST.id], force: true });
    expect(() => jobs.start()).toThrow(/still running/);
    await jobs.close();
    await new Promise((resolve) => setTimeout(resolve, 0));
    const finished = jobs.get(job.id);
    expect(finished?.state === 'succeeded' || finished?.state === 'cancelled').toBe(true);
    const again = jobs.start({ itemIds: [CARTOON.id], force: true });
    while (jobs.get(again.id)?.state === 'running') await new Promise((resolve) => setTimeout(resolve, 10));
    expect(jobs.get(again.id)).toMatchObject({ state: 'succeeded', report: { generated: 1, itemIds: [CARTOON.id] }, progress: { done: 1, total: 1 } });
    expect(handed).toContain(CARTOON.id);
    server.enqueue({ status: 400 });
    const failing = await enrichThinItems(engine, model, { itemIds: [HEIST.id], force: true });
    expect(failing).toMatchObject({ generated: 0, failed: 1 });
    expect(failing.errors[0]).toMatch(/new-1: .*400/);
  });
});
