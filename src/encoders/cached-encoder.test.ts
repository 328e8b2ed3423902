import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AbortError } from '../core/errors.js';
import { openStorage } from '../storage/index.js';
import type { Storage } from '../storage/index.js';
import { createCachedEncoder } from './cached-encoder.js';
import { createFakeEncoder } from './test-support.js';
import { textHash } from './text-hash.js';

// The inner encoder is a deterministic fake; the storage is the real SQLite backend.
let storage: Storage;
beforeEach(async () => {
  storage = await openStorage('sqlite::memory:');
});
afterEach(async () => storage.close());

describe('cached encoder', () => {
  it('hashes texts with SHA-256 of the exact text', () => {
    expect(textHash('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(textHash('abc ')).not.toBe(textHash('abc'));
  });

  it('encodes misses once, stores them under the inner id, and serves the second call from the store', async () => {
    const inner = createFakeEncoder('fake-v1', 4, 2);
    const encoder = createCachedEncoder(inner, storage.embeddings);
    expect([encoder.id, encoder.dim, encoder.maxBatch]).toEqual(['fake-v1', 4, 2]);
    const texts = ['the dog', 'a cat', 'the dog', 'parks', 'a cat', 'zebra'];
    const expected = await createFakeEncoder('fake-v1', 4, 2).encode(texts);

    const first = await encoder.encode(texts);
    expect(first).toEqual(expected);
    // Duplicates are encoded once; batches follow the first-seen order.
    expect(inner.calls).toEqual([['the dog', 'a cat'], ['parks', 'zebra']]);
    expect(encoder.stats).toEqual({ hits: 0, misses: 6, encoded: 4 });
    expect(await storage.embeddings.count('fake-v1')).toBe(4);
    const stored = await storage.embeddings.get('fake-v1', [textHash('parks')]);
    expect(Array.from(stored.get(textHash('parks')) ?? [])).toEqual(Array.from(expected.subarray(12, 16)));

    encoder.resetStats();
    const second = await encoder.encode([...texts].reverse());
    expect(inner.calls).toHaveLength(2); // nothing encoded
    expect(second).toEqual(await createFakeEncoder('fake-v1', 4, 2).encode([...texts].reverse()));
    expect(encoder.stats).toEqual({ hits: 6, misses: 0, encoded: 0 });
  });

  it('encodes only the texts not yet cached and keeps the input order', async () => {
    const inner = createFakeEncoder('fake-v1', 4, 8);
    const encoder = createCachedEncoder(inner, storage.embeddings);
    await encoder.encode(['b', 'd']);
    const progress: Array<[number, number]> = [];
    const texts = ['a', 'b', 'c', 'd', 'a'];
    const m = await encoder.encode(texts, { onProgress: (done, total) => progress.push([done, total]) });
    expect(inner.calls).toEqual([['b', 'd'], ['a', 'c']]);
    expect(m).toEqual(await createFakeEncoder('x', 4, 8).encode(texts));
    expect(encoder.stats).toEqual({ hits: 2, misses: 5, encoded: 4 });
    expect(progress).toEqual([
      [2, 5],
      [5, 5],
    ]);
  });

  it('keeps separate entries per encoder id', async () => {
    const a = createCachedEncoder(createFakeEncoder('model-a', 4), storage.embeddings);
    const innerB = createFakeEncoder('model-b', 4);
    const b = createCachedEncoder(innerB, storage.embeddings);
    await a.encode(['shared text']);
    await b.encode(['shared text']);
    expect(innerB.calls).toEqual([['shared text']]);
    expect(await storage.embeddings.count('model-a')).toBe(1);
    expect(await storage.embeddings.count('model-b')).toBe(1);
  });

  it('re-encodes a cached vector of the wrong dimension', async () => {
    await storage.embeddings.put('fake-v1', [{ hash: textHash('x'), vector: new Float32Array([1, 0]) }]);
    const inner = createFakeEncoder('fake-v1', 4);
    const m = await createCachedEncoder(inner, storage.embeddings).encode(['x']);
    expect(inner.calls).toEqual([['x']]);
    expect(m).toHaveLength(4);
    expect((await storage.embeddings.get('fake-v1', [textHash('x')])).get(textHash('x'))).toHaveLength(4);
  });

  it('persists across reopening a SQLite file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lmrec-cache-'));
    try {
      const url = `sqlite://${join(dir, 'cache.db')}`;
      const first = await openStorage(url);
      await createCachedEncoder(createFakeEncoder('fake-v1', 4), first.embeddings).encode(['kept', 'also kept']);
      await first.close();
      const reopened = await openStorage(url);
      const inner = createFakeEncoder('fake-v1', 4);
      const encoder = createCachedEncoder(inner, reopened.embeddings);
      await encoder.encode(['also kept', 'kept']);
      expect(inner.calls).toEqual([]);
      expect(encoder.stats.hits).toBe(2);
      await reopened.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('stops between write batches on abort, keeping what was written', async () => {
    const inner = createFakeEncoder('fake-v1', 4, 1);
    const encoder = createCachedEncoder(inner, storage.embeddings, { writeBatch: 1 });
    const controller = new AbortController();
    const run = encoder.encode(['one', 'two', 'three'], { signal: controller.signal, onProgress: (done) => done >= 1 && controller.abort() });
    await expect(run).rejects.toBeInstanceOf(AbortError);
    expect(await storage.embeddings.count('fake-v1')).toBe(1);
  });

  it('closes the inner encoder unless told not to', async () => {
    let closed = 0;
    const inner = { ...createFakeEncoder(), close: async () => void closed++ };
    await createCachedEncoder(inner, storage.embeddings).close();
    await createCachedEncoder(inner, storage.embeddings, { closeInner: false }).close();
    expect(closed).toBe(1);
  });
});
