/**
 * The chunk reader of a PostgreSQL storage: {@link createChunkThread} on `postgres-chunk-worker.ts`,
 * which reads each chunk on a connection of its own and decodes the driver's hex text there.
 * @module
 */
import { createChunkThread } from '../chunk-thread.js';
import type { ChunkReader } from '../chunk-thread.js';
import type { PgConnectionConfig } from './pg-driver.js';

/** A reader of model chunks over `connection` (opened read-only) on a thread of its own. */
export function createPostgresChunkReader(connection: PgConnectionConfig): ChunkReader {
  return createChunkThread(import.meta.url, 'postgres-chunk-worker', {
    connection: { ...connection, readonly: true, applicationName: `${connection.applicationName} chunk reader` } satisfies PgConnectionConfig,
  });
}
