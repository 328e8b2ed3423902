/**
 * The thread behind {@link createPostgresChunkReader}: one connection of its own (read-only
 * sessions), answering requests for model payload chunks with the chunk's bytes, handed over without
 * a copy. The driver receives a `bytea` value as hex text, twice its size as a string, and decodes
 * it on the thread that ran the query: for a 64 MiB chunk that held the serving thread for 0.6 s.
 * Requests are answered in order; a connection that fails is dropped and the next request opens another.
 * @module
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { ChunkReply, ChunkRequest } from '../chunk-thread.js';
import { bytesOf, createPgClient } from './pg-driver.js';
import type { PgConnectionConfig, PgStandaloneClient } from './pg-driver.js';

const port = parentPort;
if (port === null) throw new Error('postgres-chunk-worker runs as a worker thread');
const { connection } = workerData as { connection: PgConnectionConfig };
let client: Promise<PgStandaloneClient> | undefined;

/** This thread's connection, opened on the first request (a failure is that request's error). */
function connected(): Promise<PgStandaloneClient> {
  if (client !== undefined) return client;
  const opening = (async () => {
    const c = createPgClient(connection);
    // A dropped connection: forget it, so the next request reconnects.
    c.on('error', () => {
      if (client === opening) client = undefined;
    });
    c.on('end', () => {
      if (client === opening) client = undefined;
    });
    await c.connect();
    return c;
  })();
  client = opening;
  opening.catch(() => {
    if (client === opening) client = undefined;
  });
  return opening;
}

/** Bytes whose buffer holds nothing else, so transferring it moves only this chunk. */
function ownBuffer(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer) return bytes as Uint8Array<ArrayBuffer>;
  return new Uint8Array(bytes);
}

async function answer(request: ChunkRequest): Promise<void> {
  try {
    const c = await connected();
    const result = await c.query<{ data: unknown }>({
      text: 'SELECT data FROM model_chunks WHERE name = $1 AND version = $2 AND idx = $3',
      values: [request.name, request.version, request.idx],
    });
    if (result.rows.length === 0) {
      port!.postMessage({ id: request.id, missing: true } satisfies ChunkReply);
      return;
    }
    const bytes = ownBuffer(bytesOf(result.rows[0].data));
    port!.postMessage({ id: request.id, bytes } satisfies ChunkReply, [bytes.buffer]);
  } catch (error) {
    // The driver's errors do not survive the structured clone whole: their message goes as text.
    port!.postMessage({ id: request.id, error: error instanceof Error ? error.message : String(error) } satisfies ChunkReply);
  }
}

let queue: Promise<void> = Promise.resolve();
port.on('message', (request: ChunkRequest) => {
  queue = queue.then(() => answer(request));
});
