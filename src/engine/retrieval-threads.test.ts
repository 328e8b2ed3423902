/**
 * Retrieval threads: versions decoded into shared memory and searched on worker threads answer
 * exactly what the serving thread's own search answers, on a slice of the vendored MovieLens demo
 * in a real SQLite file (EASE, item-kNN, the semantic model over a bag-of-words encoder, the
 * hybrid), and a thread that is gone or lacks a version hands the search back to the caller.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredEvent } from '../core/types.js';
import { bagOfWordsEncoder } from '../encoders/test-support.js';
import { createRng } from '../linalg/index.js';
import { createSemantic } from '../models/semantic.js';
import { packVectors } from '../models/test-support.js';
import { loadMovieLensLatest } from '../ingest/index.js';
import { createEase } from '../models/ease.js';
import { csrFromCoo } from '../core/csr-matrix.js';
import type { ModelSnapshot } from '../models/snapshot.js';
import { createPipeline } from '../pipeline/create-pipeline.js';
import { openStorage } from '../storage/index.js';
import { createEngine } from './engine.js';
import type { Engine } from './engine.js';
import { RetrievalThreads } from './retrieval-threads.js';

const DEMO = fileURLToPath(new URL('../../data/demo/ml-latest-small', import.meta.url));
/** Models searched on the threads; at 500 items the semantic model and the hybrid have no index and are scored exactly. */
const THREADED = ['ease', 'itemknn'];
const KINDS = [...THREADED, 'semantic', 'hybrid'];


/** `snapshot` with every array copied into shared memory. */
function shared(snapshot: ModelSnapshot): ModelSnapshot {
  const arrays: ModelSnapshot['arrays'] = {};
  for (const [name, a] of Object.entries(snapshot.arrays)) {
    const Ctor = a.constructor as new (buffer: ArrayBuffer) => typeof a;
    const copy = new Ctor(new SharedArrayBuffer(a.byteLength) as unknown as ArrayBuffer);
    copy.set(a);
    arrays[name] = copy;
  }
  return { ...snapshot, arrays };
}

describe('engine retrieval threads (real SQLite file, MovieLens demo slice)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmrec-threads-'));
  let plain: Engine;
  let threaded: Engine;
  const histories = new Map<string, StoredEvent[]>();

  beforeAll(async () => {
    const ds = await loadMovieLensLatest(DEMO);
    const counts = new Map<string, number>();
    for (const e of ds.batch.events) if (e.itemId) counts.set(e.itemId, (counts.get(e.itemId) ?? 0) + 1);
    const top = new Set([...counts.entries()].sort((a, b) => b[1] - a[1]).slice(0, 500).map(([id]) => id));
    const url = `sqlite://${join(dir, 'x.db')}`;
    plain = createEngine(await openStorage(url), { encoder: bagOfWordsEncoder() });
    await plain.storage.bulkWrite({
      items: ds.batch.items.filter((it) => top.has(it.id)),
      users: ds.batch.users,
      events: ds.batch.events.filter((e) => e.itemId !== undefined && top.has(e.itemId)),
    });
    await plain.train('ease', { lambda: 250 });
    await plain.train('itemknn', { k: 50, shrink: 10 });
    await plain.train('semantic');
    await plain.train('hybrid', { epochs: 3 });
    threaded = createEngine(await openStorage(url), { encoder: bagOfWordsEncoder(), retrievalThreads: { threads: 2, minItems: 0 } });
    for (const userId of ['1', '15', '68', '182', '414', '448', '599', '610']) histories.set(userId, await plain.storage.events.forUser(userId));
  }, 120_000);

  afterAll(async () => {
    await plain.close();
    await threaded.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers every indexed model from the threads, exactly as the serving thread does', async () => {
    // The first request of each version decodes it and starts restoring it in the threads.
    for (const kind of KINDS) await threaded.retrieveForUser(kind, '1', histories.get('1')!, 20, []);
    await threaded.retrievalThreadsSettled();
    const before = threaded.retrievalThreadStats()!;
    expect(before.threads).toBe(2);
    let asked = 0;
    for (const kind of KINDS) {
      for (const [userId, history] of histories) {
        const seen = history.slice(0, 5).map((e) => e.itemId!);
        const [mine, theirs] = await Promise.all([plain.retrieveForUser(kind, userId, history, 50, seen), threaded.retrieveForUser(kind, userId, history, 50, seen)]);
        asked++;
        expect(theirs?.usable, `${kind} ${userId}`).toBe(mine?.usable);
        expect(Array.from(theirs!.indices), `${kind} ${userId}`).toEqual(Array.from(mine!.indices));
        expect(Array.from(theirs!.scores)).toEqual(Array.from(mine!.scores));
        expect(theirs!.indices.length).toBe(mine!.usable ? 50 : 0);
        for (const id of seen) expect(Array.from(theirs!.indices, (i) => theirs!.items.idAt(i))).not.toContain(id);
      }
    }
    const after = threaded.retrievalThreadStats()!;
    // Every user here has positive feedback on every model's items, so each indexed model's request reached a thread.
    expect(after.answered - before.answered).toBe((asked * THREADED.length) / KINDS.length);
    expect(after.declined).toBe(before.declined);
  }, 60_000);

  it('gives the pipeline the same lists, its threaded sources started first', async () => {
    await threaded.retrievalThreadsSettled();
    const clock = (): number => 1_700_000_000_000;
    const [mine, theirs] = await Promise.all([createPipeline(plain, { clock }), createPipeline(threaded, { clock })]);
    expect(theirs.sourceNames).toEqual(mine.sourceNames);
    expect(threaded.searchesOffThread('ease') && threaded.searchesOffThread('itemknn')).toBe(true);
    expect(threaded.searchesOffThread('semantic')).toBe(false);
    const before = threaded.retrievalThreadStats()!.answered;
    for (const userId of histories.keys()) {
      const a = await mine.recommend(userId, { k: 10 });
      const b = await theirs.recommend(userId, { k: 10 });
      expect(b.items.map((i) => i.id), userId).toEqual(a.items.map((i) => i.id));
      expect(b.modelVersion).toBe(a.modelVersion);
    }
    expect(threaded.retrievalThreadStats()!.answered - before).toBe(histories.size * THREADED.length);
  }, 60_000);
});

describe('RetrievalThreads', () => {
  const users = 60;
  const items = 40;
  const rows: number[] = [];
  const cols: number[] = [];
  for (let u = 0; u < users; u++) {
    for (let i = 0; i < items; i++) {
      if ((u * 7 + i * 3) % 5 !== 0 && (u + i) % 11 !== 0) continue;
      rows.push(u);
      cols.push(i);
    }
  }
  const matrix = csrFromCoo(users, items, Int32Array.from(rows), Int32Array.from(cols), null, 'max');
  const query = { userIdx: 3, items: Int32Array.from([0, 5, 10]), values: Float32Array.from([1, 1, 1]) };

  it('refuses a snapshot outside shared memory, and hands back what it does not hold', async () => {
    const model = createEase({ lambda: 10 });
    await model.fit(matrix);
    const pool = new RetrievalThreads({ threads: 1 });
    try {
      expect(() => pool.load('ease@1', model.snapshot())).toThrow(/not in shared memory/);
      expect(await pool.retrieve('ease@1', query, 5, new Int32Array(0))).toBeUndefined();
      expect(await pool.load('ease@1', shared(model.snapshot()))).toBe(true);
      expect(pool.holds('ease@1')).toBe(true);
      const mask = new Uint8Array(items);
      mask[1] = 1;
      const own = model.retrieve(query, 5, mask);
      const got = (await pool.retrieve('ease@1', query, 5, Int32Array.from([1])))!;
      expect(Array.from(got.indices)).toEqual(Array.from(own.indices));
      expect(Array.from(got.scores)).toEqual(Array.from(own.scores));
      pool.drop('ease@1');
      expect(pool.holds('ease@1')).toBe(false);
      expect(await pool.retrieve('ease@1', query, 5, new Int32Array(0))).toBeUndefined();
      expect(pool.stats()).toEqual({ threads: 1, answered: 1, declined: 2 });
    } finally {
      await pool.close();
    }
    expect(await pool.retrieve('ease@1', query, 5, new Int32Array(0))).toBeUndefined();
  });

  it('searches the semantic index (int8 codes, IVF lists) of the demo catalogue exactly as the model does', async () => {
    const { vectors, dim, rows } = packVectors();
    const model = createSemantic({}, { ivfMinItems: 5_000 });
    await model.fit(csrFromCoo(1, rows, [0], [0], [1]), { itemEmbeddings: { vectors, dim } });
    expect(model.indexed).toBe(true);
    const pool = new RetrievalThreads({ threads: 1 });
    try {
      expect(await pool.load('semantic@1', shared(model.snapshot()))).toBe(true);
      const rng = createRng(5);
      for (let u = 0; u < 20; u++) {
        const items = Int32Array.from(new Set(Array.from({ length: 5 + rng.int(30) }, () => rng.int(rows)))).sort();
        const q = { userIdx: -1, items, values: new Float32Array(items.length).fill(1) };
        const mask = new Uint8Array(rows);
        for (const i of items) mask[i] = 1;
        const own = model.retrieve(q, 100, mask);
        const got = (await pool.retrieve('semantic@1', q, 100, items))!;
        expect(Array.from(got.indices)).toEqual(Array.from(own.indices));
        expect(Array.from(got.scores)).toEqual(Array.from(own.scores));
      }
    } finally {
      await pool.close();
    }
  }, 60_000);

  it('hands back the requests of a thread that stopped and serves on with the others', async () => {
    const model = createEase({ lambda: 10 });
    await model.fit(matrix);
    const pool = new RetrievalThreads({ threads: 2 });
    try {
      expect(await pool.load('ease@1', shared(model.snapshot()))).toBe(true);
      const answers = await Promise.all([0, 1, 2, 3].map(() => pool.retrieve('ease@1', query, 5, new Int32Array(0))));
      for (const a of answers) expect(a?.indices.length).toBe(5);
      expect(pool.size).toBe(2);
      // One thread stops with a request in flight: that request answers undefined, the other thread serves on.
      const slots = (pool as unknown as { slots: { worker: { terminate(): Promise<number> } }[] }).slots;
      const inFlight = pool.retrieve('ease@1', query, 5, new Int32Array(0));
      await slots[0].worker.terminate();
      const first = await inFlight;
      if (first !== undefined) expect(first.indices.length).toBe(5);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(pool.size).toBe(1);
      expect((await pool.retrieve('ease@1', query, 5, new Int32Array(0)))?.indices.length).toBe(5);
    } finally {
      await pool.close();
    }
  });
});
