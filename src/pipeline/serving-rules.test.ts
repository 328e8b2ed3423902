import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ValidationError } from '../core/errors.js';
import type { Item } from '../core/types.js';
import { createSqliteStorage } from '../storage/sqlite/sqlite-storage.js';
import type { Storage } from '../storage/storage.js';
import { compileBlocklist, isBlocked, mergeBlocklists, parseBlocklist } from './blocklist.js';
import { ExposureCaps } from './exposure-caps.js';
import type { ScoredItem } from './scored-item.js';
import { createServingRules } from './serving-rules.js';

const items = new Map<string, Item>([
  ['alien', { id: 'alien', title: 'Alien', attributes: { genres: ['Horror', 'Sci-Fi'], provider: 'acme' } }],
  ['heat', { id: 'heat', title: 'Heat', attributes: { genres: ['Crime'], provider: 'globex' } }],
  ['up', { id: 'up', title: 'Up', attributes: { genres: ['Animation'], provider: ['acme', 'pixar'], year: 2009 } }],
  ['bare', { id: 'bare', title: 'Bare' }],
]);
const itemOf = (id: string): Item | undefined => items.get(id);

describe('blocklist', () => {
  it('blocks by id and by attribute value, array elements included, strings case-insensitively', () => {
    const b = parseBlocklist({ items: ['heat'], attributes: { genres: ['horror'], year: [2009] } });
    expect([...items.keys()].filter((id) => isBlocked(id, itemOf(id), b))).toEqual(['alien', 'heat', 'up']);
    expect(isBlocked('up', itemOf('up'), parseBlocklist({ attributes: { year: ['2009'] } }))).toBe(false);
    expect(isBlocked('unknown', undefined, b)).toBe(false);
    expect(compileBlocklist(b)).toMatchObject({ needsItems: true, empty: false });
    expect(compileBlocklist(parseBlocklist({ items: ['x'] }))).toMatchObject({ needsItems: false, empty: false });
  });

  it('parses untrusted input naming the field, drops duplicates, and merges', () => {
    expect(parseBlocklist(undefined)).toEqual({ items: [], attributes: {} });
    expect(parseBlocklist({ items: ['a', 'a'] }).items).toEqual(['a']);
    expect(() => parseBlocklist({ items: [''] })).toThrow(/blocklist\.items/);
    expect(() => parseBlocklist({ attributes: { genres: 'Horror' } })).toThrow(/blocklist\.attributes\.genres/);
    expect(() => parseBlocklist({ attributes: { genres: [{}] } })).toThrow(ValidationError);
    expect(() => parseBlocklist({ item: ['a'] })).toThrow(/unknown key "item"/);
    expect(mergeBlocklists(parseBlocklist({ items: ['a'], attributes: { g: ['x'] } }), parseBlocklist({ items: ['a', 'b'], attributes: { g: ['y'], p: ['q'] } }))).toEqual({
      items: ['a', 'b'],
      attributes: { g: ['x', 'y'], p: ['q'] },
    });
  });
});

describe('ExposureCaps', () => {
  it('caps items and providers per sliding window and forgets as the window passes', () => {
    let now = 10 * 3_600_000;
    const caps = new ExposureCaps({ maxPerItemPerHour: 2, maxPerProviderPerHour: 3, clock: () => now });
    caps.record(['alien'], itemOf);
    expect(caps.overCap('alien', itemOf('alien'))).toBe(false);
    caps.record(['alien', 'heat'], itemOf);
    expect(caps.overCap('alien', itemOf('alien'))).toBe(true);
    expect(caps.overCap('heat', itemOf('heat'))).toBe(false);
    // acme: alien twice; up (acme, pixar) once more reaches acme's cap of 3.
    caps.record(['up'], itemOf);
    expect(caps.overCap('up', itemOf('up'))).toBe(true);
    expect(caps.overCap('bare', itemOf('bare'))).toBe(false);
    expect(caps.snapshot().providers[0]).toEqual({ key: 'acme', count: 3 });
    // Half an hour into the next window, the previous one weighs a half: alien counts 1.
    now += 1.5 * 3_600_000;
    expect(caps.overCap('alien', itemOf('alien'))).toBe(false);
    now += 3_600_000;
    expect(caps.snapshot().items).toEqual([]);
  });

  it('tracks at most maxTracked keys per window and refuses bad caps', () => {
    const caps = new ExposureCaps({ maxPerItemPerHour: 1, maxTracked: 2, clock: () => 0 });
    caps.record(['a', 'b', 'c'], () => undefined);
    expect(caps.overCap('a', undefined)).toBe(true);
    expect(caps.overCap('c', undefined)).toBe(false);
    expect(() => new ExposureCaps({ maxPerItemPerHour: 0 })).toThrow(/exposure\.maxPerItemPerHour/);
    expect(new ExposureCaps().active).toBe(false);
  });
});

describe('createServingRules', () => {
  let dir: string;
  let storage: Storage;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'lmrec-serving-rules-'));
    storage = createSqliteStorage({ path: join(dir, 'rules.db') });
  });
  afterEach(async () => {
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('adds a runtime blocklist kept in storage to the configured one; another process sees it after refreshMs', async () => {
    let now = 1_000;
    const rules = await createServingRules({ storage, blocklist: { items: ['heat'], attributes: {} }, clock: () => now });
    expect(rules.arrange([...items.keys()], (id) => id, itemOf, 10)).toEqual(['alien', 'up', 'bare']);
    const other = createSqliteStorage({ path: join(dir, 'rules.db') });
    try {
      const elsewhere = await createServingRules({ storage: other, refreshMs: 100, clock: () => now });
      const state = await rules.setBlocklist({ attributes: { genres: ['Horror'] } });
      expect(state).toMatchObject({ configured: { items: ['heat'] }, runtime: { items: [], attributes: { genres: ['Horror'] } }, version: 1 });
      expect(rules.arrange([...items.keys()], (id) => id, itemOf, 10)).toEqual(['up', 'bare']);
      expect(elsewhere.blocks('alien', itemOf('alien'))).toBe(false);
      now += 200;
      elsewhere.blocks('alien', itemOf('alien'));
      await expect.poll(() => elsewhere.blocks('alien', itemOf('alien'))).toBe(true);
      const restarted = await createServingRules({ storage: other });
      expect(restarted.blocklist().runtime.attributes).toEqual({ genres: ['Horror'] });
      await expect(rules.setBlocklist({ items: 'heat' })).rejects.toThrow(/blocklist\.items/);
      expect(rules.blocklist().version).toBe(1);
    } finally {
      await other.close();
    }
  });

  it('removes over-cap items unless the list would be short, then fills its end with them', async () => {
    const rules = await createServingRules({ storage, exposure: { maxPerItemPerHour: 1 } });
    rules.served(['alien', 'heat'], itemOf);
    expect(rules.arrange(['alien', 'heat', 'up', 'bare'], (id) => id, itemOf, 2)).toEqual(['up', 'bare']);
    expect(rules.arrange(['alien', 'heat', 'up', 'bare'], (id) => id, itemOf, 3)).toEqual(['up', 'bare', 'alien']);
    const list: ScoredItem[] = ['alien', 'heat', 'up'].map((id, i) => ({ itemId: id, score: 3 - i, sources: ['x'], sourceScores: {}, item: items.get(id)! }));
    const staged = rules.apply(list, 2);
    expect(staged.map((c) => c.itemId)).toEqual(['up', 'alien']);
    expect(staged[1].score).toBeLessThan(staged[0].score);
  });
});
