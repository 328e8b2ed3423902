/**
 * The protocol runner's search on seeded synthetic data: iterative models run to their validation
 * optimum under a bound, grids whose best point sits on an edge are widened, and a report is handed
 * out after each model so a stopped run keeps what it measured.
 */
import { describe, expect, it } from 'vitest';
import { InteractionLogBuilder } from '../core/interaction-log.js';
import type { InteractionLog } from '../core/interaction-log.js';
import { createRng } from '../linalg/index.js';
import { ITEM_COLD_START, runColdStartProtocol } from './cold-start-protocol.js';
import { BLEND_KIND, MAX_GRID_WIDENINGS, runProtocol } from './protocol.js';
import type { ProtocolConfig, ProtocolReport } from './protocol.js';

/** 240 users in four taste groups over 100 items, each group preferring its own quarter of the catalogue. */
function groupedLog(seed: number): InteractionLog {
  const rng = createRng(seed);
  const b = new InteractionLogBuilder();
  for (let u = 0; u < 240; u++) {
    const group = u % 4;
    const seen = new Set<number>();
    while (seen.size < 20) {
      const item = rng.next() < 0.8 ? group * 25 + Math.floor(25 * rng.next() ** 1.5) : Math.floor(100 * rng.next());
      seen.add(item);
    }
    let t = 0;
    for (const item of seen) b.add(`u${u}`, `i${item}`, 1, t++);
  }
  return b.build();
}

const PROTOCOL: ProtocolConfig = { name: 'synthetic', split: { kind: 'random-ratio', ratios: [0.8, 0.1, 0.1] }, ks: [10], validMetric: 'ndcg@10', seed: 7 };

describe('protocol search', () => {
  const log = groupedLog(3);

  it('widens a grid past the edge its best point sits on, a bounded number of times', async () => {
    const report = await runProtocol(log, 'synthetic', PROTOCOL, [{ kind: 'ease', grid: { lambda: [20, 40] } }]);
    const m = report.models[0];
    // With two values the best is always on an edge, so at least one step beyond it is tried.
    expect(m.widened?.lambda?.length).toBeGreaterThanOrEqual(1);
    expect([10, 80]).toContain(m.widened?.lambda?.[0]);
    expect(m.trials.length).toBe(2 + (m.widened?.lambda?.length ?? 0));
    expect(m.trials.length).toBeLessThanOrEqual(2 + MAX_GRID_WIDENINGS);
    const lambdas = m.trials.map((t) => t.params.lambda);
    expect(new Set(lambdas).size).toBe(lambdas.length);
    // The chosen point is the best on validation among every point tried, widened ones included.
    expect(m.valid.metrics['ndcg@10']).toBe(Math.max(...m.trials.map((t) => t.validScore)));
    expect(m.params.lambda).toBe(m.trials.find((t) => t.validScore === m.valid.metrics['ndcg@10'])?.params.lambda);
  }, 60_000);

  it('runs an iterative model until validation stops improving, not to its default cap', async () => {
    const report = await runProtocol(log, 'synthetic', PROTOCOL, [{ kind: 'bpr', grid: { factors: [8], evalEvery: [1], patience: [3] } }]);
    const trial = report.models[0].trials[0];
    // BPR's own default is 100 epochs; under the protocol the bound is far away and patience ends the fit.
    expect(trial.params.epochs).toBe(2000);
    expect(trial.fit.epochs).toBeLessThan(2000);
    expect(trial.fit.bestEpoch).toBeDefined();
    expect(trial.fit.epochs).toBe((trial.fit.bestEpoch ?? 0) + 3);
  }, 60_000);

  it('searches the same way under the item cold-start protocol', async () => {
    const seen: number[] = [];
    const report = await runColdStartProtocol(log, 'synthetic', { ...ITEM_COLD_START, minValue: 1 }, [{ kind: 'bpr', grid: { factors: [8], evalEvery: [1], patience: [3], regularization: [0.01, 0.02] } }], {
      onModel: (m) => seen.push(m.fit.epochs),
    });
    const m = report.models[0];
    expect(m.params.epochs).toBe(2000);
    expect(m.fit.epochs).toBeLessThan(2000);
    expect(seen).toHaveLength(1);
  }, 60_000);

  it('hands out the report after each model, so a run stopped between models keeps the finished ones', async () => {
    const seen: ProtocolReport[] = [];
    const full = await runProtocol(log, 'synthetic', PROTOCOL, [{ kind: 'pop' }, { kind: 'ease', grid: { lambda: [30] } }], { onReport: (r) => seen.push(r) });
    expect(seen.map((r) => [r.models.map((m) => m.kind), r.complete])).toEqual([
      [['pop'], false],
      [['pop', 'ease'], true],
    ]);
    expect(full.complete).toBe(true);
    expect(seen[0].modelsPlanned).toEqual(['pop', 'ease']);

    const stop = new AbortController();
    const kept: ProtocolReport[] = [];
    const stopped = runProtocol(log, 'synthetic', PROTOCOL, [{ kind: 'pop' }, { kind: 'ease', grid: { lambda: [30] } }], {
      signal: stop.signal,
      onReport: (r) => {
        kept.push(r);
        stop.abort();
      },
    });
    await expect(stopped).rejects.toThrow();
    expect(kept).toHaveLength(1);
    expect(kept[0].complete).toBe(false);
    expect(kept[0].models[0].test.metrics['ndcg@10']).toBe(full.models[0].test.metrics['ndcg@10']);
  }, 60_000);

  it('fits a blend of earlier models on validation, never below its best member there', async () => {
    const report = await runProtocol(log, 'synthetic', PROTOCOL, [
      { kind: 'pop' },
      { kind: 'itemknn', grid: { k: [10] } },
      { kind: 'ease', grid: { lambda: [30] } },
      { kind: BLEND_KIND },
    ]);
    const blend = report.models.find((m) => m.kind === BLEND_KIND);
    expect(blend).toBeDefined();
    // The three best on validation, best first.
    const byValid = report.models.filter((m) => m.kind !== BLEND_KIND).sort((a, b) => b.valid.metrics['ndcg@10'] - a.valid.metrics['ndcg@10']);
    expect(Object.keys(blend?.params ?? {})).toEqual(byValid.map((m) => m.kind));
    const members = report.models.filter((m) => m.kind !== BLEND_KIND);
    const bestValid = Math.max(...members.map((m) => m.valid.metrics['ndcg@10']));
    expect(blend?.valid.metrics['ndcg@10']).toBeGreaterThanOrEqual(bestValid);
    // The best member on validation anchors the weights at 1.
    const anchor = members.find((m) => m.valid.metrics['ndcg@10'] === bestValid)?.kind ?? '';
    expect(blend?.params[anchor]).toBe(1);
    const two = await runProtocol(log, 'synthetic', PROTOCOL, [{ kind: 'pop' }, { kind: 'itemknn', grid: { k: [10] } }, { kind: 'ease', grid: { lambda: [30] } }, { kind: 'userknn', grid: { k: [10] } }, { kind: BLEND_KIND, members: ['pop', 'ease'] }]);
    expect(Object.keys(two.models[4].params)).toEqual(['pop', 'ease']);
    await expect(runProtocol(log, 'synthetic', PROTOCOL, [{ kind: BLEND_KIND }])).rejects.toThrow(/at least one model/);
    await expect(runProtocol(log, 'synthetic', PROTOCOL, [{ kind: 'pop' }, { kind: BLEND_KIND, members: ['ease'] }])).rejects.toThrow(/run before the blend/);
  }, 60_000);
});
