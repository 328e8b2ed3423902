/**
 * The PostgreSQL backend against the storage contract on a real server (started by the test, see
 * `postgres-test-server.ts`), plus what only it has: concurrent migrations, statement timeouts,
 * cancelled statements, dropped connections, commit order of event seqs, large chunked payloads
 * and its URL parameters.
 * @module
 */
import { threadId } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { AbortError, BackendError, ConflictError, ValidationError } from '../../core/errors.js';
import type { Event } from '../../core/types.js';
import { OFF_THREAD_CHUNK_BYTES } from '../chunk-thread.js';
import { openStorage } from '../open-storage.js';
import { runStorageContract } from '../storage.contract.js';
import type { Storage } from '../storage.js';
import { createPgClient } from './pg-driver.js';
import type { PgStandaloneClient } from './pg-driver.js';
import { createPostgresChunkReader } from './postgres-chunk-reader.js';
import { POSTGRES_SCHEMA_VERSION } from './postgres-schema.js';
import { createPostgresStorage } from './postgres-storage.js';
import { postgresForTests } from './postgres-test-server.js';
import { parsePostgresUrl } from './postgres-url.js';

const available = await postgresForTests();
const server = available.server;
afterAll(async () => server?.stop());

// Model payloads in 1 KiB chunks, so the contract's payloads span many without writing gigabytes.
const CHUNK = 1024;
const T0 = Date.UTC(2024, 0, 1);

function view(userId: string, itemId: string, timestamp: number): Event {
  return { userId, itemId, type: 'view', timestamp };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.unreachable('expected the call to reject'),
    (error: unknown) => error,
  );
}

if (server === undefined) {
  describe.skip(`postgres storage (${available.reason})`, () => {
    it('needs a server', () => undefined);
  });
} else {
  const database = await server.createDatabase();

  runStorageContract('postgres', async () => {
    const url = server.freshSchemaUrl(database);
    return {
      storage: await createPostgresStorage({ url, modelChunkBytes: CHUNK, poolSize: 4 }),
      reopen: () => createPostgresStorage({ url, modelChunkBytes: CHUNK, poolSize: 4 }),
      modelChunkBytes: CHUNK,
    };
  });

  describe('postgres storage specifics', () => {
    const opened: Storage[] = [];
    const clients: PgStandaloneClient[] = [];
    afterAll(async () => {
      for (const s of opened) await s.close();
      for (const c of clients) await c.end().catch(() => undefined);
    });

    async function open(url: string, options: Partial<Parameters<typeof createPostgresStorage>[0]> = {}): Promise<Storage> {
      const storage = await createPostgresStorage({ url, ...options });
      opened.push(storage);
      return storage;
    }

    /** A raw connection to hold locks with, as another process would. */
    async function rawClient(url: string): Promise<PgStandaloneClient> {
      const { connectionString, schema } = parsePostgresUrl(url);
      const client = createPgClient({ connectionString, statementTimeoutMs: 0, connectTimeoutMs: 5_000, applicationName: 'lmrec-test-raw', ...(schema === undefined ? {} : { schema }) });
      client.on('error', () => undefined);
      await client.connect();
      clients.push(client);
      return client;
    }

    it('opens through openStorage with URL parameters (pool_size, statement_timeout) in force, and reports no password', async () => {
      const url = server.freshSchemaUrl(database);
      // `options` cannot turn synchronous_commit off: lmrec's own setting comes after it.
      const storage = await openStorage(`${url}&pool_size=3&statement_timeout=300&application_name=lmrec-url-test&options=${encodeURIComponent('-c synchronous_commit=off -c work_mem=8MB')}`);
      opened.push(storage);
      expect(storage.capabilities.concurrentWriters).toBe(true);
      expect(storage.health()).toEqual({ writes: 'ok', failedWrites: 0 });
      await storage.items.upsert([{ id: 'a', title: 'A' }]);
      // pool_size: twenty reads at once share at most three connections.
      expect(await Promise.all(Array.from({ length: 20 }, () => storage.items.count()))).toEqual(Array.from({ length: 20 }, () => 1));
      const connections = await server.sql<{ n: number }>("SELECT COUNT(*)::int AS n FROM pg_stat_activity WHERE application_name = 'lmrec-url-test'");
      expect(connections[0].n).toBeGreaterThan(0);
      expect(connections[0].n).toBeLessThanOrEqual(3);
      // A connection made as the pool makes them (the same settings): the URL's options apply, except
      // that synchronous_commit stays on.
      const { connectionString, options } = parsePostgresUrl(`${url}&options=${encodeURIComponent('-c synchronous_commit=off -c work_mem=8MB')}`);
      const probe = createPgClient({ connectionString, statementTimeoutMs: 300, connectTimeoutMs: 5_000, applicationName: 'lmrec-probe', extraOptions: options! });
      probe.on('error', () => undefined);
      await probe.connect();
      clients.push(probe);
      const shown = await probe.query<{ sync: string; work_mem: string; timeout: string }>({
        text: "SELECT current_setting('synchronous_commit') AS sync, current_setting('work_mem') AS work_mem, current_setting('statement_timeout') AS timeout",
      });
      expect(shown.rows[0]).toEqual({ sync: 'on', work_mem: '8MB', timeout: '300ms' });
      // statement_timeout: a write waiting on another session's lock gives up after 300 ms.
      const holder = await rawClient(url);
      await holder.query({ text: 'BEGIN' });
      await holder.query({ text: "UPDATE counters SET value = value WHERE name = 'events'" });
      const started = Date.now();
      const timedOut = await rejection(storage.events.append([view('u', 'a', T0)]));
      await holder.query({ text: 'ROLLBACK' });
      expect((timedOut as BackendError).details).toMatchObject({ reason: 'timeout' });
      expect(Date.now() - started).toBeLessThan(3_000);

      await expect(openStorage(`${url}&pool_size=0`)).rejects.toBeInstanceOf(ValidationError);
      await expect(openStorage(`${url.replace(/schema=[^&]+/, 'schema=bad-name')}`)).rejects.toBeInstanceOf(ValidationError);
      const withPassword = new URL(server.adminUrl);
      withPassword.password = 'hunter2';
      withPassword.port = '1';
      const refused = await rejection(openStorage(withPassword.toString()));
      expect(refused).toBeInstanceOf(BackendError);
      expect((refused as BackendError).details).toMatchObject({ retryable: true });
      expect(JSON.stringify({ m: (refused as Error).message, d: (refused as BackendError).details })).not.toContain('hunter2');
    });

    it('maps a value the server cannot store (a NUL character in text) to ValidationError, writing nothing', async () => {
      const storage = await open(server.freshSchemaUrl(database));
      const error = await rejection(storage.items.upsert([{ id: 'ok', title: 'OK' }, { id: 'nul', title: 'N', text: 'a\u0000b' }]));
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).details).toMatchObject({ sqlState: '22021' });
      expect(await storage.items.count()).toBe(0);
      expect(storage.health().writes).toBe('ok');
    });

    it('migrates once when several processes open a new database at the same time', async () => {
      const url = await server.createDatabase();
      const { spawn } = await import('node:child_process');
      const script = `
        import { createPostgresStorage } from ${JSON.stringify(new URL('./postgres-storage.ts', import.meta.url).pathname)};
        const s = await createPostgresStorage({ url: process.argv[1] });
        await s.events.append([{ userId: 'u', itemId: 'i', type: 'view', timestamp: 1 }]);
        await s.close();
      `;
      const children = Array.from({ length: 3 }, () =>
        new Promise<number>((resolve) => {
          const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, url], { stdio: ['ignore', 'ignore', 'inherit'] });
          child.on('exit', (code) => resolve(code ?? -1));
        }),
      );
      // And this process too, at the same moment.
      const here = open(url);
      expect(await Promise.all(children)).toEqual([0, 0, 0]);
      const storage = await here;
      const migrations = await server.sql<{ version: number }>('SELECT version FROM lmrec_schema_migrations ORDER BY version', [], url);
      expect(migrations.map((row) => row.version)).toEqual(Array.from({ length: POSTGRES_SCHEMA_VERSION }, (_, i) => i + 1));
      expect(await storage.events.count()).toBe(3);
      expect(await storage.events.lastSeq()).toBe(3);
    }, 60_000);

    it('a statement past statement_timeout fails with a retryable BackendError and counts as a failing write', async () => {
      const url = server.freshSchemaUrl(database);
      const storage = await open(url, { statementTimeoutMs: 300 });
      await storage.events.append([view('u', 'i', T0)]);
      // Another session holds the event counter's row lock, as a stuck appender would.
      const holder = await rawClient(url);
      await holder.query({ text: 'BEGIN' });
      await holder.query({ text: "UPDATE counters SET value = value WHERE name = 'events'" });
      const started = Date.now();
      const error = await rejection(storage.events.append([view('u', 'j', T0)]));
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(error).toBeInstanceOf(BackendError);
      expect((error as BackendError).details).toMatchObject({ reason: 'timeout', retryable: true, sqlState: '57014' });
      expect(storage.health()).toMatchObject({ writes: 'failing', failedWrites: 1, lastWriteError: { operation: 'events.append' } });
      await holder.query({ text: 'ROLLBACK' });
      await storage.events.append([view('u', 'k', T0)]);
      expect(storage.health().writes).toBe('ok');
      expect((await storage.events.forUser('u')).map((e) => e.itemId)).toEqual(['i', 'k']);
    });

    it('an abort cancels the statement on the server: AbortError at once, nothing written', async () => {
      const url = server.freshSchemaUrl(database);
      const storage = await open(url);
      await storage.events.append([view('u', 'i', T0)]);
      const holder = await rawClient(url);
      await holder.query({ text: 'BEGIN' });
      await holder.query({ text: "UPDATE counters SET value = value WHERE name = 'events'" });
      const controller = new AbortController();
      const pending = storage.events.append([view('u', 'j', T0)], { signal: controller.signal });
      setTimeout(() => controller.abort(), 200);
      const started = Date.now();
      expect(await rejection(pending)).toBeInstanceOf(AbortError);
      expect(Date.now() - started).toBeLessThan(3_000);
      // The cancelled statement is no longer waiting on the server.
      const waiting = await server.sql<{ n: number }>("SELECT COUNT(*)::int AS n FROM pg_stat_activity WHERE application_name = 'lmrec' AND wait_event_type = 'Lock'");
      expect(waiting[0].n).toBe(0);
      await holder.query({ text: 'ROLLBACK' });
      expect(await storage.events.count()).toBe(1);
    });

    it('a connection dropped by the server gives BackendError, not a crash, and the next call reconnects', async () => {
      const url = server.freshSchemaUrl(database);
      const storage = await open(url, { poolSize: 2 });
      await storage.items.upsert([{ id: 'a', title: 'A' }]);
      const holder = await rawClient(url);
      await holder.query({ text: 'BEGIN' });
      await holder.query({ text: "UPDATE counters SET value = value WHERE name = 'events'" });
      const pending = rejection(storage.events.append([view('u', 'i', T0)]));
      await new Promise((resolve) => setTimeout(resolve, 200));
      // Terminate every lmrec connection: the waiting one and the idle ones in the pool.
      await server.sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'lmrec' AND pid <> pg_backend_pid()");
      const error = await pending;
      expect(error).toBeInstanceOf(BackendError);
      expect((error as BackendError).details).toMatchObject({ retryable: true });
      await holder.query({ text: 'ROLLBACK' });
      expect(await storage.items.count()).toBe(1);
      expect(await storage.events.append([view('u', 'j', T0)])).toHaveLength(1);
    });

    it('bulkWrite with transactionRows commits in bounded transactions and records the import mark once', async () => {
      const url = server.freshSchemaUrl(database);
      const storage = await open(url);
      const events = Array.from({ length: 25 }, (_, i) => view(`u${i % 4}`, `i${i % 6}`, T0 + i));
      const items = Array.from({ length: 6 }, (_, i) => ({ id: `i${i}`, title: `Item ${i}` }));
      const mark = { hash: 'h-chunked', source: 'events.csv', format: 'csv' };
      expect(await storage.bulkWrite({ items, events, importMark: mark }, { transactionRows: 10 })).toEqual({ items: 6, users: 0, events: 25 });
      // One transaction per chunk: the rows' creating transaction ids (xmin) tell them apart.
      const transactions = async (table: string): Promise<number> =>
        (await server.sql<{ n: number }>(`SELECT COUNT(DISTINCT xmin::text)::int AS n FROM ${parsePostgresUrl(url).schema!}.${table}`, [], url))[0].n;
      expect(await transactions('events')).toBe(3);
      expect(await transactions('items')).toBe(1);
      expect((await storage.events.forUser('u1')).length).toBe(6);
      expect(await storage.imports.list()).toMatchObject([{ hash: 'h-chunked', items: 6, events: 25 }]);
      expect(await rejection(storage.bulkWrite({ events, importMark: mark }, { transactionRows: 10 }))).toBeInstanceOf(ConflictError);
      expect(await storage.events.count()).toBe(25);
    });

    it('a read-only open serves reads and refuses writes with the reason', async () => {
      const url = server.freshSchemaUrl(database);
      const writable = await open(url);
      await writable.items.upsert([{ id: 'a', title: 'A' }]);
      const readonly = await open(url, { readonly: true });
      expect(readonly.health()).toMatchObject({ writes: 'read-only', readOnlyReason: 'opened read-only' });
      expect(await readonly.items.count()).toBe(1);
      const refused = await rejection(readonly.items.upsert([{ id: 'b', title: 'B' }]));
      expect((refused as { code?: string }).code).toBe('unsupported');
    });

    it('writes concurrent appends of one process together (group commit): own seqs per caller, a bad batch fails alone', async () => {
      const url = server.freshSchemaUrl(database);
      const storage = await open(url, { poolSize: 4 });
      const transactions = async (): Promise<number> =>
        (await server.sql<{ n: number }>(`SELECT COUNT(DISTINCT xmin::text)::int AS n FROM ${parsePostgresUrl(url).schema!}.events`, [], url))[0].n;
      const calls = Array.from({ length: 40 }, (_, i) => [view(`u${i}`, 'a', T0 + i), view(`u${i}`, 'b', T0 + i)]);
      const results = await Promise.all(calls.map((batch) => storage.events.append(batch)));
      for (const [i, seqs] of results.entries()) {
        expect(seqs).toHaveLength(2);
        expect(seqs[1]).toBe(seqs[0] + 1);
        const stored = new Map((await storage.events.forUser(`u${i}`)).map((e) => [e.seq, e.itemId]));
        expect([stored.get(seqs[0]), stored.get(seqs[1])]).toEqual(['a', 'b']);
      }
      // Fewer transactions than calls: the appends that queued behind the first went together.
      expect(await transactions()).toBeLessThan(20);

      // A batch the server refuses (a NUL in text) fails alone; the others of its group are written.
      const bad = [{ ...view('bad', 'a', T0), text: 'nul \u0000 inside' }];
      const mixed = await Promise.allSettled([...calls.slice(0, 10).map((batch) => storage.events.append(batch)), storage.events.append(bad)]);
      expect(mixed.slice(0, 10).every((r) => r.status === 'fulfilled')).toBe(true);
      expect((mixed[10] as PromiseRejectedResult).reason).toBeInstanceOf(ValidationError);
      expect(await storage.events.count()).toBe(100);
      expect(await storage.events.count({ userId: 'bad' })).toBe(0);
    });

    it('an impression for a known user waits for a deletion of that user in progress, then is not recorded', async () => {
      const url = server.freshSchemaUrl(database);
      const storage = await open(url);
      await storage.events.append([view('alice', 'i1', T0)]);
      // Another process deletes alice: it holds her lock (as users.delete does) and removes her events.
      const deleter = await rawClient(url);
      await deleter.query({ text: 'BEGIN' });
      await deleter.query({ text: 'SELECT pg_advisory_xact_lock($1, hashtext($2))', values: [0x6c6d72, 'alice'] });
      await deleter.query({ text: "DELETE FROM events WHERE user_id = 'alice'" });
      let settled = false;
      const recording = storage.impressions
        .record({ id: 'imp', userId: 'alice', modelVersion: 'ease@1', variant: 'A', itemIds: ['i1'], createdAt: T0 }, { onlyKnownUser: true })
        .finally(() => {
          settled = true;
        });
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(settled).toBe(false);
      await deleter.query({ text: 'COMMIT' });
      expect(await recording).toBe(false);
      expect(await storage.impressions.get('imp')).toBeUndefined();
    });

    it('maps a unique violation to ConflictError', async () => {
      const storage = await open(server.freshSchemaUrl(database));
      await storage.transfer.write({ events: [{ seq: 5, userId: 'u', itemId: 'i', type: 'view', timestamp: T0 }] });
      expect(await rejection(storage.transfer.write({ events: [{ seq: 5, userId: 'u', itemId: 'j', type: 'view', timestamp: T0 }] }))).toBeInstanceOf(ConflictError);
    });

    it('concurrent appenders commit seqs in order: a follower polling afterSeq misses no event', async () => {
      const url = server.freshSchemaUrl(database);
      const writers = await Promise.all([open(url, { poolSize: 4 }), open(url, { poolSize: 4 }), open(url, { poolSize: 4 })]);
      const follower = await open(url);
      const seen: number[] = [];
      let watermark = 0;
      let done = false;
      const following = (async () => {
        while (!done || watermark < (await follower.events.lastSeq())) {
          for await (const page of follower.events.scan({ afterSeq: watermark })) {
            for (const event of page) seen.push(event.seq);
            watermark = page[page.length - 1].seq;
          }
          await new Promise((resolve) => setTimeout(resolve, 2));
        }
      })();
      const appended: number[] = [];
      await Promise.all(
        writers.flatMap((writer, w) =>
          Array.from({ length: 4 }, async (_, lane) => {
            for (let i = 0; i < 25; i++) appended.push(...(await writer.events.append([view(`u${w}-${lane}`, `i${i}`, T0 + i), view(`u${w}-${lane}`, `j${i}`, T0 + i)])));
          }),
        ),
      );
      done = true;
      await following;
      expect(seen).toHaveLength(appended.length);
      expect([...seen].sort((a, b) => a - b)).toEqual([...appended].sort((a, b) => a - b));
      expect(seen).toEqual([...seen].sort((a, b) => a - b));
    }, 60_000);

    it('round-trips a 192 MiB model payload in 64 MiB chunks, chunk by chunk', async () => {
      const storage = await open(server.freshSchemaUrl(database), { statementTimeoutMs: 60_000 });
      const size = 192 * 1024 * 1024 + 12_345;
      const payload = new Uint8Array(size);
      const words = new Uint32Array(payload.buffer, 0, Math.floor(size / 4));
      for (let i = 0; i < words.length; i++) words[i] = Math.imul(i, 2654435761) >>> 0;
      const started = Date.now();
      const saved = await storage.models.save('big', { note: 'large' }, payload);
      const chunks = await storage.models.loadChunks('big', saved.version);
      expect(chunks?.byteLength).toBe(size);
      let at = 0;
      let parts = 0;
      for await (const chunk of chunks!.chunks) {
        expect(chunk.length).toBeLessThanOrEqual(64 * 1024 * 1024);
        expect(Buffer.compare(chunk, payload.subarray(at, at + chunk.length))).toBe(0);
        at += chunk.length;
        parts++;
      }
      expect(at).toBe(size);
      expect(parts).toBe(4);
      expect(Date.now() - started).toBeLessThan(30_000);
      // Chunks this large were read by the storage's chunk thread, on its own connection.
      const readers = await server.sql<{ n: number }>("SELECT COUNT(*)::int AS n FROM pg_stat_activity WHERE application_name = 'lmrec chunk reader'");
      expect(readers[0].n).toBe(1);
    }, 60_000);

    it("reads a version's chunks on a thread of its own, byte for byte, says when one is missing, and rejects with the server's reason", async () => {
      const url = server.freshSchemaUrl(database);
      const storage = await open(url, { modelChunkBytes: OFF_THREAD_CHUNK_BYTES });
      const payload = new Uint8Array(2 * OFF_THREAD_CHUNK_BYTES + 1_000);
      for (let i = 0; i < payload.length; i++) payload[i] = (i * 31 + 7) % 251;
      const saved = await storage.models.save('big', { kind: 'test' }, payload);
      const { connectionString, schema } = parsePostgresUrl(url);
      const connection = { connectionString, statementTimeoutMs: 0, connectTimeoutMs: 5_000, applicationName: 'lmrec-test', ...(schema === undefined ? {} : { schema }) };
      const reader = createPostgresChunkReader(connection);
      try {
        const parts: Uint8Array[] = [];
        for (let idx = 0; idx < 3; idx++) parts.push((await reader.read('big', saved.version, idx))!);
        expect(reader.threadId).toBeDefined();
        expect(reader.threadId).not.toBe(threadId);
        expect(parts.map((p) => p.length)).toEqual([OFF_THREAD_CHUNK_BYTES, OFF_THREAD_CHUNK_BYTES, 1_000]);
        expect(Buffer.compare(Buffer.concat(parts), payload)).toBe(0);
        expect(await reader.read('big', saved.version, 3)).toBeUndefined();
        expect(await reader.read('nothing', 1, 0)).toBeUndefined();
      } finally {
        await reader.close();
      }
      await expect(reader.read('big', saved.version, 0)).rejects.toThrow(/closed/);
      // A schema without lmrec's tables: the server's own message comes back, each time.
      const empty = createPostgresChunkReader({ ...connection, schema: 'no_such_schema' });
      try {
        await expect(empty.read('m', 1, 0)).rejects.toThrow(/model_chunks/);
        await expect(empty.read('m', 1, 0)).rejects.toThrow(/model_chunks/);
      } finally {
        await empty.close();
      }
    }, 60_000);
  });
}
