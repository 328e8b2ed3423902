/**
 * Quality test of the learned ranker on a slice of the vendored MovieLens demo (the 1000 most rated
 * movies): with a seeded per-user temporal holdout, the ranker must match or beat every single
 * source on validation NDCG@10.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { InteractionLogBuilder } from '../core/interaction-log.js';
import type { InteractionLog } from '../core/interaction-log.js';
import { DEFAULT_FEEDBACK_POLICY, feedbackWeight } from '../engine/feedback-policy.js';
import { loadMovieLensLatest } from '../ingest/index.js';
import { LearnedRanker } from './learned-ranker.js';
import { SERVED_RANKER, formatRankerTable, prepareRankerData, trainRanker } from './train-ranker.js';

const DEMO = fileURLToPath(new URL('../../data/demo/ml-latest-small', import.meta.url));

/** The demo's positive feedback as an interaction log, on its `items` most rated movies (all when undefined). */
async function demoLog(items?: number): Promise<InteractionLog> {
  const ds = await loadMovieLensLatest(DEMO);
  const counts = new Map<string, number>();
  for (const e of ds.batch.events) if (e.itemId) counts.set(e.itemId, (counts.get(e.itemId) ?? 0) + 1);
  const top = items === undefined ? undefined : new Set([...counts.entries()].sort((a, b) => b[1] - a[1]).slice(0, items).map(([id]) => id));
  const builder = new InteractionLogBuilder();
  for (const e of ds.batch.events) if (e.itemId && (top === undefined || top.has(e.itemId)) && feedbackWeight(e, DEFAULT_FEEDBACK_POLICY) > 0) builder.add(e.userId, e.itemId, 1, e.timestamp);
  return builder.build();
}

describe('learned ranker on the MovieLens demo slice', () => {
  it('beats the best single source on validation NDCG@10, and round-trips through bytes', async () => {
    const result = await trainRanker(await demoLog(1000), {
      models: [{ kind: 'ease', params: { lambda: 250 } }, { kind: 'itemknn', params: { k: 100, shrink: 10 } }],
      seed: 2020,
      candidatesPerSource: 50,
    });
    const ranker = result.table.find((r) => r.name === 'ranker')!;
    const best = result.table.find((r) => r.name === result.bestSource)!;
    const table = formatRankerTable(result.table);
    expect(result.split.validUsers, table).toBeGreaterThan(100);
    expect(ranker['ndcg@10'], table).toBeGreaterThanOrEqual(best['ndcg@10']);
    for (const name of ['ease', 'itemknn', 'popularity', 'trending', 'session', 'fresh']) expect(table).toContain(`| ${name} |`);
    // EASE and item-kNN are served from their rows (an exact retrieval): the served pipeline ranks alike.
    const served = result.table.find((r) => r.name === SERVED_RANKER);
    expect(served, table).toBeDefined();
    expect(served!['ndcg@10']).toBeCloseTo(ranker['ndcg@10'], 10);
    const restored = LearnedRanker.decode(result.ranker.encode());
    const x = new Float32Array(result.ranker.dim).fill(0.5);
    const a = new Float32Array(1);
    const b = new Float32Array(1);
    result.ranker.score(x, 1, a);
    restored.score(x, 1, b);
    expect(b[0]).toBeCloseTo(a[0], 5);
  }, 60_000);

  it('evaluates at most maxUsers users, a seeded sample', async () => {
    const log = await demoLog();
    const options = { models: [{ kind: 'itemknn', params: { k: 50, shrink: 10 } }], seed: 7, candidatesPerSource: 30, maxUsers: 150 };
    const a = await trainRanker(log, options);
    expect(a.split.trainUsers + a.split.validUsers).toBe(150);
    const b = await trainRanker(log, options);
    expect(b.split).toEqual(a.split);
    expect(Array.from(b.ranker.params)).toEqual(Array.from(a.ranker.params));
  }, 60_000);

  it("from exactListsUpTo items on, takes an indexed source's lists from its index (EASE's is exact: the same lists)", async () => {
    const log = await demoLog(800);
    const options = { models: [{ kind: 'ease', params: { lambda: 250 } }], seed: 3, candidatesPerSource: 20, maxUsers: 120 };
    const exact = await prepareRankerData(log, options);
    const indexed = await prepareRankerData(log, { ...options, exactListsUpTo: 0 });
    expect(indexed.examples.map((x) => x.userId)).toEqual(exact.examples.map((x) => x.userId));
    indexed.examples.forEach((x, i) => {
      const want = exact.examples[i].lists.get('ease')!;
      const got = x.lists.get('ease')!;
      expect(got.map((c) => c.itemId)).toEqual(want.map((c) => c.itemId));
      got.forEach((c, r) => expect(c.score).toBeCloseTo(want[r].score, 4));
      if (x.validation) expect(x.served?.lists.get('ease')).toEqual(got);
    });
  }, 60_000);
});
