/**
 * The LLM features over HTTP, in process (`createServer` + `app.inject`) on a slice of the vendored
 * MovieLens demo in a real SQLite file, against a local server speaking the OpenAI chat protocol
 * with scripted answers; and the same routes with no LLM configured.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConversationStore, buildCatalogueVocabulary, createConversations, createEnrichmentJobs, createEngine, createPipeline, guardChatModel, createOpenAiChatModel, openStorage } from '../index.js';
import { loadMovieLensLatest } from '../ingest/index.js';
import type { Engine, Pipeline } from '../index.js';
import { startScriptedChatServer } from '../llm/test-support/scripted-chat-server.js';
import type { RecordedChatRequest, ScriptedChatServer } from '../llm/test-support/scripted-chat-server.js';
import { engineRecommend } from './engine-recommend.js';
import { pipelineRecommend } from './pipeline-recommend.js';
import { createServer } from './server.js';

const DEMO = fileURLToPath(new URL('../../data/demo/ml-latest-small', import.meta.url));
const KEY = 'llm-test-key';
const THIN = { id: 'thin-1', title: 'The Vault Job (2025)', attributes: { genres: ['Crime', 'Thriller'] } };

function candidateIds(request: RecordedChatRequest): string[] {
  const user = request.body.messages?.find((m) => m.role === 'user')?.content ?? '';
  return [...(user.split('Candidates:\n')[1] ?? '').matchAll(/^\[([^\]]+)\]/gm)].map((m) => m[1]);
}

describe('LLM features over HTTP', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmrec-llm-http-'));
  let engine: Engine;
  let pipeline: Pipeline;
  let chat: ScriptedChatServer;
  let app: FastifyInstance;
  let bare: FastifyInstance;

  const call = async (target: FastifyInstance, method: 'GET' | 'POST' | 'DELETE', url: string, payload?: object) => {
    const res = await target.inject({ method, url, headers: { authorization: `Bearer ${KEY}` }, ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }) });
    // Bodies are checked field by field below; their shape is the OpenAPI schema's.
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    return { status: res.statusCode, json: res.body === '' ? undefined : res.json<Record<string, any>>() };
  };

  beforeAll(async () => {
    chat = await startScriptedChatServer();
    chat.setDefault((request) => {
      if (request.prompt.includes('Candidates:')) return { content: JSON.stringify({ order: candidateIds(request).reverse() }) };
      return { content: 'A crew of professional thieves plans one last bank heist while a detective closes in.' };
    });
    const ds = await loadMovieLensLatest(DEMO);
    const counts = new Map<string, number>();
    for (const e of ds.batch.events) if (e.itemId) counts.set(e.itemId, (counts.get(e.itemId) ?? 0) + 1);
    const keep = new Set([...counts.entries()].sort((a, b) => b[1] - a[1]).slice(0, 400).map(([id]) => id));
    engine = createEngine(await openStorage(`sqlite://${join(dir, 'l.db')}`));
    await engine.storage.bulkWrite({ items: [...ds.batch.items.filter((it) => keep.has(it.id)), THIN], users: ds.batch.users, events: ds.batch.events.filter((e) => e.itemId !== undefined && keep.has(e.itemId)) });
    await engine.train('itemknn', { k: 50, shrink: 10 });
    const model = guardChatModel(createOpenAiChatModel({ baseUrl: chat.baseUrl, model: 'scripted', retries: 0 }), { cache: engine.storage.llmCache });
    pipeline = await createPipeline(engine, { ranker: 'none', llm: { model, rerank: { budgetMs: 2_000 } } });
    const plain = await createPipeline(engine, { ranker: 'none' });
    const vocabulary = buildCatalogueVocabulary(engine.storage, { popularity: (id) => counts.get(id) ?? 0 });
    app = await createServer({
      engine,
      apiKeys: [{ key: KEY, scope: 'admin' }],
      recommend: pipelineRecommend(pipeline, engineRecommend(engine)),
      onItems: (items, signal) => pipeline.observeItems(items, { signal }),
      experiment: { salt: 's', variants: [{ name: 'llm-arm', llm: ['rerank'] }] },
      conversations: createConversations({ engine, store: new ConversationStore(), vocabulary: () => vocabulary }),
      enrichment: createEnrichmentJobs({ engine, model, onEnriched: (items) => pipeline.observeItems(items) }),
      retrainOnUserDeletion: false,
    });
    bare = await createServer({ engine, apiKeys: [{ key: KEY, scope: 'admin' }], recommend: pipelineRecommend(plain, engineRecommend(engine)), retrainOnUserDeletion: false });
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await bare?.close();
    await chat.close();
    await engine?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('an A/B arm with llm: [rerank] serves the LLM order; its impression records the provenance; ?llm=off turns it off', async () => {
    const on = await call(app, 'GET', '/v1/users/1/recommendations?k=5');
    expect(on.status).toBe(200);
    expect(on.json?.variant).toBe('llm-arm');
    expect(on.json?.llm?.rerank).toMatchObject({ provenance: 'llm', passes: { ok: 3, tried: 3 } });
    expect(on.json?.modelVersion).toMatch(/\+llm-rerank$/);
    const impression = await engine.storage.impressions.get(on.json?.impressionId as string);
    expect(impression?.modelVersion).toBe(on.json?.modelVersion);
    for (const item of on.json?.items as { explanationSource: string }[]) expect(item.explanationSource).toBe('template');
    const off = await call(app, 'GET', '/v1/users/1/recommendations?k=5&llm=off');
    expect(off.json?.llm).toBeUndefined();
    expect(off.json?.modelVersion).not.toContain('+llm');
    expect((await call(app, 'GET', '/v1/users/1/recommendations?llm=sometimes')).status).toBe(400);
  });

  it('with no LLM configured ?llm=rerank,explain is ignored and the engine\'s list is served', async () => {
    const res = await call(bare, 'GET', '/v1/users/1/recommendations?k=5&llm=rerank,explain');
    expect(res.status).toBe(200);
    expect(res.json?.llm).toBeUndefined();
    expect(res.json?.items).toHaveLength(5);
  });

  it('conversations: start with a first message, answer a second, 404 for unknown ids, 501 where not enabled', async () => {
    const start = await call(app, 'POST', '/v1/conversations', { text: 'something like Pulp Fiction, no comedies' });
    expect(start.status).toBe(201);
    const turn = start.json?.turn;
    expect(turn).toMatchObject({ parsedBy: 'rules', replySource: 'template', wish: { liked: [{ id: '296' }], excludeGenres: ['Comedy'] } });
    expect(turn.items.length).toBeGreaterThan(0);
    const next = await call(app, 'POST', `/v1/conversations/${start.json?.conversationId as string}/messages`, { text: 'from the 80s please', k: 3 });
    expect(next.status).toBe(200);
    expect(next.json).toMatchObject({ wish: { liked: [{ id: '296' }], yearFrom: 1980, yearTo: 1989 } });
    expect((await call(app, 'POST', '/v1/conversations/nope/messages', { text: 'hi' })).status).toBe(404);
    expect((await call(app, 'POST', `/v1/conversations/${start.json?.conversationId as string}/messages`, {})).status).toBe(400);
    expect((await call(bare, 'POST', '/v1/conversations', {})).status).toBe(501);
  });

  it('enrichment: a job writes the thin item\'s description (202, then succeeded), listed for review, discarded (204, then 404); 501 without a model', async () => {
    const started = await call(app, 'POST', '/v1/admin/enrichment', { itemIds: [THIN.id] });
    expect(started.status).toBe(202);
    let job = started.json;
    for (let i = 0; i < 200 && job?.state === 'running'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      job = (await call(app, 'GET', `/v1/admin/enrichment/${started.json?.id as string}`)).json;
    }
    expect(job).toMatchObject({ state: 'succeeded', report: { generated: 1, itemIds: [THIN.id], promptVersion: 'enrich-v1' } });
    const listed = await call(app, 'GET', '/v1/admin/generated-texts');
    expect(listed.json?.items).toEqual([expect.objectContaining({ itemId: THIN.id, title: THIN.title, text: expect.stringContaining('bank heist') as unknown })]);
    expect((await call(app, 'DELETE', `/v1/admin/generated-texts/${THIN.id}`)).status).toBe(204);
    expect((await call(app, 'DELETE', `/v1/admin/generated-texts/${THIN.id}`)).status).toBe(404);
    expect((await engine.storage.items.get(THIN.id))?.text).toBeUndefined();
    expect((await call(bare, 'POST', '/v1/admin/enrichment', {})).status).toBe(501);
    expect((await call(app, 'GET', '/v1/admin/enrichment/unknown')).status).toBe(404);
  });

  it('the OpenAPI document names the new operations', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json<{ paths: Record<string, Record<string, { operationId: string }>> }>();
    expect(doc.paths['/v1/conversations']?.post.operationId).toBe('startConversation');
    expect(doc.paths['/v1/conversations/{id}/messages']?.post.operationId).toBe('postConversationMessage');
    expect(doc.paths['/v1/admin/enrichment']?.post.operationId).toBe('startEnrichment');
    expect(doc.paths['/v1/admin/generated-texts/{id}']?.delete.operationId).toBe('discardGeneratedText');
  });
});
