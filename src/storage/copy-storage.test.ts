/**
 * `copyStorage` round trip SQLite -> PostgreSQL -> SQLite on real databases: everything the first
 * holds (identities, logs, counters, model chunks) comes back equal, the copies keep handing out
 * numbers after the source's, and a non-empty target is refused unless appending.
 * @module
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConflictError } from '../core/errors.js';
import { copyStorage } from './copy-storage.js';
import { openStorage } from './open-storage.js';
import { postgresForTests } from './postgres/postgres-test-server.js';
import type { Storage } from './storage.js';

const available = await postgresForTests();
const server = available.server;
const dir = await mkdtemp(join(tmpdir(), 'lmrec-copy-'));
const opened: Storage[] = [];
afterAll(async () => {
  for (const s of opened) await s.close();
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

const T0 = Date.UTC(2024, 0, 1);

async function open(url: string): Promise<Storage> {
  const storage = await openStorage(url, { modelChunkBytes: 4096 });
  opened.push(storage);
  return storage;
}

/** A storage with some of everything, including deleted rows that leave gaps and raised counters. */
async function fill(storage: Storage): Promise<void> {
  await storage.bulkWrite(
    {
      items: [
        { id: 'm1', title: 'Heat', text: 'A heist — Los Angeles', attributes: { genres: ['Crime'], year: 1995 }, createdAt: T0 },
        { id: 'm2', title: 'Amélie', available: false },
        { id: 'm3', title: 'Ran' },
      ],
      users: [{ id: 'alice', attributes: { city: 'Köln' } }, { id: 'bob' }, { id: 'carol' }],
      events: [
        { userId: 'alice', itemId: 'm1', type: 'rating', value: 4.5, timestamp: T0 + 1 },
        { userId: 'bob', itemId: 'm2', type: 'view', timestamp: T0 + 2, context: { device: 'tv' } },
        { userId: 'carol', itemId: 'm3', type: 'view', timestamp: T0 - 86_400_000 },
        { userId: 'alice', type: 'search', text: 'heist films', timestamp: T0 + 3 },
        { userId: 'dave', itemId: 'm1', type: 'purchase', value: 12.5, timestamp: T0 + 4 },
      ],
      importMark: { hash: 'h-1', source: 'seed.csv', format: 'csv' },
    },
    {},
  );
  await storage.users.delete('dave'); // an erasure, and the newest seq gone
  await storage.events.deleteBefore(T0); // carol's old view: a gap
  await storage.models.save('ease', { params: { lambda: 100 } }, bytes(10_000, 1));
  await storage.models.save('ease', { params: { lambda: 200 } }, bytes(20_000, 2));
  await storage.models.save('ease', {}, bytes(10, 3));
  await storage.models.delete('ease', 3); // its number must not come back
  await storage.models.activate('ease', 1);
  await storage.models.save('popularity', {}, new Uint8Array(0));
  await storage.embeddings.put('use-lite', [
    { hash: 'a', vector: Float32Array.from([0.5, -1, 2]) },
    { hash: 'b', vector: Float32Array.from([1, 2, 3]) },
  ]);
  await storage.embeddings.put('other', [{ hash: 'a', vector: Float32Array.from([9]) }]);
  await storage.impressions.record({ id: 'imp-1', userId: 'alice', modelVersion: 'ease@1', variant: 'A', itemIds: ['m2', 'm3'], createdAt: T0 + 10 });
  await storage.impressions.record({ id: 'imp-2', userId: 'bob', modelVersion: 'ease@2', variant: 'B', itemIds: ['m1'], createdAt: T0 + 11 });
  await storage.impressions.click('imp-1', 'm3', T0 + 12);
  await storage.settings.put('blocklist', { items: ['m9'] });
  await storage.settings.put('blocklist', { items: ['m9', 'm8'] });
  await storage.generatedTexts.put([{ itemId: 'm3', text: 'A war epic.', model: 'test-model', promptVersion: 'enrich-v1', createdAt: T0 }]);
}

function bytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (i * 31 + seed * 17) & 0xff;
  return out;
}

async function all<T>(pages: AsyncIterable<T[]>): Promise<T[]> {
  const out: T[] = [];
  for await (const page of pages) out.push(...page);
  return out;
}

/** Everything a storage holds, in comparable form (payloads as SHA-256). */
async function snapshot(storage: Storage): Promise<unknown> {
  const models: unknown[] = [];
  for (const name of await storage.models.names()) {
    for (const info of await storage.models.versions(name)) {
      const record = await storage.models.load(name, info.version);
      models.push({ ...info, sha: createHash('sha256').update(record!.payload).digest('hex'), length: record!.payload.length });
    }
  }
  return {
    items: await all(storage.items.scan()),
    users: await storage.users.list({ limit: 1000 }),
    events: await all(storage.events.scan()),
    lastSeq: await storage.events.lastSeq(),
    impressions: await all(storage.transfer.impressions()),
    stats: await storage.impressions.stats(),
    embeddings: (await all(storage.transfer.embeddings())).map((e) => ({ ...e, vector: Array.from(e.vector) })),
    models,
    heads: await storage.models.heads(),
    activations: await storage.transfer.activations(),
    settings: await storage.transfer.settings(),
    erasures: await storage.erasures.list(),
    imports: await storage.imports.list(),
    counters: await storage.transfer.counters(),
    generated: await storage.generatedTexts.list(),
  };
}

describe.skipIf(server === undefined)(`copyStorage between backends${server === undefined ? ` (${available.reason})` : ''}`, () => {
  it('SQLite -> PostgreSQL -> SQLite keeps everything, identities and counters included', async () => {
    const first = await open(`sqlite://${join(dir, 'first.db')}`);
    await fill(first);
    const pgUrl = server!.freshSchemaUrl(await server!.createDatabase());
    const middle = await open(pgUrl);
    const phases = new Set<string>();
    const there = await copyStorage(first, middle, { transactionRows: 2, onProgress: (phase) => phases.add(phase) });
    expect(there).toEqual({ items: 3, users: 3, events: 3, impressions: 2, clicks: 1, models: 3, modelBytes: 30_000, embeddings: 3, generatedTexts: 1, erasures: 1, imports: 1, settings: 1, activations: 1 });
    expect([...phases]).toEqual(['items', 'users', 'events', 'impressions', 'embeddings', 'models', 'logs and settings']);
    const last = await open(`sqlite://${join(dir, 'last.db')}`);
    await copyStorage(middle, last, { transactionRows: 1000 });

    const original = await snapshot(first);
    expect(await snapshot(middle)).toEqual(original);
    expect(await snapshot(last)).toEqual(original);
    expect(original).toMatchObject({ lastSeq: 5, counters: { lastSeq: 5, lastErasureId: 1, lastImportId: 1, modelVersions: [{ name: 'ease', lastVersion: 3 }, { name: 'popularity', lastVersion: 1 }] } });

    // The copies go on numbering after the source: no seq or version the source used comes back.
    for (const copy of [middle, last]) {
      expect(await copy.events.append([{ userId: 'erin', itemId: 'm1', type: 'view', timestamp: T0 }])).toEqual([6]);
      expect((await copy.models.save('ease', {}, new Uint8Array([1]))).version).toBe(4);
      await copy.users.delete('bob');
      expect((await copy.erasures.list()).map((e) => e.id)).toEqual([1, 2]);
      expect((await copy.settings.put('blocklist', { items: [] })).version).toBe(3);
    }
  });

  it('refuses a non-empty target naming what it holds; append copies into it, refusing a taken identity', async () => {
    const source = await open(`sqlite://${join(dir, 'source.db')}`);
    await source.items.upsert([{ id: 'x', title: 'X' }]);
    await source.events.append([{ userId: 'u', itemId: 'x', type: 'view', timestamp: T0 }]);
    const target = await open(server!.freshSchemaUrl(await server!.createDatabase()));
    await target.items.upsert([{ id: 'y', title: 'Y' }]);
    const refused = await copyStorage(source, target).then(
      () => expect.unreachable('expected a refusal'),
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(ConflictError);
    expect((refused as ConflictError).details).toMatchObject({ reason: 'target_not_empty', holds: ['items'] });
    expect(await target.events.count()).toBe(0);

    expect(await copyStorage(source, target, { append: true })).toMatchObject({ items: 1, events: 1 });
    expect((await target.items.list()).map((i) => i.id)).toEqual(['x', 'y']);
    // Again: the event's seq is taken now.
    await expect(copyStorage(source, target, { append: true })).rejects.toBeInstanceOf(ConflictError);
    expect(await target.events.count()).toBe(1);
  });
});
