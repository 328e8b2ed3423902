import { describe, expect, it } from 'vitest';
import { InteractionLogBuilder } from '../core/interaction-log.js';
import { filterByValue, kCoreFilter, logStats } from './filter.js';
import { leaveOneOutSplit, randomRatioSplit, ratioPartSizes, temporalSplit, userSequences } from './split.js';

function syntheticLog(users: number, items: number, perUser: (u: number) => number, seed = 3) {
  const b = new InteractionLogBuilder();
  let s = seed;
  const rand = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (let u = 0; u < users; u++) {
    const n = perUser(u);
    for (let k = 0; k < n; k++) b.add(`u${u}`, `i${Math.floor(rand() * items)}`, 1 + Math.floor(rand() * 5), 1000 * (u + k * 7));
  }
  return b.build();
}

describe('ratioPartSizes (RecBole rounding)', () => {
  it('floors later parts and gives the rest to train', () => {
    expect(ratioPartSizes(10, [0.8, 0.1, 0.1])).toEqual([8, 1, 1]);
    expect(ratioPartSizes(25, [0.8, 0.1, 0.1])).toEqual([21, 2, 2]);
    expect(ratioPartSizes(19, [0.8, 0.1, 0.1])).toEqual([17, 1, 1]);
  });
  it('gives a part below one row one row while train keeps more than one', () => {
    expect(ratioPartSizes(5, [0.8, 0.1, 0.1])).toEqual([3, 1, 1]);
    expect(ratioPartSizes(2, [0.8, 0.1, 0.1])).toEqual([1, 0, 1]);
    expect(ratioPartSizes(1, [0.8, 0.1, 0.1])).toEqual([1, 0, 0]);
  });
  it('always sums to the total (property)', () => {
    for (let n = 0; n < 300; n++) {
      const parts = ratioPartSizes(n, [0.7, 0.2, 0.1]);
      expect(parts.reduce((a, b) => a + b, 0)).toBe(n);
      expect(parts.every((p) => p >= 0)).toBe(true);
    }
  });
});

describe('splits', () => {
  const log = syntheticLog(50, 40, (u) => 3 + (u % 17));

  it('random ratio split partitions every row once, per user, reproducibly', () => {
    const a = randomRatioSplit(log, [0.8, 0.1, 0.1], 7);
    const b = randomRatioSplit(log, [0.8, 0.1, 0.1], 7);
    const c = randomRatioSplit(log, [0.8, 0.1, 0.1], 8);
    expect(Array.from(a.test)).toEqual(Array.from(b.test));
    expect(Array.from(a.test)).not.toEqual(Array.from(c.test));
    const all = [...a.train, ...a.valid, ...a.test].sort((x, y) => x - y);
    expect(all).toEqual(Array.from({ length: log.userIdx.length }, (_, i) => i));
    // Per-user sizes follow ratioPartSizes.
    const perUser = new Map<number, number[]>();
    const bump = (rows: Int32Array, part: number) => {
      for (const r of rows) {
        const u = log.userIdx[r];
        const v = perUser.get(u) ?? [0, 0, 0];
        v[part]++;
        perUser.set(u, v);
      }
    };
    bump(a.train, 0);
    bump(a.valid, 1);
    bump(a.test, 2);
    for (const counts of perUser.values()) {
      expect(counts).toEqual(ratioPartSizes(counts[0] + counts[1] + counts[2], [0.8, 0.1, 0.1]));
    }
  });

  it('leave-one-out puts each user\'s last interaction in test and the one before in valid', () => {
    const s = leaveOneOutSplit(log);
    const lastTime = new Map<number, number>();
    for (let r = 0; r < log.userIdx.length; r++) {
      lastTime.set(log.userIdx[r], Math.max(lastTime.get(log.userIdx[r]) ?? -Infinity, log.timestamp[r]));
    }
    expect(s.test.length).toBe(50);
    for (const r of s.test) expect(log.timestamp[r]).toBe(lastTime.get(log.userIdx[r]));
    for (const r of s.valid) {
      const u = log.userIdx[r];
      const testRow = Array.from(s.test).find((t) => log.userIdx[t] === u)!;
      expect(log.timestamp[r]).toBeLessThanOrEqual(log.timestamp[testRow]);
    }
  });

  it('temporal split orders parts in time', () => {
    const s = temporalSplit(log, [0.8, 0.1, 0.1]);
    const maxTrain = Math.max(...Array.from(s.train, (r) => log.timestamp[r]));
    const minValid = Math.min(...Array.from(s.valid, (r) => log.timestamp[r]));
    const maxValid = Math.max(...Array.from(s.valid, (r) => log.timestamp[r]));
    const minTest = Math.min(...Array.from(s.test, (r) => log.timestamp[r]));
    expect(maxTrain).toBeLessThanOrEqual(minValid);
    expect(maxValid).toBeLessThanOrEqual(minTest);
  });

  it('rejects malformed ratios', () => {
    expect(() => randomRatioSplit(log, [0.5, 0.5])).toThrow(/three/);
    expect(() => temporalSplit(log, [0, 0.5, 0.5])).toThrow(/positive train/);
  });
});

describe('filters', () => {
  it('value threshold keeps ratings at or above it', () => {
    const log = syntheticLog(20, 10, () => 10);
    const f = filterByValue(log, 3);
    expect(Array.from(f.value).every((v) => v >= 3)).toBe(true);
    expect(f.value.length).toBe(Array.from(log.value).filter((v) => v >= 3).length);
  });

  it('k-core leaves every user and item at or above the thresholds, and is a fixed point', () => {
    const log = syntheticLog(200, 150, (u) => 1 + (u % 25));
    const f = kCoreFilter(log, { minUserInteractions: 5, minItemInteractions: 4 });
    const uc = new Map<number, number>();
    const ic = new Map<number, number>();
    for (let r = 0; r < f.userIdx.length; r++) {
      uc.set(f.userIdx[r], (uc.get(f.userIdx[r]) ?? 0) + 1);
      ic.set(f.itemIdx[r], (ic.get(f.itemIdx[r]) ?? 0) + 1);
    }
    for (const c of uc.values()) expect(c).toBeGreaterThanOrEqual(5);
    for (const c of ic.values()) expect(c).toBeGreaterThanOrEqual(4);
    expect(logStats(f).users).toBe(f.users.size);
    expect(logStats(f).items).toBe(f.items.size);
    const again = kCoreFilter(f, { minUserInteractions: 5, minItemInteractions: 4 });
    expect(again.userIdx.length).toBe(f.userIdx.length);
  });

  it('k-core cascades: removing a user can push an item below its threshold', () => {
    const b = new InteractionLogBuilder();
    // u1 has only 1 interaction on item A; A then has 1 left (from u2) and drops; u2 then has 1 and drops.
    b.add('u1', 'A', 5, 1);
    b.add('u2', 'A', 5, 2);
    b.add('u2', 'B', 5, 3);
    b.add('u3', 'B', 5, 4);
    b.add('u3', 'C', 5, 5);
    b.add('u4', 'B', 5, 6);
    b.add('u4', 'C', 5, 7);
    const f = kCoreFilter(b.build(), { minUserInteractions: 2, minItemInteractions: 2 });
    expect(f.users.toArray().sort()).toEqual(['u3', 'u4']);
    expect(f.items.toArray().sort()).toEqual(['B', 'C']);
  });
});

describe('userSequences', () => {
  it('orders each user\'s rows by time, ties by item id with tieBreak item', () => {
    const b = new InteractionLogBuilder();
    b.add('u', '30', 1, 5);
    b.add('u', '10', 1, 1);
    b.add('v', '20', 1, 3);
    b.add('u', '2', 1, 5);
    const log = b.build();
    const all = Int32Array.from(log.userIdx.keys());
    const ids = (seq: Int32Array): string[] => Array.from(seq, (i) => log.items.idAt(i));
    const byItem = userSequences(log, all, 'item');
    expect(ids(byItem[0])).toEqual(['10', '2', '30']);
    expect(ids(userSequences(log, all)[0])).toEqual(['10', '30', '2']);
    expect(ids(byItem[1])).toEqual(['20']);
    expect(userSequences(log, Int32Array.from([2]))[0].length).toBe(0);
  });
});
