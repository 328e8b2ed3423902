/**
 * The dashboard's list views over a real SQLite store, in process: natural id order (storage pages by
 * id as text), sorting by a column either way, filtering, totals and paging; item titles by id.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, openStorage } from '../index.js';
import type { Engine } from '../index.js';
import { createServer } from '../server/index.js';
import { naturalCompare, viewRows } from './list-view.js';
import { registerDashboard } from './register-dashboard.js';

const KEY = 'list-view-key';

describe('naturalCompare and viewRows', () => {
  it('orders numbers inside ids by value and is a total order', () => {
    expect(['10', '9', '100', '1', 'a2', 'a10', 'A1', 'b'].sort(naturalCompare)).toEqual(['1', '9', '10', '100', 'A1', 'a2', 'a10', 'b']);
    expect(naturalCompare('a', 'A')).not.toBe(0);
  });

  it('filters case-insensitively, sorts by a column with ties in id order, and pages', () => {
    const rows = [
      { id: '3', n: 5 },
      { id: '20', n: 1 },
      { id: '100', n: 5 },
      { id: '4x', n: 2 },
    ];
    const options = { sort: 'n' as const, order: 'desc' as const, offset: 0, limit: 10 };
    const byN = viewRows(rows, options, (r) => r.id, (r) => r.n, (r) => r.id);
    expect(byN.rows.map((r) => r.id)).toEqual(['100', '3', '4x', '20']);
    const filtered = viewRows(rows, { ...options, q: '0', sort: 'n', order: 'asc' }, (r) => r.id, (r) => r.n, (r) => r.id);
    expect(filtered).toEqual({ rows: [{ id: '20', n: 1 }, { id: '100', n: 5 }], matched: 2 });
    expect(viewRows(rows, { ...options, offset: 3 }, (r) => r.id, (r) => r.n, (r) => r.id).rows).toEqual([{ id: '20', n: 1 }]);
  });
});

describe('dashboard list routes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmrec-list-view-'));
  let engine: Engine;
  let app: FastifyInstance;

  beforeAll(async () => {
    engine = createEngine(await openStorage(`sqlite://${join(dir, 'views.db')}`));
    const ids = Array.from({ length: 25 }, (_, i) => String(i + 1));
    await engine.storage.items.upsert(ids.map((id) => ({ id, title: `Film ${String.fromCharCode(122 - Number(id))}` })));
    await engine.storage.users.upsert(ids.map((id) => ({ id })));
    await engine.storage.events.append(['7', '7', '7', '12', '12'].map((userId, i) => ({ userId, itemId: '1', type: 'view' as const, timestamp: 1_000 + i })));
    app = await createServer({ engine, apiKeys: [{ key: KEY, scope: 'read' }], register: async (a) => void (await registerDashboard(a, { engine, distDir: join(dir, 'dist'), reportsDirs: [] })) });
  });

  afterAll(async () => {
    await app?.close();
    await engine?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function get(url: string): Promise<Record<string, unknown>> {
    const res = await app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${KEY}` } });
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  }

  it('lists items in natural id order, by title either way, filtered, with totals', async () => {
    const first = await get('/v1/dashboard/items?limit=12');
    expect((first.items as { id: string }[]).map((i) => i.id)).toEqual(['1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11', '12']);
    expect(first).toMatchObject({ matched: 25, total: 25, offset: 0, truncated: false });
    const last = await get('/v1/dashboard/items?limit=12&offset=24');
    expect((last.items as { id: string }[]).map((i) => i.id)).toEqual(['25']);
    const byTitle = await get('/v1/dashboard/items?sort=title&order=desc&limit=3');
    expect((byTitle.items as { title: string }[]).map((i) => i.title)).toEqual(['Film y', 'Film x', 'Film w']);
    const filtered = await get('/v1/dashboard/items?q=FILM%20Y');
    expect(filtered).toMatchObject({ matched: 1, total: 25, items: [{ id: '1', title: 'Film y' }] });
    expect(((await get('/v1/dashboard/items?q=2')).items as { id: string }[]).map((i) => i.id)).toEqual(['2', '12', '20', '21', '22', '23', '24', '25']);
  });

  it('lists users in natural id order or by event count, with counts and totals', async () => {
    const first = await get('/v1/dashboard/users?limit=3');
    expect(first).toMatchObject({ users: [{ id: '1', events: 0 }, { id: '2', events: 0 }, { id: '3', events: 0 }], total: 25, matched: 25 });
    const busiest = await get('/v1/dashboard/users?sort=events&order=desc&limit=2');
    expect(busiest.users).toEqual([
      { id: '7', events: 3 },
      { id: '12', events: 2 },
    ]);
    expect(await get('/v1/dashboard/users?q=1&sort=id&order=desc&limit=3')).toMatchObject({ matched: 12, users: [{ id: '21' }, { id: '19' }, { id: '18' }] });
  });

  it('answers titles of known items and refuses a bad query', async () => {
    expect(await get('/v1/dashboard/titles?ids=1,2,nope')).toEqual({ titles: { '1': 'Film y', '2': 'Film x' } });
    const bad = await app.inject({ method: 'GET', url: '/v1/dashboard/items?sort=price', headers: { authorization: `Bearer ${KEY}` } });
    expect(bad.statusCode).toBe(400);
  });
});
