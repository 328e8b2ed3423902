// Data-parallel SASRec steps: the split of a batch, the model a 2-thread fit learns against the
// 1-thread fit, determinism for a thread count, and no thread left after a fit, an abort or a failure.
import { describe, expect, it } from 'vitest';
import type { Worker } from 'node:worker_threads';
import { AbortError, BackendError } from '../core/errors.js';
import { csrFromCoo } from '../core/csr-matrix.js';
import { createRng } from '../linalg/index.js';
import { SasRecNetwork, makeSasRecLayout, packWindows, packedFromLengths } from './sasrec-network.js';
import { SasRecThreads, runningSasRecThreads, splitByRows } from './sasrec-threads.js';
import { createSasRec, resolveSasRecOptions } from './sasrec.js';
import { Workspace } from './workspace.js';
import type { SasRecOptions } from './sasrec.js';

/** 300 users walk 120 items mostly in order, 3–30 steps each, seeded. */
function walks() {
  const rng = createRng(5);
  const users = 300;
  const numItems = 120;
  const sequences: Int32Array[] = [];
  const rows: number[] = [];
  const cols: number[] = [];
  for (let u = 0; u < users; u++) {
    let i = rng.int(numItems);
    const s: number[] = [];
    for (let t = 0, len = 3 + rng.int(28); t < len; t++) {
      s.push(i);
      i = (i + 1 + rng.int(3)) % numItems;
    }
    sequences.push(Int32Array.from(s));
    for (const item of s) {
      rows.push(u);
      cols.push(item);
    }
  }
  const indptr = new Int32Array(numItems + 1);
  const indices: number[] = [];
  for (let i = 0; i < numItems; i++) {
    indices.push(i % 7);
    if (i % 3 === 0) indices.push(7 + (i % 5));
    indptr[i + 1] = indices.length;
  }
  return { sequences, numItems, train: csrFromCoo(users, numItems, rows, cols, null), itemAttributes: { indptr, indices: Int32Array.from(indices), numAttributes: 12 } };
}

const SMALL: Partial<SasRecOptions> = { dim: 16, blocks: 2, heads: 2, maxLen: 20, epochs: 2, dropout: 0.3, batchSize: 32 };

async function fitted(threads: number, options: Partial<SasRecOptions>) {
  const data = walks();
  const model = createSasRec({ ...SMALL, ...options });
  await model.fit(data.train, { sequences: data.sequences, itemAttributes: data.itemAttributes, threads });
  return { model, data };
}

describe('splitByRows', () => {
  it('splits a batch into contiguous runs of sequences of about equal rows', () => {
    const rng = createRng(9);
    for (let trial = 0; trial < 200; trial++) {
      const lengths = Array.from({ length: 1 + rng.int(40) }, () => 1 + rng.int(50));
      const packed = packedFromLengths(new Int32Array(0), new Int32Array(0), lengths, { dim: 4, heads: 1 });
      const parts = 1 + rng.int(4);
      const ends = splitByRows(packed, parts);
      expect(ends.length).toBe(Math.min(parts, lengths.length));
      expect(ends[ends.length - 1]).toBe(lengths.length);
      let start = 0;
      for (const end of ends) {
        expect(end).toBeGreaterThan(start);
        const rows = lengths.slice(start, end).reduce((a, b) => a + b, 0);
        // Off the even share by at most the longest sequence (at least one sequence per part).
        if (ends.length > 1) expect(Math.abs(rows - packed.rows / ends.length)).toBeLessThanOrEqual(Math.max(...lengths) * 1.5);
        start = end;
      }
    }
  });
});

describe('sasrec on two threads', () => {
  it.each([
    ['sampled negatives', { negatives: 32 }],
    ['full softmax', { negatives: 0 }],
  ])('learns the 1-thread model up to float rounding (%s), the same one on every run, and leaves no thread', async (_, options) => {
    const one = await fitted(1, options);
    const two = await fitted(2, options);
    const again = await fitted(2, options);
    expect(runningSasRecThreads()).toBe(0);
    expect(Array.from(again.model.parameters)).toEqual(Array.from(two.model.parameters));
    const a = one.model.parameters;
    const b = two.model.parameters;
    expect(b.length).toBe(a.length);
    expect(b.buffer).not.toBeInstanceOf(SharedArrayBuffer);
    // Adam normalises each gradient entry, so a rounding difference in a near-zero one can move its
    // parameter by up to the step size (0.003) per step: bounded, and rare.
    let worst = 0;
    let far = 0;
    for (let i = 0; i < a.length; i++) {
      const d = Math.abs(a[i] - b[i]);
      worst = Math.max(worst, d);
      if (d > 1e-3) far++;
    }
    expect(worst).toBeLessThan(0.02);
    expect(far / a.length).toBeLessThan(0.05);
    // Same next-item ranking for a few histories.
    const n = one.data.numItems;
    for (const seq of one.data.sequences.slice(0, 5)) {
      const query = { userIdx: -1, items: seq, values: new Float32Array(seq.length).fill(1), sequence: seq };
      const sa = new Float32Array(n);
      const sb = new Float32Array(n);
      one.model.score(query, sa);
      two.model.score(query, sb);
      const top = (s: Float32Array): number[] => Array.from(s.keys()).sort((x, y) => s[y] - s[x]).slice(0, 5);
      expect(top(sb)).toEqual(top(sa));
    }
  }, 60_000);

  it('terminates its threads when the fit is aborted', async () => {
    const data = walks();
    const controller = new AbortController();
    const model = createSasRec({ ...SMALL, epochs: 50 });
    const fit = model.fit(data.train, {
      sequences: data.sequences,
      threads: 2,
      signal: controller.signal,
      onProgress: (_, done) => {
        if (done === 1) controller.abort();
      },
    });
    await expect(fit).rejects.toBeInstanceOf(AbortError);
    expect(runningSasRecThreads()).toBe(0);
  }, 60_000);

  it('keeps to one thread for the contrastive term, and by default for a small fit', async () => {
    const data = walks();
    const model = createSasRec({ ...SMALL, epochs: 1, contrastive: 0.5 });
    const messages: Record<string, unknown>[] = [];
    const logger = { log: (_: string, message: string, fields?: Record<string, unknown>) => void (message === 'sasrec settings' && fields && messages.push(fields)) };
    await model.fit(data.train, { sequences: data.sequences, threads: 2, logger });
    await createSasRec({ ...SMALL, epochs: 1 }).fit(data.train, { sequences: data.sequences, logger });
    expect(messages.map((m) => m.threads)).toEqual([1, 1]);
  }, 60_000);

  it('rejects the step when a thread dies, and still closes', async () => {
    const o = resolveSasRecOptions({ ...(createSasRec(SMALL).params as unknown as SasRecOptions), negatives: 0 }, 100, 10);
    const numItems = 12;
    const layout = makeSasRecLayout(numItems, o);
    const theta = new Float32Array(new SharedArrayBuffer(4 * layout.total));
    const threads = await SasRecThreads.start(1, theta, o, numItems, undefined, { rows: 64, sequences: 8 });
    try {
      const net = new SasRecNetwork(theta, layout, o, numItems, undefined);
      const windows = [Int32Array.from([1, 2, 3, 4]), Int32Array.from([5, 6, 7]), Int32Array.from([8, 9, 10, 11])].map((seq) => ({ seq, start: 0, end: seq.length }));
      const { packed, targets } = packWindows(windows, o);
      const grad = new Float32Array(layout.total);
      expect(Number.isFinite(await threads.step(net, packed, targets, undefined, undefined, grad, new Workspace(), undefined))).toBe(true);
      // A thread that goes away on its own (not through close) fails the next step.
      await (threads as unknown as { threads: { worker: Worker }[] }).threads[0].worker.terminate();
      await expect(threads.step(net, packed, targets, undefined, undefined, grad, new Workspace(), undefined)).rejects.toBeInstanceOf(BackendError);
    } finally {
      await threads.close();
    }
    expect(runningSasRecThreads()).toBe(0);
  }, 60_000);
});
