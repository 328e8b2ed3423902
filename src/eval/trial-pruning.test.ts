// Trial pruning: the rule on hand-made curves, and a grid search that stops a trial trailing the best.
import { describe, expect, it } from 'vitest';
import { InteractionLogBuilder } from '../core/interaction-log.js';
import { createRng } from '../linalg/index.js';
import { runProtocol } from './protocol.js';
import type { ProtocolConfig } from './protocol.js';
import { renderMarkdown } from './report.js';
import { TrialPruner } from './trial-pruning.js';

const RULE = { margin: 0.1, after: 2, checks: 2 };

/** Feeds a trial's scores at epochs 1, 2, …; the epoch it stopped at, or undefined. */
function run(pruner: TrialPruner, scores: number[]): number | undefined {
  const trial = pruner.startTrial();
  for (const [i, s] of scores.entries()) if (trial.check(i + 1, s)) break;
  pruner.finished(trial, Math.max(...scores.slice(0, trial.curve.epochs.length)));
  return trial.prunedAt;
}

describe('TrialPruner', () => {
  it('prunes a trial that trails the best curve by more than the margin, for the checks in a row, after its first validations', () => {
    const pruner = new TrialPruner(RULE);
    // The first trial has nothing to trail.
    expect(run(pruner, [0.1, 0.2, 0.3, 0.4, 0.5, 0.5])).toBeUndefined();
    // 20% behind from the start: checked from the 3rd validation, pruned at the 2nd trailing one.
    expect(run(pruner, [0.08, 0.16, 0.24, 0.32, 0.4, 0.4])).toBe(4);
    // 5% behind: within the margin, runs to the end.
    expect(run(pruner, [0.095, 0.19, 0.285, 0.38, 0.475, 0.475])).toBeUndefined();
    // Slow at first, then catching up: one trailing check is not enough.
    expect(run(pruner, [0.01, 0.02, 0.2, 0.38, 0.6, 0.61])).toBeUndefined();
  });

  it('compares with the best finished trial, by running best, and past the reference’s end with its final best', () => {
    const pruner = new TrialPruner(RULE);
    expect(run(pruner, [0.2, 0.3, 0.3])).toBeUndefined();
    // The better trial becomes the reference for the next ones.
    expect(run(pruner, [0.1, 0.3, 0.4, 0.5])).toBeUndefined();
    // A dip below the margin does not count while the running best holds up.
    expect(run(pruner, [0.1, 0.3, 0.46, 0.2, 0.2, 0.5])).toBeUndefined();
    // Past the reference's last epoch (4) its final best (0.5) is the target.
    expect(run(pruner, [0.1, 0.3, 0.4, 0.42, 0.44, 0.44, 0.44])).toBe(5);
  });
});

describe('grid trials pruned by the protocol', () => {
  // 240 users in four taste groups over 100 items.
  const rng = createRng(5);
  const b = new InteractionLogBuilder();
  for (let u = 0; u < 240; u++) {
    const seen = new Set<number>();
    while (seen.size < 20) seen.add(rng.next() < 0.8 ? (u % 4) * 25 + Math.floor(25 * rng.next() ** 1.5) : Math.floor(100 * rng.next()));
    let t = 0;
    for (const item of seen) b.add(`u${u}`, `i${item}`, 1, t++);
  }
  const log = b.build();
  const protocol: ProtocolConfig = { name: 'synthetic', split: { kind: 'random-ratio', ratios: [0.8, 0.1, 0.1] }, ks: [10], validMetric: 'ndcg@10', seed: 7 };
  // BPR learning far too slowly trails the first trial at every epoch (patience long enough for the slow one to go on).
  const models = [{ kind: 'bpr', grid: { factors: [8], evalEvery: [1], patience: [20], learningRate: [0.05, 0.0005] } }];

  it('stops a trial trailing the best finished one, says so in the report, and runs it to its own stop when pruning is off', async () => {
    const pruned = await runProtocol(log, 'synthetic', protocol, models);
    const [first, slow] = pruned.models[0].trials;
    expect(first.fit.prunedAt).toBeUndefined();
    expect(slow.params.learningRate).toBe(0.0005);
    expect(slow.fit.prunedAt).toBe(slow.fit.epochs);
    expect(slow.fit.epochs).toBeGreaterThan(5);
    expect(pruned.models[0].params.learningRate).toBe(0.05);
    expect(renderMarkdown(pruned)).toContain(`Trials stopped early, trailing the best finished trial's validation curve by more than the pruning margin: bpr learningRate=0.0005 at epoch ${slow.fit.prunedAt}`);

    const unpruned = await runProtocol(log, 'synthetic', { ...protocol, pruneTrials: false }, models);
    const slowFull = unpruned.models[0].trials[1];
    expect(slowFull.fit.prunedAt).toBeUndefined();
    expect(slowFull.fit.epochs).toBeGreaterThan(slow.fit.epochs);
    // The choice is the same, and so is the first trial.
    expect(unpruned.models[0].params).toEqual(pruned.models[0].params);
    expect(unpruned.models[0].test.metrics['ndcg@10']).toBe(pruned.models[0].test.metrics['ndcg@10']);
  }, 120_000);
});
