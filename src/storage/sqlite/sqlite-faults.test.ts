/**
 * Faults of the SQLite backend on real files: waiting for another process's write lock without
 * blocking the event loop, `health()` after failed writes, bulk writes in bounded transactions
 * (and undone when a chunk fails), and files that cannot be written opened read-only with a reason.
 * @module
 */
import { chmodSync, existsSync, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BackendError, UnsupportedError } from '../../core/errors.js';
import type { Event } from '../../core/types.js';
import { openStorage } from '../open-storage.js';
import type { Storage } from '../storage.js';
import { openSqliteDatabase } from './sqlite-driver.js';
import type { SqliteDatabase } from './sqlite-driver.js';
import { createSqliteStorage } from './sqlite-storage.js';
import type { SqliteStorageOptions } from './sqlite-storage.js';

const T0 = Date.UTC(2024, 0, 1);
// Root passes every permission check, so a file mode cannot make a file read-only for it.
const ROOT = process.getuid?.() === 0;
const ROOT_SKIP = 'running as root: file modes do not stop root from writing (covered by the readonly open below)';

function view(userId: string, itemId: string, timestamp: number, extra: Partial<Event> = {}): Event {
  return { userId, itemId, type: 'view', timestamp, ...extra };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.unreachable('expected the call to reject'),
    (error: unknown) => error,
  );
}

/** The longest gap between ticks of a 1 ms interval while `work` runs: how long the thread was blocked. */
async function longestStall(work: () => Promise<unknown>): Promise<number> {
  let last = performance.now();
  let longest = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
  }, 1);
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  return Math.max(longest, performance.now() - last);
}

describe('sqlite faults', () => {
  let dir: string;
  let path: string;
  const opened: Storage[] = [];
  const raws: SqliteDatabase[] = [];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lmrec-faults-'));
    path = join(dir, 'faults.db');
  });
  afterEach(async () => {
    for (const s of opened.splice(0)) await s.close();
    for (const r of raws.splice(0)) r.close();
    chmodSync(dir, 0o755);
    await rm(dir, { recursive: true, force: true });
  });

  function open(options: Partial<SqliteStorageOptions> = {}): Storage {
    const storage = createSqliteStorage({ path, ...options });
    opened.push(storage);
    return storage;
  }

  function raw(): SqliteDatabase {
    const db = openSqliteDatabase(path);
    raws.push(db);
    return db;
  }

  it('waits for another connection\'s write lock without blocking the event loop, then writes', async () => {
    const storage = open({ busyTimeoutMs: 5_000 });
    const other = raw();
    other.exec('BEGIN IMMEDIATE');
    setTimeout(() => other.exec('COMMIT'), 400);
    const started = performance.now();
    const stall = await longestStall(() => storage.items.upsert([{ id: 'a', title: 'A' }]));
    expect(performance.now() - started).toBeGreaterThanOrEqual(350);
    // The old synchronous busy_timeout blocked for the whole 400 ms.
    expect(stall).toBeLessThan(100);
    expect(await storage.items.count()).toBe(1);
    expect(storage.health()).toEqual({ writes: 'ok', failedWrites: 0 });
  });

  it('reports failing writes in health() until a write succeeds again, keeping the last error', async () => {
    const storage = open({ busyTimeoutMs: 30 });
    const other = raw();
    other.exec('BEGIN IMMEDIATE');
    const error = await rejection(storage.events.append([view('u', 'i', T0)]));
    expect(error).toBeInstanceOf(BackendError);
    expect((error as Error).message).toMatch(/locked by another writer/);
    expect(storage.health()).toMatchObject({ writes: 'failing', failedWrites: 1, lastWriteError: { operation: 'events.append' } });
    other.exec('ROLLBACK');
    await storage.events.append([view('u', 'i', T0)]);
    expect(storage.health()).toMatchObject({ writes: 'ok', failedWrites: 1, lastWriteError: { operation: 'events.append' } });
  });

  it('writes a bulk write in bounded transactions and records the import once, in the last', async () => {
    const storage = open();
    const events = Array.from({ length: 35 }, (_, i) => view(`u${i % 4}`, 'i', T0 + i));
    const written = await storage.bulkWrite(
      { items: [{ id: 'i', title: 'I' }], users: [{ id: 'u0' }], events, importMark: { hash: 'h1', source: 'x.csv', format: 'csv' } },
      { transactionRows: 10 },
    );
    expect(written).toEqual({ items: 1, users: 1, events: 35 });
    expect(await storage.events.count()).toBe(35);
    expect(await storage.imports.list()).toMatchObject([{ hash: 'h1', items: 1, users: 1, events: 35 }]);
    // The same content again is refused before anything is written.
    const again = await rejection(storage.bulkWrite({ events, importMark: { hash: 'h1', source: 'x.csv', format: 'csv' } }, { transactionRows: 10 }));
    expect((again as Error).message).toMatch(/already imported/);
    expect(await storage.events.count()).toBe(35);
  });

  it('lets another connection write between the chunks of a bulk write', async () => {
    const storage = open();
    const other = open();
    const events = Array.from({ length: 2_000 }, (_, i) => view('u', 'i', T0 + i));
    const bulk = storage.bulkWrite({ events }, { transactionRows: 100 });
    // Started while the bulk write runs, answered before it ends.
    await new Promise((resolve) => setTimeout(resolve, 5));
    let otherDone = -1;
    const single = other.events.append([view('v', 'i', T0)]).then(async () => {
      otherDone = await storage.events.count();
    });
    await Promise.all([bulk, single]);
    expect(otherDone).toBeGreaterThan(0);
    expect(otherDone).toBeLessThan(2_001);
    expect(await storage.events.count()).toBe(2_001);
  });

  it('deletes the events of earlier chunks again when a later chunk fails, and logs no import', async () => {
    const storage = open();
    await storage.events.append([view('old', 'old', T0)]);
    await storage.snapshots.put('live-signals', {}, new Uint8Array([1]));
    // A trigger stands in for a driver failure (disk full, I/O error) in the third chunk.
    raw().exec(`CREATE TRIGGER refuse_boom BEFORE INSERT ON events WHEN NEW.text = 'boom'
      BEGIN SELECT RAISE(ABORT, 'boom refused'); END`);
    const events = Array.from({ length: 30 }, (_, i) => view('u', 'i', T0 + i, i === 25 ? { text: 'boom' } : {}));
    const error = await rejection(
      storage.bulkWrite({ users: [{ id: 'u' }], events, importMark: { hash: 'h2', source: 'y.csv', format: 'csv' } }, { transactionRows: 10 }),
    );
    expect(error).toBeInstanceOf(BackendError);
    expect((error as Error).message).toMatch(/boom refused.*the 20 events written before it were deleted again; 0 item and 1 user upserts stay/);
    expect(await storage.events.count()).toBe(1);
    expect(await storage.imports.list()).toEqual([]);
    // Derived state may have counted the events taken back: snapshots go with them.
    expect(await storage.snapshots.get('live-signals')).toBeUndefined();
  });

  it('opens a database asked read-only with ?readonly=true: reads served, writes refused, health says so', async () => {
    const writer = open();
    await writer.items.upsert([{ id: 'a', title: 'A' }]);
    const storage = await openStorage(`sqlite://${path}?readonly=true`);
    opened.push(storage);
    expect(await storage.items.get('a')).toMatchObject({ id: 'a' });
    const error = await rejection(storage.impressions.record({ id: 'x', userId: 'u', modelVersion: 'm', variant: 'v', itemIds: ['a'], createdAt: T0 }));
    expect(error).toBeInstanceOf(UnsupportedError);
    expect((error as Error).message).toMatch(/read-only/);
    expect(storage.health()).toMatchObject({ writes: 'read-only', readOnlyReason: 'opened read-only as asked', failedWrites: 0 });
  });

  it.skipIf(ROOT)(`opens a file of mode 0444 read-only with the reason (${ROOT_SKIP})`, async () => {
    const writer = open();
    await writer.items.upsert([{ id: 'a', title: 'A' }]);
    await writer.close();
    chmodSync(path, 0o444);
    const storage = open();
    expect(await storage.items.get('a')).toMatchObject({ id: 'a' });
    expect(storage.health()).toMatchObject({ writes: 'read-only', readOnlyReason: expect.stringMatching(/faults\.db is not writable \(EACCES\)/) as unknown });
    expect(await rejection(storage.items.upsert([{ id: 'b', title: 'B' }]))).toBeInstanceOf(UnsupportedError);
  });

  it.skipIf(ROOT)(`opens a database whose directory cannot hold its -wal/-shm files read-only (${ROOT_SKIP})`, async () => {
    const writer = open();
    await writer.items.upsert([{ id: 'a', title: 'A' }]);
    await writer.close();
    // Everything into the main file, then no -wal/-shm beside it: SQLite would have to create them.
    const db = openSqliteDatabase(path);
    db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
    db.close();
    for (const side of [`${path}-wal`, `${path}-shm`]) rmSync(side, { force: true });
    expect(existsSync(`${path}-wal`)).toBe(false);
    chmodSync(dir, 0o555);
    const storage = open();
    expect(await storage.items.get('a')).toMatchObject({ id: 'a' });
    expect(storage.health().readOnlyReason).toMatch(/cannot create faults\.db-wal/);
  });
});
