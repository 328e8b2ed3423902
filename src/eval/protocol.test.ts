/**
 * Quality regression on the vendored MovieLens latest-small under the RecBole protocol: fixed seeds,
 * so the figures are reproducible; tolerances absorb floating-point reordering only.
 */
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import type { InteractionLog } from '../core/interaction-log.js';
import { readInteractionFile } from '../ingest/index.js';
import { RECBOLE_GENERAL, prepareProtocol, runProtocol } from './protocol.js';
import type { ProtocolReport } from './protocol.js';
import { renderMarkdown } from './report.js';

const RATINGS = fileURLToPath(new URL('../../data/demo/ml-latest-small/ratings.csv', import.meta.url));

describe('RecBole protocol on ml-latest-small (vendored)', () => {
  let log: InteractionLog;
  let report: ProtocolReport;

  beforeAll(async () => {
    log = await readInteractionFile(RATINGS);
    report = await runProtocol(log, 'ml-latest-small', RECBOLE_GENERAL, [
      { kind: 'pop', grid: {} },
      { kind: 'itemknn', grid: { k: [100], shrink: [0] } },
      { kind: 'ease', grid: { lambda: [250] } },
      { kind: 'edlae', grid: { lambda: [50], dropout: [0.25] } },
      // A small Mult-VAE for a fixed 30 epochs (validated only at the last), so the test stays short.
      { kind: 'multvae', grid: { hidden: [32], latent: [16], epochs: [30], evalEvery: [100], learningRate: [0.01], batchSize: [128] } },
      { kind: 'blend' },
      // After the blend, so the blend's members stay the three above: the grid point validation chose on the full data.
      { kind: 'nease', grid: { lambda: [250], dropout: [0.25], userNorm: [0], popularity: [0.1] } },
      { kind: 'hoease', grid: { lambda: [100], pairLambda: [1000], pairs: [1000], iterations: [2] } },
      { kind: 'infae', grid: { lambda: [1] } },
    ]);
  }, 240_000);

  it('filters and splits as the protocol says', () => {
    expect(report.dataset.raw.interactions).toBe(100_836);
    const p = prepareProtocol(log, RECBOLE_GENERAL);
    // Every surviving user and item keeps at least 10 positive interactions, all with rating ≥ 3.
    const uc = new Map<number, number>();
    const ic = new Map<number, number>();
    for (let r = 0; r < p.log.userIdx.length; r++) {
      expect(p.log.value[r]).toBeGreaterThanOrEqual(3);
      uc.set(p.log.userIdx[r], (uc.get(p.log.userIdx[r]) ?? 0) + 1);
      ic.set(p.log.itemIdx[r], (ic.get(p.log.itemIdx[r]) ?? 0) + 1);
    }
    expect(Math.min(...uc.values())).toBeGreaterThanOrEqual(10);
    expect(Math.min(...ic.values())).toBeGreaterThanOrEqual(10);
    expect(report.split.train + report.split.valid + report.split.test).toBe(report.dataset.filtered.interactions);
    expect(report.mode).toBe('full');
  });

  it('reproduces the measured accuracy of each model', () => {
    const ndcg = Object.fromEntries(report.models.map((m) => [m.kind, m.test.metrics['ndcg@10']]));
    expect(ndcg.pop).toBeCloseTo(0.1156, 3);
    // RecBole's ItemKNN: j sums sim(i, j) over the history items among j's own k neighbours (0.1901
    // when each history item's neighbours were summed instead).
    expect(ndcg.itemknn).toBeCloseTo(0.2241, 3);
    expect(ndcg.ease).toBeCloseTo(0.2621, 3);
    expect(ndcg.edlae).toBeCloseTo(0.252, 3);
    expect(ndcg.multvae).toBeCloseTo(0.1949, 3);
    // The validation-fitted blend of the three best on validation (EDLAE, EASE, item-kNN) against EASE.
    expect(ndcg.blend).toBeCloseTo(0.2632, 3);
    expect(ndcg.blend).toBeGreaterThan(ndcg.ease);
    // Degree-normalised EASE at the point validation chose on this data (λ 250, p 0.25, β 0, δ 0.1), above EASE at the same λ.
    expect(ndcg.nease).toBeCloseTo(0.2633, 3);
    expect(ndcg.nease).toBeGreaterThan(ndcg.ease);
    // Higher-order EASE at the point validation chose on this data (λ 100, pair penalty 1000, 1,000 pairs).
    expect(ndcg.hoease).toBeCloseTo(0.2575, 3);
    // ∞-AE at the point validation chose on this data (λ 1), EASE's level.
    expect(ndcg.infae).toBeCloseTo(0.2574, 3);
    expect(ndcg.ease).toBeGreaterThan(ndcg.itemknn);
    expect(ndcg.itemknn).toBeGreaterThan(ndcg.pop);
  });

  it('reports beyond-accuracy metrics and renders Markdown', () => {
    const pop = report.models.find((m) => m.kind === 'pop')!;
    const ease = report.models.find((m) => m.kind === 'ease')!;
    expect(pop.test.lists.tailShare).toBe(0);
    expect(ease.test.lists.coverage).toBeGreaterThan(pop.test.lists.coverage);
    const md = renderMarkdown(report);
    expect(md).toContain('| ease |');
    expect(md).toContain('full ranking');
  });

  it('labels sampled-negative ranking as sampled', async () => {
    const sampled = await runProtocol(log, 'ml-latest-small', { ...RECBOLE_GENERAL, sampledNegatives: 100 }, [{ kind: 'pop', grid: {} }]);
    expect(sampled.mode).toBe('sampled-100');
    expect(sampled.models[0].test.mode).toBe('sampled-100');
    // Ranking among 100 negatives is far easier than among all items.
    expect(sampled.models[0].test.metrics['hit@10']).toBeGreaterThan(report.models[0].test.metrics['hit@10']);
    expect(renderMarkdown(sampled)).toContain('SAMPLED ranking');
  });
});
