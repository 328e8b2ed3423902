/**
 * The SQLite backend against the storage contract (on a temporary file and in memory), plus what
 * only SQLite has: WAL, the migrations table, read-only opens, lock timeouts, driver-error rollback,
 * and the URL forms `openStorage` accepts.
 * @module
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AbortError, BackendError, UnsupportedError, ValidationError } from '../../core/errors.js';
import type { Event } from '../../core/types.js';
import { openStorage, parseStorageUrl } from '../open-storage.js';
import { runStorageContract } from '../storage.contract.js';
import type { Storage } from '../storage.js';
import { redactUrl } from '../storage-url.js';
import { openSqliteDatabase } from './sqlite-driver.js';
import type { SqliteDatabase } from './sqlite-driver.js';
import { SQLITE_MIGRATIONS, SQLITE_SCHEMA_VERSION } from './sqlite-schema.js';
import { testBackendEnabled } from '../test-backends.js';
import { createSqliteStorage } from './sqlite-storage.js';

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'lmrec-sqlite-'));
}

// Model payloads in 1 KiB chunks, so the contract's payloads span many without writing gigabytes.
const CHUNK = 1024;

// LMREC_TEST_BACKENDS=postgres leaves the SQLite contract runs out (for local runs).
if (testBackendEnabled('sqlite')) runStorageContract('sqlite file', async () => {
  const dir = await tempDir();
  const path = join(dir, 'contract.db');
  return {
    storage: createSqliteStorage({ path, modelChunkBytes: CHUNK }),
    reopen: async () => createSqliteStorage({ path, modelChunkBytes: CHUNK }),
    cleanup: () => rm(dir, { recursive: true, force: true }),
    modelChunkBytes: CHUNK,
  };
});

if (testBackendEnabled('sqlite')) runStorageContract('sqlite :memory:', async () => ({ storage: await openStorage('sqlite::memory:', { modelChunkBytes: CHUNK }), modelChunkBytes: CHUNK }));

const T0 = Date.UTC(2024, 0, 1);

function view(userId: string, itemId: string, timestamp: number, extra: Partial<Event> = {}): Event {
  return { userId, itemId, type: 'view', timestamp, ...extra };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.unreachable('expected the call to reject'),
    (error: unknown) => error,
  );
}

function pragma(db: SqliteDatabase, name: string): unknown {
  const row = db.prepare(`PRAGMA ${name}`).get([]) as Record<string, unknown>;
  return row[name];
}

describe('sqlite storage specifics', () => {
  let dir: string;
  let path: string;
  const toClose: { close(): unknown }[] = [];

  beforeEach(async () => {
    dir = await tempDir();
    path = join(dir, 'engine.db');
  });

  afterEach(async () => {
    for (const each of toClose.splice(0).reverse()) await each.close();
    await rm(dir, { recursive: true, force: true });
  });

  function open(options: Partial<Parameters<typeof createSqliteStorage>[0]> = {}): Storage {
    const storage = createSqliteStorage({ path, ...options });
    toClose.push(storage);
    return storage;
  }

  function raw(): SqliteDatabase {
    const db = openSqliteDatabase(path);
    toClose.push(db);
    return db;
  }

  it('creates the file in WAL mode with the schema recorded once', async () => {
    const storage = open();
    expect(existsSync(path)).toBe(true);
    expect(storage.url).toBe(`sqlite://${path}`);
    expect(storage.capabilities.concurrentWriters).toBe(false);
    await storage.close();
    open();
    const db = raw();
    expect(pragma(db, 'journal_mode')).toBe('wal');
    const rows = db.prepare('SELECT version FROM schema_migrations ORDER BY version').all([]) as { version: number }[];
    expect(rows.map((row) => row.version)).toEqual(SQLITE_MIGRATIONS.map((m) => m.version));
    expect(rows.at(-1)?.version).toBe(SQLITE_SCHEMA_VERSION);
  });

  it('upgrades a version-3 file: deleted versions are not renumbered, the erasure log starts empty', async () => {
    const before = open();
    await before.models.save('als', {}, new Uint8Array([1]));
    await before.models.save('als', {}, new Uint8Array([2]));
    await before.close();
    // Back to what a build before migration 4 wrote.
    const db = raw();
    db.exec('DROP TABLE erasures; DROP TABLE model_counters; DELETE FROM schema_migrations WHERE version >= 4');
    const upgraded = open();
    expect(await upgraded.erasures.list()).toEqual([]);
    expect(await upgraded.models.delete('als', 2)).toBe(true);
    expect((await upgraded.models.save('als', {}, new Uint8Array([3]))).version).toBe(3);
  });

  it('stores a payload as chunks of modelChunkBytes, deleted with their version', async () => {
    const storage = open({ modelChunkBytes: 1000 });
    const payload = Uint8Array.from({ length: 2500 }, (_, i) => (i * 7) & 255);
    await storage.models.save('als', {}, payload);
    const db = raw();
    const rows = db.prepare('SELECT idx, length(data) AS n FROM model_chunks WHERE name = ? AND version = ? ORDER BY idx').all(['als', 1]) as { idx: number; n: number }[];
    expect(rows.map((row) => [row.idx, row.n])).toEqual([[0, 1000], [1, 1000], [2, 500]]);
    expect((db.prepare('SELECT length(payload) AS n FROM models WHERE name = ?').get(['als']) as { n: number }).n).toBe(0);
    expect(await storage.models.delete('als', 1)).toBe(true);
    expect((db.prepare('SELECT COUNT(*) AS n FROM model_chunks').get([]) as { n: number }).n).toBe(0);
  });

  it('upgrades a version-5 file: payloads stored whole in their row still load (also read-only), new ones are chunked', async () => {
    await open().close();
    // What a build before migration 6 wrote: no model_chunks, the payload in the version's row.
    const db = raw();
    db.exec('DROP TABLE model_chunks; DELETE FROM schema_migrations WHERE version >= 6');
    const whole = Uint8Array.from({ length: 5000 }, (_, i) => (i * 31) & 255);
    db.prepare('INSERT INTO models (name, version, created_at, meta, payload) VALUES (?, ?, ?, ?, ?)').run(['als', 1, T0, '{"k":1}', whole]);
    db.prepare('INSERT INTO model_counters (name, last_version) VALUES (?, ?)').run(['als', 1]);
    const collect = async (chunks: AsyncIterable<Uint8Array>): Promise<Buffer> => {
      const parts: Uint8Array[] = [];
      for await (const part of chunks) parts.push(part);
      return Buffer.concat(parts);
    };

    const readonly = open({ readonly: true });
    expect(Buffer.compare((await readonly.models.load('als', 1))!.payload, whole)).toBe(0);
    expect(Buffer.compare(await collect((await readonly.models.loadChunks('als', 1))!.chunks), whole)).toBe(0);
    await readonly.close();

    const upgraded = open({ modelChunkBytes: 1024 });
    expect(await upgraded.models.load('als', 1)).toMatchObject({ version: 1, createdAt: T0, meta: { k: 1 } });
    expect(Buffer.compare((await upgraded.models.load('als', 1))!.payload, whole)).toBe(0);
    const chunked = await upgraded.models.loadChunks('als', 1);
    expect(chunked?.byteLength).toBe(5000);
    expect(Buffer.compare(await collect(chunked!.chunks), whole)).toBe(0);
    const next = Uint8Array.from({ length: 3000 }, (_, i) => i & 255);
    expect((await upgraded.models.save('als', {}, next)).version).toBe(2);
    expect(Buffer.compare((await upgraded.models.load('als'))!.payload, next)).toBe(0);
    const count = (version: number): number => (db.prepare('SELECT COUNT(*) AS n FROM model_chunks WHERE version = ?').get([version]) as { n: number }).n;
    expect([count(1), count(2)]).toEqual([0, 3]);
    expect(await upgraded.models.delete('als', 1)).toBe(true);
    expect(await upgraded.models.load('als', 1)).toBeUndefined();
  });

  it('checks modelChunkBytes before opening the file', () => {
    expect(() => createSqliteStorage({ path, modelChunkBytes: 0 })).toThrow(ValidationError);
    expect(() => createSqliteStorage({ path, modelChunkBytes: 2 ** 30 })).toThrow(ValidationError);
    expect(existsSync(path)).toBe(false);
  });

  it('refuses a file whose schema is newer than this build', async () => {
    await open().close();
    raw().prepare('INSERT INTO schema_migrations (version, description, applied_at) VALUES (?, ?, ?)').run([999, 'future', 0]);
    expect(() => createSqliteStorage({ path })).toThrow(/newer than this build/);
    expect(() => createSqliteStorage({ path, readonly: true })).toThrow(BackendError);
  });

  it('fails to open with BackendError when the directory does not exist', () => {
    expect(() => createSqliteStorage({ path: join(dir, 'missing', 'x.db') })).toThrow(BackendError);
  });

  it('returns plain domain objects without driver metadata', async () => {
    const storage = open();
    await storage.items.upsert([{ id: 'a', title: 'A' }]);
    await storage.events.append([view('u', 'a', T0)]);
    const [event] = await storage.events.forUser('u');
    expect(Object.keys((await storage.items.get('a'))!).sort()).toEqual(['available', 'id', 'title']);
    expect(Object.keys(event).sort()).toEqual(['itemId', 'seq', 'timestamp', 'type', 'userId']);
  });

  it('rolls back a bulk write when the database rejects a row mid-transaction', async () => {
    const storage = open();
    await storage.bulkWrite({ items: [{ id: 'old', title: 'Old' }], events: [view('old', 'old', T0)] });
    // A trigger stands in for any driver-level failure (constraint, disk full) after rows were written.
    raw().exec(`CREATE TRIGGER refuse_boom BEFORE INSERT ON events WHEN NEW.text = 'boom'
      BEGIN SELECT RAISE(ABORT, 'boom refused'); END`);
    const error = await rejection(
      storage.bulkWrite({
        items: [{ id: 'new', title: 'New' }],
        users: [{ id: 'nu' }],
        events: [view('nu', 'new', T0), view('nu', 'new', T0 + 1, { text: 'boom' })],
      }),
    );
    expect(error).toBeInstanceOf(BackendError);
    expect((error as BackendError).cause).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/boom refused/);
    expect(await storage.items.count()).toBe(1);
    expect(await storage.users.count()).toBe(0);
    expect(await storage.events.count()).toBe(1);
    expect(await rejection(storage.events.append([view('x', 'x', T0), view('x', 'x', T0, { text: 'boom' })]))).toBeInstanceOf(
      BackendError,
    );
    expect(await storage.events.count()).toBe(1);
    // The connection is usable afterwards: the failed transaction did not linger.
    expect(await storage.events.append([view('x', 'x', T0)])).toHaveLength(1);
  });

  it('wraps a lock timeout in BackendError when another connection holds the write lock', async () => {
    const storage = open({ busyTimeoutMs: 20 });
    const other = raw();
    other.exec('BEGIN IMMEDIATE');
    try {
      const error = await rejection(storage.items.upsert([{ id: 'a', title: 'A' }]));
      expect(error).toBeInstanceOf(BackendError);
      expect((error as BackendError).details).toMatchObject({ reason: 'busy' });
      // Readers are not blocked by the writer under WAL.
      expect(await storage.items.count()).toBe(0);
    } finally {
      other.exec('ROLLBACK');
    }
    expect(await storage.items.upsert([{ id: 'a', title: 'A' }])).toBe(1);
  });

  it('sees writes made through another storage on the same file', async () => {
    const writer = open();
    const reader = open();
    await writer.events.append([view('u', 'i', T0)]);
    expect(await reader.events.count()).toBe(1);
    const seqs = await reader.events.append([view('u', 'j', T0 + 1)]);
    expect(await writer.events.lastSeq()).toBe(seqs[0]);
  });

  it('opens read-only: reads work, writes reject, nothing is created', async () => {
    const writable = open();
    await writable.items.upsert([{ id: 'a', title: 'A' }]);
    await writable.close();
    const readonly = open({ readonly: true });
    expect(await readonly.items.get('a')).toEqual({ id: 'a', title: 'A', available: true });
    expect(await rejection(readonly.items.upsert([{ id: 'b', title: 'B' }]))).toBeInstanceOf(UnsupportedError);
    expect(await rejection(readonly.users.delete('a'))).toBeInstanceOf(UnsupportedError);
    expect(await rejection(readonly.models.save('m', {}, new Uint8Array(1)))).toBeInstanceOf(UnsupportedError);
    expect(await rejection(readonly.models.delete('m', 1))).toBeInstanceOf(UnsupportedError);
    expect(await readonly.erasures.list()).toEqual([]);
    expect(await readonly.items.count()).toBe(1);

    const missing = join(dir, 'missing.db');
    expect(() => createSqliteStorage({ path: missing, readonly: true })).toThrow(BackendError);
    expect(existsSync(missing)).toBe(false);
    expect(() => createSqliteStorage({ path: ':memory:', readonly: true })).toThrow(ValidationError);
  });

  it('appends 100 000 events in one call quickly', async () => {
    const storage = open();
    const batch = Array.from({ length: 100_000 }, (_, i) =>
      view(`u${i % 1000}`, `i${i % 5000}`, T0 + i, i % 10 === 0 ? { context: { device: 'web' } } : {}),
    );
    const started = performance.now();
    const seqs = await storage.events.append(batch);
    const elapsed = performance.now() - started;
    expect(seqs).toHaveLength(100_000);
    expect(await storage.events.count()).toBe(100_000);
    // Typically well under a second; the bound only catches a per-row transaction or similar regression.
    expect(elapsed).toBeLessThan(5_000);
  });
});

describe('openStorage and storage URLs', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await tempDir();
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it.each([
    ['sqlite:///var/data/lmrec.db', '/var/data/lmrec.db', false],
    ['sqlite://data/lmrec.db', '/srv/app/data/lmrec.db', false],
    ['sqlite:data/lmrec.db', '/srv/app/data/lmrec.db', false],
    ['sqlite://./lmrec.db', '/srv/app/lmrec.db', false],
    ['sqlite://../shared/lmrec.db', '/srv/shared/lmrec.db', false],
    ['sqlite:///tmp/my%20data.db', '/tmp/my data.db', false],
    ['SQLite:///var/x.db', '/var/x.db', false],
    ['sqlite:///var/x.db?readonly=true', '/var/x.db', true],
    ['sqlite://x.db?readonly=0', '/srv/app/x.db', false],
    ['sqlite::memory:', ':memory:', false],
    ['sqlite://:memory:', ':memory:', false],
  ])('parses %s', (url, path, readonly) => {
    expect(parseStorageUrl(url, { cwd: '/srv/app' })).toEqual({ backend: 'sqlite', path, readonly });
  });

  it('resolves relative paths against the working directory by default', () => {
    expect(parseStorageUrl('sqlite://rel/x.db')).toEqual({ backend: 'sqlite', path: resolve('rel/x.db'), readonly: false });
  });

  it.each([
    ['', /non-empty/],
    ['./data.db', /no scheme.*sqlite:/],
    ['sqlite://', /names no database file/],
    ['sqlite:///x.db?mode=ro', /unknown parameter "mode"/],
    ['sqlite:///x.db?readonly=yes', /readonly must be/],
    ['sqlite:///bad%zz.db', /percent-encoded/],
    ['mysql://user:hunter2@db/rec', /"mysql:".*sqlite:, postgres:, postgresql:/],
  ])('rejects %j with ValidationError', (url, pattern) => {
    let error: unknown;
    try {
      parseStorageUrl(url);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toMatch(pattern);
    expect((error as Error).message).not.toContain('hunter2');
  });

  it.each(['postgres://app:s3cret@127.0.0.1:1/rec', 'postgresql://app:s3cret@127.0.0.1:1/rec?sslmode=disable'])(
    'parses %s as PostgreSQL and, with no server there, fails with BackendError without the password',
    async (url) => {
      expect(parseStorageUrl(url)).toEqual({ backend: 'postgres', url: url.replace('s3cret', '***') });
      const error = await rejection(openStorage(url));
      expect(error).toBeInstanceOf(BackendError);
      expect((error as Error).message).toMatch(/cannot open postgres storage/);
      expect((error as Error).message).not.toContain('s3cret');
      expect(JSON.stringify((error as BackendError).details)).not.toContain('s3cret');
    },
  );

  it('creates parent directories, resolves against cwd and reports the URL it was given', async () => {
    const storage = await openStorage('sqlite://nested/deeper/engine.db', { cwd: dir });
    try {
      expect(existsSync(join(dir, 'nested', 'deeper', 'engine.db'))).toBe(true);
      expect(storage.url).toBe('sqlite://nested/deeper/engine.db');
      await storage.items.upsert([{ id: 'a', title: 'A' }]);
    } finally {
      await storage.close();
    }
    const again = await openStorage(`sqlite://${join(dir, 'nested', 'deeper', 'engine.db')}?readonly=true`);
    try {
      expect(await again.items.count()).toBe(1);
      expect(await rejection(again.items.delete('a'))).toBeInstanceOf(UnsupportedError);
    } finally {
      await again.close();
    }
  });

  it('rejects with AbortError when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    expect(await rejection(openStorage('sqlite::memory:', { signal: controller.signal }))).toBeInstanceOf(AbortError);
  });

  it('redacts passwords in URLs', () => {
    expect(redactUrl('postgres://app:s3cret@db:5432/rec')).toBe('postgres://app:***@db:5432/rec');
    expect(redactUrl('postgres://app:p%40ss@db/rec?sslmode=require')).toBe('postgres://app:***@db/rec?sslmode=require');
    expect(redactUrl('postgres://db/rec?user=app&password=s3cret&sslmode=require')).toBe(
      'postgres://db/rec?user=app&password=***&sslmode=require',
    );
    expect(redactUrl('postgres://app@db/rec')).toBe('postgres://app@db/rec');
    expect(redactUrl('sqlite:///var/data/lmrec.db')).toBe('sqlite:///var/data/lmrec.db');
  });
});
