import { describe, expect, it } from 'vitest';
import { ServedListCache } from './served-list-cache.js';

describe('ServedListCache', () => {
  it('answers a kept value only under the same key and within the TTL', () => {
    const cache = new ServedListCache<string>({ ttlMs: 1000, users: 10 });
    cache.set('u', 'k1', 'list', 0, cache.currentEpoch);
    expect(cache.get('u', 'k1', 999)).toBe('list');
    expect(cache.get('u', 'k2', 10)).toBeUndefined();
    expect(cache.get('u', 'k1', 1000)).toBeUndefined();
    // A clock that went back does not make an entry valid for longer.
    expect(cache.get('u', 'k1', -1)).toBeUndefined();
    expect(cache.hits).toBe(1);
    expect(cache.misses).toBe(3);
  });

  it('clear() drops kept values and refuses values computed before it', () => {
    const cache = new ServedListCache<string>({ ttlMs: 1000 });
    const before = cache.currentEpoch;
    cache.set('u', 'k', 'old', 0, before);
    cache.clear();
    expect(cache.get('u', 'k', 1)).toBeUndefined();
    cache.set('v', 'k', 'computed during the clear', 1, before);
    expect(cache.get('v', 'k', 2)).toBeUndefined();
    cache.set('v', 'k', 'new', 1, cache.currentEpoch);
    expect(cache.get('v', 'k', 2)).toBe('new');
    cache.forget('v');
    expect(cache.get('v', 'k', 2)).toBeUndefined();
  });

  it('keeps at most `users` entries, least recently used first out', () => {
    const cache = new ServedListCache<number>({ ttlMs: 1000, users: 2 });
    cache.set('a', 'k', 1, 0, 0);
    cache.set('b', 'k', 2, 0, 0);
    expect(cache.get('a', 'k', 1)).toBe(1);
    cache.set('c', 'k', 3, 0, 0);
    expect(cache.size).toBe(2);
    expect(cache.get('b', 'k', 1)).toBeUndefined();
    expect(cache.get('a', 'k', 1)).toBe(1);
    expect(cache.get('c', 'k', 1)).toBe(3);
  });

  it('with ttlMs 0 keeps nothing, and refuses bad options', () => {
    const off = new ServedListCache<number>({ ttlMs: 0 });
    expect(off.enabled).toBe(false);
    off.set('a', 'k', 1, 0, 0);
    expect(off.get('a', 'k', 0)).toBeUndefined();
    expect(off.size).toBe(0);
    expect(() => new ServedListCache({ ttlMs: -1 })).toThrow(/ttlMs/);
    expect(() => new ServedListCache({ users: 1.5 })).toThrow(/users/);
  });
});

describe('ServedListCache renewal', () => {
  it('asks once per kept answer for its renewal from refreshAtMs on, and a new answer starts again', () => {
    const cache = new ServedListCache<string>({ ttlMs: 900 });
    cache.set('u', 'k', 'first', 0, cache.currentEpoch);
    // Default: two thirds of the TTL.
    expect(cache.lookup('u', 'k', 599)).toEqual({ value: 'first', refresh: false });
    expect(cache.lookup('u', 'k', 600)).toEqual({ value: 'first', refresh: true });
    expect(cache.lookup('u', 'k', 700)).toEqual({ value: 'first', refresh: false });
    expect(cache.renewals).toBe(1);
    cache.set('u', 'k', 'second', 700, cache.currentEpoch);
    expect(cache.lookup('u', 'k', 1000)).toEqual({ value: 'second', refresh: false });
    expect(cache.lookup('u', 'k', 1300)).toEqual({ value: 'second', refresh: true });
    // Never past the TTL, renewed or not.
    expect(cache.lookup('u', 'k', 1600)).toBeUndefined();
  });

  it('renews nothing when refreshAtMs is the TTL or more, and refuses a negative one', () => {
    const cache = new ServedListCache<string>({ ttlMs: 1000, refreshAtMs: 1000 });
    cache.set('u', 'k', 'list', 0, cache.currentEpoch);
    expect(cache.lookup('u', 'k', 999)).toEqual({ value: 'list', refresh: false });
    expect(cache.renewals).toBe(0);
    const soon = new ServedListCache<string>({ ttlMs: 1000, refreshAtMs: 0 });
    soon.set('u', 'k', 'list', 0, soon.currentEpoch);
    expect(soon.lookup('u', 'k', 0)).toEqual({ value: 'list', refresh: true });
    expect(() => new ServedListCache({ ttlMs: 1000, refreshAtMs: -1 })).toThrow(/refreshAtMs/);
  });
});
