/**
 * Train / validation / test splits over an interaction log. A split is three lists of row
 * indices into the same log, so ids and dense indices are shared by all three parts.
 * @module
 */
import type { InteractionLog } from '../core/interaction-log.js';
import { createRng } from '../linalg/index.js';

/** Row indices of each part. */
export interface Split {
  /** Which strategy produced it, for reports. */
  readonly kind: SplitKind;
  readonly train: Int32Array;
  readonly valid: Int32Array;
  readonly test: Int32Array;
}

/** The split strategies the harness knows. */
export type SplitKind = 'random-ratio' | 'leave-one-out' | 'temporal';

/** Groups row indices by user, keeping row order within each user. */
export function rowsByUser(log: InteractionLog): Int32Array[] {
  const counts = new Int32Array(log.users.size);
  for (let r = 0; r < log.userIdx.length; r++) counts[log.userIdx[r]]++;
  const groups = Array.from(counts, (c) => new Int32Array(c));
  const fill = new Int32Array(log.users.size);
  for (let r = 0; r < log.userIdx.length; r++) {
    const u = log.userIdx[r];
    groups[u][fill[u]++] = r;
  }
  return groups;
}

/**
 * Part sizes for `total` rows under `ratios`, as RecBole computes them: every part but the first is
 * rounded down, the first takes the rest, and a later part whose share is below one row is given one
 * row (taken from the first) while the first keeps more than one.
 */
export function ratioPartSizes(total: number, ratios: readonly number[]): number[] {
  const sum = ratios.reduce((a, b) => a + b, 0);
  const norm = ratios.map((r) => r / sum);
  const cnt = norm.map((r) => Math.floor(r * total));
  cnt[0] = total - cnt.slice(1).reduce((a, b) => a + b, 0);
  for (let i = 1; i < norm.length; i++) {
    if (cnt[0] <= 1) break;
    const share = norm[norm.length - i] * total;
    if (share > 0 && share < 1) {
      cnt[norm.length - i] += 1;
      cnt[0] -= 1;
    }
  }
  return cnt;
}

function validateRatios(ratios: readonly number[]): void {
  if (ratios.length !== 3 || ratios.some((r) => !(r >= 0) || !Number.isFinite(r)) || ratios[0] <= 0) {
    throw new RangeError(`split ratios must be three non-negative numbers with a positive train share, got [${ratios.join(', ')}]`);
  }
}

/**
 * Random per-user ratio split (RecBole `RS` with random ordering, grouped by user): each user's
 * interactions are shuffled with a seeded generator and cut into train/valid/test by
 * {@link ratioPartSizes}.
 */
export function randomRatioSplit(log: InteractionLog, ratios: readonly number[] = [0.8, 0.1, 0.1], seed = 2020): Split {
  validateRatios(ratios);
  const rng = createRng(seed);
  const train: number[] = [];
  const valid: number[] = [];
  const test: number[] = [];
  for (const rows of rowsByUser(log)) {
    const order = rows.slice();
    for (let i = order.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      const t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    const [nTrain, nValid] = ratioPartSizes(order.length, ratios);
    for (let k = 0; k < order.length; k++) {
      if (k < nTrain) train.push(order[k]);
      else if (k < nTrain + nValid) valid.push(order[k]);
      else test.push(order[k]);
    }
  }
  return { kind: 'random-ratio', train: sorted(train), valid: sorted(valid), test: sorted(test) };
}

/** How rows with equal timestamps are ordered. */
export type TieBreak = 'input' | 'item';

function timeOrder(log: InteractionLog, rows: Int32Array, tieBreak: TieBreak): Int32Array {
  const order = rows.slice();
  const ts = log.timestamp;
  if (tieBreak === 'item') {
    const items = log.itemIdx;
    const ids = log.items;
    order.sort((a, b) => ts[a] - ts[b] || compareIds(ids.idAt(items[a]), ids.idAt(items[b])) || a - b);
  } else {
    order.sort((a, b) => ts[a] - ts[b] || a - b);
  }
  return order;
}

/** Compares ids numerically when both are integers, else as strings. */
function compareIds(a: string, b: string): number {
  const na = Number(a);
  const nb = Number(b);
  if (Number.isInteger(na) && Number.isInteger(nb)) return na - nb;
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Leave-one-out by time: each user's last interaction is the test target and the one before it the
 * validation target. Users with fewer than 3 interactions keep everything in train.
 */
export function leaveOneOutSplit(log: InteractionLog, tieBreak: TieBreak = 'input'): Split {
  const train: number[] = [];
  const valid: number[] = [];
  const test: number[] = [];
  for (const rows of rowsByUser(log)) {
    const order = timeOrder(log, rows, tieBreak);
    const n = order.length;
    if (n < 3) {
      for (const r of order) train.push(r);
      continue;
    }
    for (let k = 0; k < n - 2; k++) train.push(order[k]);
    valid.push(order[n - 2]);
    test.push(order[n - 1]);
  }
  return { kind: 'leave-one-out', train: sorted(train), valid: sorted(valid), test: sorted(test) };
}

/**
 * Each user's item indices over `rows` (any subset of the log, e.g. a split's training rows) in
 * chronological order, ties ordered as {@link leaveOneOutSplit} orders them: the sequences that
 * sequence models train on and read. Users without rows get an empty sequence.
 */
export function userSequences(log: InteractionLog, rows: Int32Array, tieBreak: TieBreak = 'input'): Int32Array[] {
  const counts = new Int32Array(log.users.size);
  for (const r of rows) counts[log.userIdx[r]]++;
  const groups = Array.from(counts, (c) => new Int32Array(c));
  const fill = new Int32Array(log.users.size);
  for (const r of rows) {
    const u = log.userIdx[r];
    groups[u][fill[u]++] = r;
  }
  return groups.map((g) => (g.length === 0 ? g : timeOrder(log, g, tieBreak).map((r) => log.itemIdx[r])));
}

/**
 * Global temporal split: all interactions ordered by time and cut at the ratio boundaries, so every
 * validation interaction is later than every training one, and test later still.
 */
export function temporalSplit(log: InteractionLog, ratios: readonly number[] = [0.8, 0.1, 0.1]): Split {
  validateRatios(ratios);
  const all = new Int32Array(log.userIdx.length);
  for (let r = 0; r < all.length; r++) all[r] = r;
  const order = timeOrder(log, all, 'input');
  const [nTrain, nValid] = ratioPartSizes(order.length, ratios);
  return {
    kind: 'temporal',
    train: sorted(Array.from(order.subarray(0, nTrain))),
    valid: sorted(Array.from(order.subarray(nTrain, nTrain + nValid))),
    test: sorted(Array.from(order.subarray(nTrain + nValid))),
  };
}

function sorted(rows: number[]): Int32Array {
  const out = Int32Array.from(rows);
  out.sort();
  return out;
}
