/**
 * Reads model payload chunks in a worker thread with its own connection to the storage, so that
 * loading a multi-gigabyte model never holds the event loop. On a SQLite file
 * (`sqlite/sqlite-chunk-worker.ts`) one 64 MiB chunk is a single synchronous driver call of up to a
 * second; on PostgreSQL (`postgres/postgres-chunk-worker.ts`) the driver receives a chunk as hex
 * text, twice its size, and decodes it where the query ran (0.6 s for 64 MiB). On the serving
 * thread either stalled every request and health check while a server loaded its models. Each
 * backend's thread answers {@link ChunkRequest}s with {@link ChunkReply}s, the bytes transferred.
 *
 * The thread starts on the first read and holds the process open only while reads are pending.
 * When it cannot start or fails, {@link ChunkReader.read} rejects with the reason and the reader
 * stays failed, so the caller reads on its own thread from then on.
 * @module
 */
import type { Worker } from 'node:worker_threads';
import { spawnModuleWorker } from '../workers/spawn-module-worker.js';

/**
 * Average chunk size from which a backend's `loadChunks` reads a version's chunks on its chunk
 * thread (4 MiB): smaller chunks take milliseconds to read where they are asked for.
 */
export const OFF_THREAD_CHUNK_BYTES = 4 * 1024 * 1024;

/** A request to the chunk thread. */
export interface ChunkRequest {
  id: number;
  name: string;
  version: number;
  idx: number;
}

/** The chunk thread's answer: the chunk, or that it is missing (the version was deleted), or an error. */
export type ChunkReply = { id: number; bytes: Uint8Array } | { id: number; missing: true } | { id: number; error: string };

/** See the module description. */
export interface ChunkReader {
  /** Chunk `idx` of model `name` version `version`; undefined when the row is missing. */
  read(name: string, version: number, idx: number): Promise<Uint8Array | undefined>;
  /** Thread id of the reading thread once started (for tests), else undefined. */
  readonly threadId: number | undefined;
  /** Stops the thread; later reads reject. */
  close(): Promise<void>;
}

/**
 * A reader whose thread runs the worker module `workerName` found beside `callerUrl` (the backend's
 * `import.meta.url`), started on the first read with `workerData` (its connection settings).
 */
export function createChunkThread(callerUrl: string, workerName: string, workerData: unknown): ChunkReader {
  let worker: Worker | undefined;
  let failed: Error | undefined;
  let nextId = 0;
  const pending = new Map<number, { resolve: (bytes: Uint8Array | undefined) => void; reject: (error: Error) => void }>();

  function fail(error: Error): void {
    failed = error;
    for (const p of pending.values()) p.reject(error);
    pending.clear();
    const w = worker;
    worker = undefined;
    void w?.terminate();
  }

  function started(): Worker {
    if (worker !== undefined) return worker;
    const w = spawnModuleWorker(callerUrl, workerName, { workerData });
    w.on('message', (reply: ChunkReply) => {
      const p = pending.get(reply.id);
      if (p === undefined) return;
      pending.delete(reply.id);
      if (pending.size === 0) w.unref();
      if ('bytes' in reply) p.resolve(reply.bytes);
      else if ('missing' in reply) p.resolve(undefined);
      else p.reject(new Error(reply.error));
    });
    w.on('error', (error) => fail(error));
    w.on('exit', (code) => {
      if (worker === w) fail(new Error(`the chunk reading thread exited with code ${code}`));
    });
    worker = w;
    return w;
  }

  return {
    read(name, version, idx) {
      if (failed !== undefined) return Promise.reject(failed);
      let w: Worker;
      try {
        w = started();
      } catch (error) {
        failed = error instanceof Error ? error : new Error(String(error));
        return Promise.reject(failed);
      }
      const id = nextId++;
      return new Promise<Uint8Array | undefined>((resolve, reject) => {
        pending.set(id, { resolve, reject });
        w.ref();
        w.postMessage({ id, name, version, idx } satisfies ChunkRequest);
      });
    },
    get threadId() {
      return worker?.threadId;
    },
    async close() {
      const w = worker;
      worker = undefined;
      failed = new Error('storage is closed');
      for (const p of pending.values()) p.reject(failed);
      pending.clear();
      if (w !== undefined) await w.terminate();
    },
  };
}

/** A read whose failure is held as a value until it is awaited (a read ahead never rejects unobserved). */
function settled<T>(p: Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  return p.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
}

function unsettled<T>(r: { ok: true; value: T } | { ok: false; error: unknown }): T {
  if (!r.ok) throw r.error;
  return r.value;
}

/**
 * Chunks 0 to `count - 1` of a version in order, each from `read(idx)`; when `ahead`, the next
 * chunk is asked for before this one is yielded (a chunk thread reads it while the caller decodes
 * this one). A chunk `read` finds missing ends the sequence with `missing()` (the version was deleted).
 */
export async function* chunksInOrder(count: number, ahead: boolean, read: (idx: number) => Promise<Uint8Array | undefined>, missing: () => Error): AsyncGenerator<Uint8Array> {
  let next = count > 0 ? settled(read(0)) : undefined;
  for (let idx = 0; idx < count; idx++) {
    const chunk = unsettled(await next!);
    next = idx + 1 < count && ahead ? settled(read(idx + 1)) : undefined;
    if (chunk === undefined) throw missing();
    yield chunk;
    next ??= idx + 1 < count ? settled(read(idx + 1)) : undefined;
  }
}

/**
 * Chunk `idx` read by `reader` (when there is one and `offThread`), else by `fallback` on the
 * caller's thread. A failure of the reader's thread is not reported: `fallback` runs the same
 * statement, so a real failure surfaces there as it would anyway. `check` runs before each read
 * and after the thread's answer (the store's closed and aborted checks).
 */
export async function readChunkVia(
  reader: ChunkReader | undefined,
  offThread: boolean,
  key: { name: string; version: number; idx: number },
  check: () => void,
  fallback: () => Promise<Uint8Array | undefined>,
): Promise<Uint8Array | undefined> {
  check();
  if (offThread && reader !== undefined) {
    try {
      const chunk = await reader.read(key.name, key.version, key.idx);
      check();
      return chunk;
    } catch {
      // Read on the caller's thread instead.
    }
  }
  return fallback();
}
