/**
 * The pipeline's LLM stages (re-ranking, written explanations) on a slice of the vendored MovieLens
 * demo in a real SQLite file, against a local server speaking the OpenAI chat protocol whose
 * answers are scripted; and the same pipeline without an LLM.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createEngine } from '../engine/engine.js';
import type { Engine } from '../engine/engine.js';
import { loadMovieLensLatest } from '../ingest/index.js';
import { guardChatModel } from '../llm/guarded-chat-model.js';
import { createOpenAiChatModel } from '../llm/openai-chat-model.js';
import { startScriptedChatServer } from '../llm/test-support/scripted-chat-server.js';
import type { RecordedChatRequest, ScriptedChatServer } from '../llm/test-support/scripted-chat-server.js';
import { openStorage } from '../storage/index.js';
import { createPipeline } from './create-pipeline.js';
import type { Pipeline, PipelineLlmOptions } from './create-pipeline.js';

const DEMO = fileURLToPath(new URL('../../data/demo/ml-latest-small', import.meta.url));
const USER = '1';

/** The candidate ids of a re-rank prompt, in the order shown. */
function candidateIds(request: RecordedChatRequest): string[] {
  const user = request.body.messages?.find((m) => m.role === 'user')?.content ?? '';
  return [...user.split('Candidates:\n')[1].matchAll(/^\[([^\]]+)\]/gm)].map((m) => m[1]);
}

/** A model that prefers smaller numeric ids, whatever order it reads them in. */
const byIdAscending = (request: RecordedChatRequest) => ({ content: JSON.stringify({ order: candidateIds(request).sort((a, b) => Number(a) - Number(b)) }) });

describe('pipeline LLM stages (scripted OpenAI-compatible server, demo slice)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmrec-llm-stages-'));
  let engine: Engine;
  let server: ScriptedChatServer;
  let plain: Pipeline;
  const withLlm = (settings: Omit<PipelineLlmOptions, 'model'>): Promise<Pipeline> =>
    createPipeline(engine, { ranker: 'none', llm: { model: guardChatModel(createOpenAiChatModel({ baseUrl: server.baseUrl, model: 'scripted', retryBaseMs: 1 })), ...settings } });

  beforeAll(async () => {
    server = await startScriptedChatServer();
    const ds = await loadMovieLensLatest(DEMO);
    const counts = new Map<string, number>();
    for (const e of ds.batch.events) if (e.itemId) counts.set(e.itemId, (counts.get(e.itemId) ?? 0) + 1);
    const top = new Set([...counts.entries()].sort((a, b) => b[1] - a[1]).slice(0, 400).map(([id]) => id));
    engine = createEngine(await openStorage(`sqlite://${join(dir, 'x.db')}`));
    await engine.storage.bulkWrite({ items: ds.batch.items.filter((it) => top.has(it.id)), users: ds.batch.users, events: ds.batch.events.filter((e) => e.itemId !== undefined && top.has(e.itemId)) });
    await engine.train('ease', { lambda: 250 });
    await engine.train('itemknn', { k: 50, shrink: 10 });
    plain = await createPipeline(engine, { ranker: 'none' });
  }, 60_000);

  afterAll(async () => {
    await server.close();
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  });

  afterEach(() => {
    server.requests.length = 0;
    server.setDefault({ status: 500 });
  });

  it('without an LLM the list is the engine\'s own and carries no llm report', async () => {
    const rec = await plain.recommend(USER, { k: 10, llm: { rerank: true, explain: true } });
    expect(rec.items).toHaveLength(10);
    expect(rec.llm).toBeUndefined();
    expect(rec.modelVersion).not.toContain('+llm');
  });

  it('re-ranks the ranker\'s top N by the model\'s order (Borda over shuffled passes); the prompt has the verbalised history and every id, not the user id', async () => {
    server.setDefault(byIdAscending);
    const pipeline = await withLlm({ rerank: { enabled: true, topN: 20, passes: 3 } });
    const base = await plain.recommend(USER, { k: 10 });
    const rec = await pipeline.recommend(USER, { k: 10 });
    expect(rec.llm?.rerank).toMatchObject({ provenance: 'llm', passes: { ok: 3, tried: 3 }, repaired: 0, promptVersion: 'rerank-v1' });
    expect(rec.modelVersion).toMatch(/\+llm-rerank$/);
    expect(server.requests).toHaveLength(3);
    const orders = server.requests.map(candidateIds);
    // The first pass reads the ranker's top 20 in its order, whose first 10 are the list served without the LLM.
    expect(orders[0]).toHaveLength(20);
    expect(orders[0].slice(0, 10)).toEqual(base.items.map((i) => i.id));
    expect(rec.items.map((i) => i.id)).toEqual([...orders[0]].sort((a, b) => Number(a) - Number(b)).slice(0, 10));
    expect(new Set(orders[1])).toEqual(new Set(orders[0]));
    expect(orders[1]).not.toEqual(orders[0]);
    expect(server.requests[0].prompt).toMatch(/I rated \*.+\* \d(\.\d)?\/5/);
    expect(server.requests[0].prompt).not.toContain(`user ${USER}`);
    for (let i = 1; i < rec.items.length; i++) expect(rec.items[i].score).toBeLessThanOrEqual(rec.items[i - 1].score);
  });

  it('repairs a partial answer with unknown and repeated ids: a full permutation, the named ids first', async () => {
    server.setDefault((request) => {
      const ids = candidateIds(request).sort((a, b) => Number(a) - Number(b));
      return { content: JSON.stringify({ order: [ids[3], 'no-such-item', ids[3], ids[1]] }) };
    });
    const pipeline = await withLlm({ rerank: { enabled: true, topN: 20, passes: 1 } });
    const base = (await plain.recommend(USER, { k: 20 })).items.map((i) => i.id);
    const rec = await pipeline.recommend(USER, { k: 20 });
    const sorted = [...base].sort((a, b) => Number(a) - Number(b));
    expect(rec.llm?.rerank?.provenance).toBe('llm');
    expect(rec.llm?.rerank?.repaired).toBe(2 + 18);
    expect(rec.items.slice(0, 2).map((i) => i.id)).toEqual([sorted[3], sorted[1]]);
    expect(new Set(rec.items.map((i) => i.id))).toEqual(new Set(base));
  });

  it('serves the ranker\'s order with the reason on malformed JSON, 500s, and past the latency budget', async () => {
    const base = (await plain.recommend(USER, { k: 10 })).items.map((i) => i.id);
    server.setDefault({ content: '{"order": ["1", "2"' });
    const malformed = await (await withLlm({ rerank: { enabled: true, passes: 2 } })).recommend(USER, { k: 10 });
    expect(malformed.llm?.rerank).toMatchObject({ provenance: 'ranker', passes: { ok: 0, tried: 2 } });
    expect(malformed.llm?.rerank?.reason).toMatch(/unreadable answer/);
    expect(malformed.items.map((i) => i.id)).toEqual(base);
    expect(malformed.modelVersion).not.toContain('+llm');

    server.setDefault({ status: 500 });
    const failing = await (await withLlm({ rerank: { enabled: true, passes: 1 } })).recommend(USER, { k: 10 });
    expect(failing.llm?.rerank?.reason).toMatch(/llm failed: .*500/);
    expect(failing.items.map((i) => i.id)).toEqual(base);

    server.setDefault({ content: '{"order": []}', delayMs: 2_000 });
    const slow = await withLlm({ rerank: { enabled: true, budgetMs: 150 } });
    const t0 = performance.now();
    const late = await slow.recommend(USER, { k: 10 });
    expect(performance.now() - t0).toBeLessThan(1_000);
    expect(late.llm?.rerank).toMatchObject({ provenance: 'ranker', reason: 'latency budget of 150 ms exceeded' });
    expect(late.items.map((i) => i.id)).toEqual(base);
  });

  it('retries a 429 within the budget; is off per request and off by default', async () => {
    server.enqueue({ status: 429, headers: { 'retry-after-ms': '5' } });
    server.setDefault(byIdAscending);
    const on = await withLlm({ rerank: { enabled: true, passes: 1 } });
    expect((await on.recommend(USER, { k: 10 })).llm?.rerank?.provenance).toBe('llm');
    expect(server.requests).toHaveLength(2);
    server.requests.length = 0;
    expect((await on.recommend(USER, { k: 10, llm: { rerank: false } })).llm).toBeUndefined();
    const byDefault = await withLlm({});
    expect((await byDefault.recommend(USER, { k: 10 })).llm).toBeUndefined();
    expect(server.requests).toHaveLength(0);
    expect((await byDefault.recommend(USER, { k: 10, llm: { rerank: true } })).llm?.rerank?.provenance).toBe('llm');
  });

  it('the sliding-window strategy walks the list bottom-up and can lift the last candidate to the top', async () => {
    server.setDefault(byIdAscending);
    const pipeline = await withLlm({ rerank: { enabled: true, topN: 20, strategy: 'window', window: 8, stride: 4 } });
    const base = (await plain.recommend(USER, { k: 20 })).items.map((i) => i.id);
    const rec = await pipeline.recommend(USER, { k: 20 });
    // Windows [12,20) [8,16) [4,12) [0,8): four calls; the smallest id climbs to first place.
    expect(server.requests).toHaveLength(4);
    expect(rec.items[0].id).toBe([...base].sort((a, b) => Number(a) - Number(b))[0]);
  });

  it('written explanations: a sentence naming only its own facts is served as llm; one naming another item, or a genre it lacks, gets the template', async () => {
    const base = await plain.recommend(USER, { k: 3 });
    const [a, b, c] = base.items;
    const other = base.items.find((i) => i.explanation?.because.every((x) => x.title !== c.title))?.title ?? c.title;
    server.setDefault({
      content: JSON.stringify({
        sentences: {
          [a.id]: `${a.explanation?.because[0] ? `Because you enjoyed ${a.explanation.because[0].title}` : 'A pick for you'}, ${a.title} should suit you.`,
          [b.id]: `If you liked ${other === b.title ? c.title : other}, try this.`,
          [c.id]: 'A Documentary you will love.',
        },
      }),
    });
    const pipeline = await withLlm({ explanations: { enabled: true } });
    const rec = await pipeline.recommend(USER, { k: 3 });
    expect(rec.items.map((i) => i.id)).toEqual([a.id, b.id, c.id]);
    expect(rec.items[0].explanation).toMatchObject({ provenance: 'llm' });
    expect(rec.items[0].explanation?.sentence).toContain(a.title);
    expect(rec.items[1].explanation).toMatchObject({ provenance: 'template', sentence: b.explanation?.sentence });
    expect(rec.items[2].explanation).toMatchObject({ provenance: 'template', sentence: c.explanation?.sentence });
    expect(rec.llm?.explanations).toMatchObject({ llm: 1, template: 2, promptVersion: 'explain-v1' });
    expect(server.requests[0].prompt).toContain(`[${a.id}] "${a.title}"`);
  });
});
