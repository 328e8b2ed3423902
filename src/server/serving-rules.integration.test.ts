/**
 * Blocklists and exposure caps over HTTP (in process, real SQLite file): a configured and a runtime
 * blocklist (set through `PUT /v1/admin/blocklist`, kept in storage) keep items out of the
 * single-model lists, the pipeline's lists, similar items and trending lists; an item cap keeps one item out of
 * lists once it was served its share of the hour.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, createPipeline, createServingRules, openStorage } from '../index.js';
import type { Engine, Event, Item } from '../index.js';
import { engineRecommend } from './engine-recommend.js';
import { pipelineRecommend } from './pipeline-recommend.js';
import { createServer } from './server.js';

const auth = { authorization: 'Bearer rules-admin' };
const apiKeys = [{ key: 'rules-admin', scope: 'admin' as const }];
const GENRES = ['Horror', 'Comedy', 'Drama', 'Crime'];

function catalogue(): Item[] {
  return Array.from({ length: 40 }, (_, i) => ({
    id: `m${i}`,
    title: `Movie ${i}`,
    attributes: { genres: [GENRES[i % 4]], provider: i % 5 === 0 ? 'acme' : 'globex' },
  }));
}

function history(): Event[] {
  const events: Event[] = [];
  for (let u = 0; u < 30; u++) for (let j = 0; j < 8; j++) events.push({ userId: `u${u}`, itemId: `m${(u * 3 + j * 7) % 40}`, type: 'like', timestamp: Date.now() - 86_400_000 + u * 100 + j });
  return events;
}

describe('serving rules over HTTP', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmrec-serving-rules-http-'));
  const items = new Map(catalogue().map((it) => [it.id, it]));
  let engine: Engine;
  let single: FastifyInstance;
  let piped: FastifyInstance;

  async function ids(app: FastifyInstance, url: string): Promise<string[]> {
    const res = await app.inject({ method: 'GET', url, headers: auth });
    expect(res.statusCode).toBe(200);
    return res.json<{ items: { id: string }[] }>().items.map((it) => it.id);
  }

  beforeAll(async () => {
    engine = createEngine(await openStorage(`sqlite://${join(dir, 'rules.db')}`));
    await engine.storage.items.upsert([...items.values()]);
    await engine.storage.events.append(history());
    await engine.train('itemknn', { k: 20, shrink: 1 });
    await engine.train('pop');
    const rules = await createServingRules({ storage: engine.storage, blocklist: { items: ['m1'], attributes: {} } });
    single = await createServer({ engine, apiKeys, servingRules: rules, recommend: engineRecommend(engine, rules) });
    const pipeline = await createPipeline(engine, { servingRules: rules, ranker: 'none' });
    piped = await createServer({ engine, apiKeys, servingRules: rules, recommend: pipelineRecommend(pipeline, engineRecommend(engine, rules)), trending: pipeline });
  });

  afterAll(async () => {
    await single?.close();
    await piped?.close();
    await engine?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('never serves a configured or runtime-blocked item, on every path, and keeps lists full', async () => {
    const before = await ids(single, '/v1/items/m3/similar?k=10&model=itemknn');
    expect(before).not.toContain('m1');
    const put = await single.inject({ method: 'PUT', url: '/v1/admin/blocklist', headers: auth, payload: { items: ['m2'], attributes: { genres: ['horror'], provider: ['acme'] } } });
    expect(put.statusCode).toBe(200);
    expect(put.json()).toMatchObject({ configured: { items: ['m1'] }, runtime: { items: ['m2'], attributes: { genres: ['horror'], provider: ['acme'] } }, version: 1 });
    const blocked = (id: string): boolean => id === 'm1' || id === 'm2' || (items.get(id)?.attributes?.genres as string[])[0] === 'Horror' || items.get(id)?.attributes?.provider === 'acme';
    for (const [app, url] of [
      [single, '/v1/users/u1/recommendations?k=10'],
      [single, '/v1/users/u2/recommendations?k=10&model=pop'],
      [piped, '/v1/users/u3/recommendations?k=10'],
      [piped, '/v1/users/unknown-user/recommendations?k=10'],
      [single, '/v1/items/m3/similar?k=10&model=itemknn'],
    ] as const) {
      const served = await ids(app, url);
      expect(served.filter(blocked), url).toEqual([]);
      expect(served.length, url).toBeGreaterThan(0);
    }
    expect(await ids(single, '/v1/users/u1/recommendations?k=10')).toHaveLength(10);
    const trending = await piped.inject({ method: 'GET', url: '/v1/trending?k=10', headers: auth });
    const trendingIds = trending.json<{ items: { id: string }[] }>().items.map((it) => it.id);
    expect(trendingIds.length).toBeGreaterThan(0);
    expect(trendingIds.filter(blocked)).toEqual([]);
    const topics = await piped.inject({ method: 'GET', url: '/v1/trending/topics?k=5&items=10', headers: auth });
    expect(topics.statusCode).toBe(200);
    for (const topic of topics.json<{ topics: { items: { id: string }[] }[] }>().topics) expect(topic.items.map((it) => it.id).filter(blocked)).toEqual([]);
    const got = await piped.inject({ method: 'GET', url: '/v1/admin/blocklist', headers: auth });
    expect(got.json()).toMatchObject({ runtime: { items: ['m2'] }, version: 1 });
    // Stored: a server started afterwards on the same storage applies it.
    const restarted = await createServer({ engine, apiKeys });
    try {
      expect((await restarted.inject({ method: 'GET', url: '/v1/admin/blocklist', headers: auth })).json()).toMatchObject({ runtime: { items: ['m2'] } });
      // Without the configured list of the first servers, m1 may be served again; the runtime list holds.
      expect((await ids(restarted, '/v1/users/u4/recommendations?k=10')).filter((id) => id !== 'm1' && blocked(id))).toEqual([]);
    } finally {
      await restarted.close();
    }
    const bad = await single.inject({ method: 'PUT', url: '/v1/admin/blocklist', headers: auth, payload: { attributes: { genres: 'Horror' } } });
    expect(bad.statusCode).toBe(400);
    const read = await single.inject({ method: 'GET', url: '/v1/admin/blocklist', headers: { authorization: 'Bearer nope' } });
    expect(read.statusCode).toBe(401);
    await single.inject({ method: 'PUT', url: '/v1/admin/blocklist', headers: auth, payload: {} });
  });

  it('answers a list served again with the same body, recorded each time, and applies a new blocklist to it', async () => {
    const get = async (): Promise<{ impressionId: string; items: { id: string; reasons: unknown[]; explanation: string }[] } & Record<string, unknown>> => {
      const res = await piped.inject({ method: 'GET', url: '/v1/users/u8/recommendations?k=6', headers: auth });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
      return res.json();
    };
    const first = await get();
    const second = await get();
    expect(Object.keys(first).sort()).toEqual(['impressionId', 'items', 'modelVersion', 'userId', 'variant']);
    expect(first.items).toHaveLength(6);
    for (const it of first.items) {
      expect(Array.isArray(it.reasons)).toBe(true);
      expect(typeof it.explanation).toBe('string');
    }
    expect(second.impressionId).not.toBe(first.impressionId);
    expect(second).toEqual({ ...first, impressionId: second.impressionId });
    for (const body of [first, second]) expect((await engine.storage.impressions.get(body.impressionId))?.itemIds).toEqual(body.items.map((it) => it.id));
    // A runtime blocklist applies to the next answer of the same list.
    const top = first.items[0].id;
    expect((await piped.inject({ method: 'PUT', url: '/v1/admin/blocklist', headers: auth, payload: { items: [top] } })).statusCode).toBe(200);
    const third = await get();
    expect(third.items.map((it) => it.id)).not.toContain(top);
    expect(third.items).toHaveLength(6);
    await piped.inject({ method: 'PUT', url: '/v1/admin/blocklist', headers: auth, payload: {} });
  });

  it('keeps an item over its hourly cap out of later lists, and reports the counts', async () => {
    const rules = await createServingRules({ storage: engine.storage, exposure: { maxPerItemPerHour: 1 } });
    const capped = await createServer({ engine, apiKeys, servingRules: rules, recommend: engineRecommend(engine, rules) });
    try {
      const first = await ids(capped, '/v1/users/u5/recommendations?k=5&model=pop');
      const second = await ids(capped, '/v1/users/u6/recommendations?k=5&model=pop');
      expect(first).toHaveLength(5);
      expect(second).toHaveLength(5);
      expect(second.filter((id) => first.includes(id))).toEqual([]);
      const exposure = await capped.inject({ method: 'GET', url: '/v1/admin/exposure', headers: auth });
      expect(exposure.statusCode).toBe(200);
      expect(exposure.json()).toMatchObject({ maxPerItemPerHour: 1, windowMs: 3_600_000 });
      expect(exposure.json<{ items: unknown[] }>().items).toHaveLength(10);
      const doc = (await capped.inject({ method: 'GET', url: '/openapi.json' })).json<{ paths: Record<string, Record<string, unknown>> }>();
      expect(Object.keys(doc.paths['/v1/admin/blocklist'] ?? {}).sort()).toEqual(['get', 'put']);
      expect(doc.paths['/v1/admin/exposure']).toHaveProperty('get');
    } finally {
      await capped.close();
    }
  });
});
