/**
 * Reads model payload chunks of a SQLite file in a worker thread (`sqlite-chunk-worker.ts`, its own
 * read-only connection), so that loading a multi-gigabyte model never holds the event loop: one
 * 64 MiB chunk is a single synchronous driver call of up to a second, which on the serving thread
 * stalled every request and health check while a server loaded its models.
 *
 * The thread starts on the first read and holds the process open only while reads are pending.
 * When it cannot start or fails, {@link ChunkReader.read} rejects with the reason and the reader
 * stays failed, so the caller reads on its own thread from then on.
 * @module
 */
import type { Worker } from 'node:worker_threads';
import { spawnModuleWorker } from '../../workers/spawn-module-worker.js';

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

/** A reader of `path`'s chunks on a thread of its own. */
export function createChunkReader(path: string): ChunkReader {
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
    const w = spawnModuleWorker(import.meta.url, 'sqlite-chunk-worker', { workerData: { path } });
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
