/**
 * The thread behind {@link createChunkReader}: its own connection to the SQLite file, answering
 * one request at a time with a model payload chunk, handed over without a copy (the chunk's buffer
 * is transferred). Reading a 64 MiB chunk is one synchronous driver call of up to a second; here it
 * holds this thread, not the one serving requests.
 * @module
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openSqliteDatabase, viewBytes } from './sqlite-driver.js';
import type { SqliteStatement } from './sqlite-driver.js';
import type { ChunkReply, ChunkRequest } from '../chunk-thread.js';

const port = parentPort;
if (port === null) throw new Error('sqlite-chunk-worker runs as a worker thread');
const { path } = workerData as { path: string };
let statement: SqliteStatement | undefined;

/** The chunk query on this thread's connection, opened on the first request (a failure is that request's error). */
function chunkStatement(): SqliteStatement {
  if (statement !== undefined) return statement;
  const db = openSqliteDatabase(path);
  // This connection only reads; in WAL mode a read never waits for a writer, otherwise it may wait here.
  db.exec('PRAGMA query_only = ON');
  db.exec('PRAGMA busy_timeout = 10000');
  statement = db.prepare('SELECT data FROM model_chunks WHERE name = ? AND version = ? AND idx = ?');
  return statement;
}

port.on('message', (request: ChunkRequest) => {
  let reply: ChunkReply;
  try {
    const row = chunkStatement().get([request.name, request.version, request.idx]) as { data: unknown } | undefined;
    if (row === undefined) reply = { id: request.id, missing: true };
    else {
      const bytes = viewBytes(row.data);
      // viewBytes gives a chunk its own ArrayBuffer (it copies one that shares a pool): safe to transfer.
      port.postMessage({ id: request.id, bytes } satisfies ChunkReply, [bytes.buffer as ArrayBuffer]);
      return;
    }
  } catch (error) {
    // The driver's errors do not survive the structured clone whole: their message goes as text.
    reply = { id: request.id, error: error instanceof Error ? error.message : String(error) };
  }
  port.postMessage(reply);
});
