import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/config.js';
import { ConflictError, NotFoundError, ValidationError } from '../core/errors.js';
import { createEngine } from '../engine/engine.js';
import type { Engine } from '../engine/engine.js';
import { openStorage } from '../storage/index.js';
import { createLifecycle } from './lifecycle.js';
import type { ManagedLifecycle } from './lifecycle.js';
import { writeDemoSlice } from './test-support.js';
import { createTrainer } from './trainer.js';

const USERS = 60;
const ALS = { factors: 16, iterations: 15, alpha: 4, regularization: 1 };

/** Largest gap between ticks of a 5 ms interval while `work` runs, and its result. */
async function maxTickGap<T>(work: () => Promise<T>): Promise<{ gapMs: number; value: T }> {
  let last = performance.now();
  let gapMs = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    gapMs = Math.max(gapMs, now - last);
    last = now;
  }, 5);
  try {
    const value = await work();
    gapMs = Math.max(gapMs, performance.now() - last);
    return { gapMs, value };
  } finally {
    clearInterval(timer);
  }
}

/** Keeps `lanes` recommend loops running until `stop` is set; collects versions and failures. */
function loadRecommend(engine: Engine, lanes: number) {
  const state = { stop: false, answers: 0, failures: [] as unknown[], versions: [] as string[] };
  const lane = async (l: number): Promise<void> => {
    for (let i = 0; !state.stop; i++) {
      try {
        const rec = await engine.recommend(String(1 + ((i * lanes + l) % USERS)), { k: 10, model: 'als' });
        state.answers++;
        if (state.versions.at(-1) !== rec.modelVersion) state.versions.push(rec.modelVersion);
      } catch (error) {
        state.failures.push(error);
      }
      await new Promise((r) => setImmediate(r));
    }
  };
  const done = Promise.all(Array.from({ length: lanes }, (_, l) => lane(l)));
  return {
    state,
    async finish() {
      state.stop = true;
      await done;
      return state;
    },
  };
}

describe('model lifecycle on a slice of the MovieLens demo (real SQLite file, worker threads)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmrec-lifecycle-'));
  const url = `sqlite://${join(dir, 'lifecycle.db')}`;
  let engine: Engine;
  let lifecycle: ManagedLifecycle;

  beforeAll(async () => {
    writeDemoSlice(dir, USERS);
    engine = createEngine(await openStorage(url));
    await engine.import({ format: 'movielens-latest', dir });
    await engine.train('als', ALS);
    lifecycle = createLifecycle({ engine, storageUrl: url });
  });

  afterAll(async () => {
    await lifecycle.close();
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('trains in a worker while the main thread keeps answering, without blocking its event loop', async () => {
    expect((await engine.recommend('1', { model: 'als' })).modelVersion).toBe('als@1');
    const HEAVY = { factors: 64, iterations: 12, alpha: 4, regularization: 1 };
    const load = loadRecommend(engine, 2);
    const t0 = performance.now();
    const { gapMs, value: status } = await maxTickGap(async () => {
      const { jobId } = await lifecycle.train('als', HEAVY);
      expect(lifecycle.job(jobId)?.state).toMatch(/queued|running/);
      return lifecycle.wait(jobId);
    });
    const jobMs = performance.now() - t0;
    const { answers, failures } = await load.finish();
    expect(status?.state, JSON.stringify(status?.error)).toBe('succeeded');
    expect(status?.result?.version).toBe(2);
    expect(status?.activated).toBe(true);
    expect(status?.progress?.phase).toBe('activate');
    expect(failures).toEqual([]);
    expect(answers).toBeGreaterThan(20);
    // In this thread the fit is one synchronous stretch, so the loop would stall for all of it; in
    // the worker only scheduling noise on a shared 2-core machine and the swap's brief decode remain.
    const fitMs = status!.result!.fit.seconds * 1000;
    expect(fitMs).toBeGreaterThan(300);
    expect(gapMs, `longest tick gap ${gapMs.toFixed(0)} ms during a ${jobMs.toFixed(0)} ms job with a ${fitMs.toFixed(0)} ms fit`).toBeLessThan(fitMs / 2);
    expect((await engine.recommend('1', { model: 'als' })).modelVersion).toBe('als@2');
    expect(await engine.storage.models.active('als')).toBe(2);
  });

  it('swaps versions under continuous load with zero failures, then rolls back', async () => {
    const load = loadRecommend(engine, 3);
    const { jobId } = await lifecycle.train('als', { ...ALS, iterations: 10 });
    const status = await lifecycle.wait(jobId);
    await new Promise((r) => setTimeout(r, 50));
    const { failures, versions, answers } = await load.finish();
    expect(status?.state).toBe('succeeded');
    expect(failures).toEqual([]);
    expect(answers).toBeGreaterThan(20);
    expect(versions[0]).toBe('als@2');
    expect(versions.at(-1)).toBe('als@3');
    expect(new Set(versions)).toEqual(new Set(['als@2', 'als@3']));

    const listed = (await lifecycle.versions()).find((m) => m.name === 'als');
    expect(listed?.active).toBe(3);
    expect(listed?.versions.map((v) => v.version)).toEqual([3, 2, 1]);
    expect(listed?.versions[0].meta.params).toMatchObject({ iterations: 10 });

    expect(await lifecycle.rollback('als')).toEqual({ name: 'als', version: 2 });
    expect((await engine.recommend('1', { model: 'als' })).modelVersion).toBe('als@2');
    await lifecycle.activate('als', 1);
    expect((await engine.recommend('1', { model: 'als' })).modelVersion).toBe('als@1');
    expect(await lifecycle.rollback('als')).toEqual({ name: 'als', version: 2 });
    await lifecycle.activate('als', 1);
    await expect(lifecycle.activate('als', 99)).rejects.toThrow(NotFoundError);
    await expect(lifecycle.activate('nope', 1)).rejects.toThrow(ValidationError);
    expect((await engine.recommend('1', { model: 'als' })).modelVersion).toBe('als@1');
  });

  it('serves the activated version after close and reopen; rollback then needs an older version', async () => {
    const reopened = createEngine(await openStorage(url));
    try {
      expect((await reopened.recommend('1', { model: 'als' })).modelVersion).toBe('als@1');
      const again = createLifecycle({ engine: reopened, storageUrl: url });
      try {
        await expect(again.rollback('als')).rejects.toThrow(/no version to roll back to/);
        await again.activate('als', 3);
        expect(await again.rollback('als')).toEqual({ name: 'als', version: 1 });
        // No history in a fresh process: the newest version older than the served one.
        await again.activate('als', 3);
        const fresh = createLifecycle({ engine: createEngine(reopened.storage), storageUrl: url });
        expect(await fresh.rollback('als')).toEqual({ name: 'als', version: 2 });
        await fresh.close();
      } finally {
        await again.close();
      }
    } finally {
      await reopened.close();
    }
    // The served (in-memory) version of the first engine is stale now; sync picks up storage's choice.
    expect(await lifecycle.sync()).toEqual([{ name: 'als', version: 2 }]);
    expect((await engine.recommend('1', { model: 'als' })).modelVersion).toBe('als@2');
  });

  it('reports failed jobs without crashing, runs one job per model at a time, cancels', async () => {
    await expect(lifecycle.train('no-such-model')).rejects.toThrow(ValidationError);
    // Parameters the model's schema refuses are refused before any job is queued.
    const jobsBefore = lifecycle.jobs().length;
    await expect(lifecycle.train('als', { factors: 0 })).rejects.toThrow(/als: parameter "factors" must be ≥ 1, got 0/);
    await expect(lifecycle.train('als', { rank: 8 })).rejects.toThrow(/als: unknown parameter "rank"; known parameters: factors,/);
    expect(lifecycle.jobs()).toHaveLength(jobsBefore);
    expect(() => createLifecycle({ engine, storageUrl: url, params: { als: { iterations: 0 } } })).toThrow(/als: parameter "iterations" must be ≥ 1/);

    const trainer = createTrainer({ storageUrl: url });
    try {
      const unknown = await trainer.start('no-such-model').done;
      expect(unknown.state).toBe('failed');
      expect(unknown.error).toMatchObject({ code: 'validation_failed', message: expect.stringMatching(/unknown model "no-such-model"/) });

      const first = trainer.start('als', ALS);
      expect(trainer.job(first.id)?.state).toBe('running');
      // One job per model runs; the next waits behind it, and an identical request joins the waiting one.
      const second = trainer.start('als', ALS);
      expect(trainer.job(second.id)?.state).toBe('queued');
      expect(trainer.start('als', { ...ALS }).id).toBe(second.id);
      expect(() => trainer.start('als', { ...ALS, factors: 4 })).toThrow(ConflictError);
      expect(trainer.cancel(second.id)).toBe(true);
      expect((await second.done).state).toBe('cancelled');
      expect(trainer.job(first.id)?.state).toBe('running');
      expect(trainer.cancel(first.id)).toBe(true);
      const cancelled = await first.done;
      expect(cancelled.state).toBe('cancelled');
      expect(trainer.jobs().map((j) => j.id)).toEqual([second.id, first.id, unknown.id]);
    } finally {
      await trainer.close();
    }

    const emptyUrl = `sqlite://${join(dir, 'empty.db')}`;
    const empty = createEngine(await openStorage(emptyUrl));
    const emptyLifecycle = createLifecycle({ engine: empty, storageUrl: emptyUrl });
    try {
      const { jobId } = await emptyLifecycle.train('ease');
      const status = await emptyLifecycle.wait(jobId);
      expect(status?.state).toBe('failed');
      expect(status?.error?.message).toMatch(/no positive feedback stored/);
      expect(emptyLifecycle.jobs()[0].id).toBe(jobId);
      expect((await empty.recommend('1')).modelVersion).toBe('popularity@live');
    } finally {
      await emptyLifecycle.close();
      await empty.close();
    }
    // The serving engine was never disturbed.
    expect((await engine.recommend('1', { model: 'als' })).items).toHaveLength(10);
  });

  it('retrains when enough new events arrived', async () => {
    expect(() => createLifecycle({ engine, storageUrl: url, retrainEvery: 'soon' })).toThrow(/lifecycle\.retrainEvery must be/);
    const config = loadConfig({ cwd: dir, env: {}, overrides: { lifecycle: { retrainEvery: '6h', retrainAfterEvents: 5, checkEvery: '1m', syncEvery: 0, models: ['als'], autoActivate: true, trainerLease: '15s', followEvery: 0 } } });
    const scheduled = createLifecycle({ engine, storageUrl: url, ...config.lifecycle, params: { als: ALS } });
    try {
      expect(await scheduled.checkSchedule()).toEqual([]);
      const t = Date.now();
      await engine.storage.events.append(['1', '2', '3', '5', '6'].map((itemId, k) => ({ userId: 'fresh-user', itemId, type: 'like' as const, timestamp: t + k })));
      const started = await scheduled.checkSchedule();
      expect(started).toMatchObject([{ model: 'als', reason: 'events' }]);
      const status = await scheduled.wait(started[0].jobId!);
      expect(status?.state).toBe('succeeded');
      expect(status?.reason).toBe('events');
      expect(await scheduled.checkSchedule()).toEqual([]);
      expect((await engine.recommend('1', { model: 'als' })).modelVersion).toBe(`als@${status?.result?.version}`);
    } finally {
      await scheduled.close();
    }
  });
});
