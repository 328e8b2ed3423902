import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Item } from '../core/types.js';
import { loadMovieLensLatest, readInteractionFile } from '../ingest/index.js';
import type { InteractionLog } from '../core/interaction-log.js';
import { createVerbalizer } from '../text/verbalizer.js';
import { createOpenAiChatModel } from './openai-chat-model.js';
import { renderLlmRerankMarkdown, runLlmRerankEvaluation } from './rerank-evaluation.js';
import { startScriptedChatServer } from './test-support/scripted-chat-server.js';
import type { RecordedChatRequest, ScriptedChatServer } from './test-support/scripted-chat-server.js';

const DEMO = fileURLToPath(new URL('../../data/demo/ml-latest-small', import.meta.url));

function candidateIds(request: RecordedChatRequest): string[] {
  const user = request.body.messages?.find((m) => m.role === 'user')?.content ?? '';
  return [...user.split('Candidates:\n')[1].matchAll(/^\[([^\]]+)\]/gm)].map((m) => m[1]);
}

describe('llm-rerank evaluation protocol (MovieLens demo, scripted server)', () => {
  let server: ScriptedChatServer;
  let log: InteractionLog;
  let items: Map<string, Item>;
  const verbalizer = createVerbalizer();

  beforeAll(async () => {
    server = await startScriptedChatServer();
    log = await readInteractionFile(`${DEMO}/ratings.csv`);
    items = new Map((await loadMovieLensLatest(DEMO)).batch.items.map((it) => [it.id, it]));
  }, 60_000);
  afterAll(() => server.close());

  it('without an LLM the re-ranked column is the ranker\'s order, labelled so; the sample is seeded', async () => {
    const options = { model: undefined, items, verbalizer, baseModel: 'itemknn', users: 30, seed: 3 };
    const report = await runLlmRerankEvaluation(log, options);
    expect(report).toMatchObject({ protocol: 'llm-rerank', llm: 'none', users: 30, candidates: 20, provenance: { llm: 0, ranker: 30, reasons: { 'no LLM configured': 30 } } });
    expect(report.reranked).toEqual(report.ranker);
    expect((await runLlmRerankEvaluation(log, options)).ranker).toEqual(report.ranker);
  }, 60_000);

  it('a model reversing each list moves every held-out item across position 10: the two Recall@10 sum to 1; latency is measured; the prompt has the history and the candidates', async () => {
    server.setDefault((request) => ({ content: JSON.stringify({ order: candidateIds(request).reverse() }) }));
    const model = createOpenAiChatModel({ baseUrl: server.baseUrl, model: 'scripted-reverse' });
    const report = await runLlmRerankEvaluation(log, { model, items, verbalizer, baseModel: 'itemknn', users: 25, seed: 1, rerank: { passes: 1 } });
    expect(report.provenance).toMatchObject({ llm: 25, ranker: 0 });
    expect(report.ranker['recall@10'] + report.reranked['recall@10']).toBeCloseTo(1, 10);
    expect(report.heldOutInjected).toBeGreaterThan(0);
    expect(report.latencyMs.max).toBeGreaterThan(0);
    expect(server.requests).toHaveLength(25);
    expect(server.requests[0].prompt).toMatch(/I rated \*.+\* \d(\.\d)?\/5/);
    expect(candidateIds(server.requests[0])).toHaveLength(20);
    expect(renderLlmRerankMarkdown(report)).toContain('| LLM re-ranked |');
    // Chance over 20 candidates that always hold the held-out item: about half land in the top 10.
    expect(report.random['recall@10']).toBeGreaterThan(0.25);
    expect(report.random['recall@10']).toBeLessThan(0.75);
  }, 60_000);
});
