/**
 * `POST /v1/query` before the semantic model is trained (in process, real SQLite file): a keyword
 * search answers instead of a 404, flagged as such, naming the training job while one runs, and
 * the serving rules apply to it as to every list.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, openStorage } from '../index.js';
import type { Engine } from '../index.js';
import type { ServerLifecycle } from './context.js';
import { createServer } from './server.js';

const auth = { authorization: 'Bearer query-key' };
const apiKeys = [{ key: 'query-key', scope: 'admin' as const }];

describe('POST /v1/query without a semantic model', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmrec-keyword-fallback-'));
  let engine: Engine;
  let plain: FastifyInstance;
  let preparing: FastifyInstance;

  beforeAll(async () => {
    engine = createEngine(await openStorage(`sqlite://${join(dir, 'query.db')}`));
    await engine.storage.items.upsert([
      { id: 'alien', title: 'Alien', text: 'A crew in deep space meets a deadly creature.', attributes: { genres: ['Horror', 'Sci-Fi'] } },
      { id: 'odyssey', title: '2001: A Space Odyssey', text: 'Astronauts on a mission to Jupiter.', attributes: { genres: ['Sci-Fi'] } },
      { id: 'heat', title: 'Heat', text: 'A thief and a detective.', attributes: { genres: ['Crime'] } },
      { id: 'gone', title: 'Space Junk', available: false },
    ]);
    plain = await createServer({ engine, apiKeys });
    const lifecycle: ServerLifecycle = {
      train: () => Promise.resolve({ jobId: 'j1' }),
      jobs: () => [{ id: 'j7', model: 'semantic', state: 'running', progress: { phase: 'embedding', done: 30, total: 120 } }],
      activate: () => Promise.resolve(undefined),
      rollback: () => Promise.resolve(undefined),
      versions: () => Promise.resolve([]),
    };
    preparing = await createServer({ engine, apiKeys, lifecycle });
  });

  afterAll(async () => {
    await plain?.close();
    await preparing?.close();
    await engine?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers with a keyword search, flagged, with reasons naming the matched words', async () => {
    const res = await plain.inject({ method: 'POST', url: '/v1/query', headers: auth, payload: { text: 'space movies', k: 5 } });
    expect(res.statusCode).toBe(200);
    const body = res.json<{ fallback: string; modelVersion: string; note: string; items: { id: string; title: string; sources: string[]; reasons: unknown[]; explanation: string }[] }>();
    expect(body).toMatchObject({ fallback: 'keyword', modelVersion: 'keyword' });
    expect(body.note).toMatch(/No semantic model is trained.*match words of the request, not its meaning/);
    expect(body.items.map((it) => it.id)).toEqual(['odyssey', 'alien']);
    expect(body.items[0]).toMatchObject({ title: '2001: A Space Odyssey', sources: ['keyword'], reasons: [{ type: 'keyword', terms: ['space'] }] });
    expect(body.items[0].explanation).toBe('Its title, description or genres mention "space".');
    expect(body).not.toHaveProperty('preparing');
  });

  it('names the job preparing the semantic model and how far it is', async () => {
    const res = await preparing.inject({ method: 'POST', url: '/v1/query', headers: auth, payload: { text: 'horror', exclude: ['odyssey'] } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      fallback: 'keyword',
      items: [{ id: 'alien' }],
      preparing: { model: 'semantic', jobId: 'j7', state: 'running', progress: { phase: 'embedding', done: 30, total: 120 } },
      note: expect.stringMatching(/being prepared \(job j7: embedding 25%\)/) as unknown,
    });
  });

  it('applies the blocklist to keyword answers too', async () => {
    expect((await plain.inject({ method: 'PUT', url: '/v1/admin/blocklist', headers: auth, payload: { attributes: { genres: ['Horror'] } } })).statusCode).toBe(200);
    const res = await plain.inject({ method: 'POST', url: '/v1/query', headers: auth, payload: { text: 'space' } });
    expect(res.json<{ items: { id: string }[] }>().items.map((it) => it.id)).toEqual(['odyssey']);
    await plain.inject({ method: 'PUT', url: '/v1/admin/blocklist', headers: auth, payload: {} });
  });
});
