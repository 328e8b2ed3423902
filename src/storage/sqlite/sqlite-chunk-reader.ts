/**
 * The chunk reader of a SQLite file: {@link createChunkThread} on `sqlite-chunk-worker.ts`, whose
 * own read-only connection runs the synchronous driver call for each chunk.
 * @module
 */
import { createChunkThread } from '../chunk-thread.js';
import type { ChunkReader } from '../chunk-thread.js';

/** A reader of the chunks of the SQLite file at `path` on a thread of its own. */
export function createChunkReader(path: string): ChunkReader {
  return createChunkThread(import.meta.url, 'sqlite-chunk-worker', { path });
}
