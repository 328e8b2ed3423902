/** Events naming items the catalogue lacks, over HTTP (in process, real SQLite file): refused by default, stored with `unknownItems: 'accept'`. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, openStorage } from '../index.js';
import type { Engine } from '../index.js';
import { createServer } from './server.js';

const auth = { authorization: 'Bearer unknown-items-key' };

describe('POST /v1/events with items the catalogue lacks', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmrec-unknown-items-'));
  let engine: Engine;
  let strict: FastifyInstance;
  let lenient: FastifyInstance;

  beforeAll(async () => {
    engine = createEngine(await openStorage(`sqlite://${join(dir, 'events.db')}`));
    await engine.storage.items.upsert([
      { id: 'known', title: 'Known' },
      { id: 'also-known', title: 'Also known' },
    ]);
    const apiKeys = [{ key: 'unknown-items-key', scope: 'write' as const }];
    strict = await createServer({ engine, apiKeys });
    lenient = await createServer({ engine, apiKeys, unknownItems: 'accept' });
  });

  afterAll(async () => {
    await strict?.close();
    await lenient?.close();
    await engine?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses one event naming an unknown item with 400 naming the field and the item', async () => {
    const res = await strict.inject({ method: 'POST', url: '/v1/events', headers: auth, payload: { userId: 'u1', itemId: 'ghost-item', type: 'view' } });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({
      error: { code: 'validation_failed', message: expect.stringMatching(/^body\/itemId: unknown item "ghost-item": not in the catalogue/), details: { field: 'body/itemId', itemId: 'ghost-item' } },
    });
    expect(await engine.storage.events.count()).toBe(0);
  });

  it('refuses a whole batch naming the first unknown event, storing none of it', async () => {
    const events = [
      { userId: 'u1', itemId: 'known', type: 'view' },
      { userId: 'u1', type: 'search', text: 'shoes' },
      { userId: 'u2', itemId: 'nope', type: 'like' },
      { userId: 'u2', itemId: 'nope-2', type: 'like' },
    ];
    for (const url of ['/v1/events', '/v1/events/batch']) {
      const res = await strict.inject({ method: 'POST', url, headers: auth, payload: { events } });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ error: { details: { field: 'body/events/2/itemId', index: 2, itemId: 'nope', unknownItems: 2 } } });
    }
    expect(await engine.storage.events.count()).toBe(0);
    const ok = await strict.inject({ method: 'POST', url: '/v1/events/batch', headers: auth, payload: { events: events.slice(0, 2) } });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ accepted: 2 });
  });

  it('stores them with unknownItems accept', async () => {
    const res = await lenient.inject({ method: 'POST', url: '/v1/events', headers: auth, payload: { userId: 'u3', itemId: 'not-yet-in-catalogue', type: 'view' } });
    expect(res.statusCode).toBe(200);
    expect((await engine.storage.events.forUser('u3')).map((e) => e.itemId)).toEqual(['not-yet-in-catalogue']);
  });
});
