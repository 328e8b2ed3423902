import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { threadId } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { createChunkReader } from './sqlite-chunk-reader.js';
import { OFF_THREAD_CHUNK_BYTES } from '../chunk-thread.js';
import { createSqliteStorage } from './sqlite-storage.js';

describe('createChunkReader (model chunks read on a thread of their own)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmrec-chunks-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("reads a stored version's chunks on another thread, byte for byte, and says when one is missing", async () => {
    const path = join(dir, 'a.db');
    const chunkBytes = OFF_THREAD_CHUNK_BYTES;
    const storage = createSqliteStorage({ path, modelChunkBytes: chunkBytes });
    const payload = new Uint8Array(2 * chunkBytes + 1_000);
    for (let i = 0; i < payload.length; i++) payload[i] = (i * 31 + 7) % 251;
    const saved = await storage.models.save('big', { kind: 'test' }, payload);
    const reader = createChunkReader(path);
    try {
      const parts = [];
      for (let idx = 0; idx < 3; idx++) parts.push(await reader.read('big', saved.version, idx));
      expect(reader.threadId).toBeDefined();
      expect(reader.threadId).not.toBe(threadId);
      expect(parts.map((p) => p?.length)).toEqual([chunkBytes, chunkBytes, 1_000]);
      const joined = new Uint8Array(payload.length);
      let at = 0;
      for (const p of parts) {
        joined.set(p!, at);
        at += p!.length;
      }
      expect(Buffer.from(joined.buffer).equals(Buffer.from(payload.buffer))).toBe(true);
      expect(await reader.read('big', saved.version, 3)).toBeUndefined();
      expect(await reader.read('nothing', 1, 0)).toBeUndefined();
      // The storage reads such a version through its own reader: the same bytes.
      const loaded = await storage.models.loadChunks('big');
      const streamed: Uint8Array[] = [];
      for await (const c of loaded!.chunks) streamed.push(c);
      expect(streamed.map((c) => c.length)).toEqual([chunkBytes, chunkBytes, 1_000]);
      expect(Buffer.from(streamed[2]).equals(Buffer.from(payload.subarray(2 * chunkBytes)))).toBe(true);
    } finally {
      await reader.close();
      await storage.close();
    }
    await expect(reader.read('big', 1, 0)).rejects.toThrow(/closed/);
  });

  it("rejects a read the thread could not answer with the driver's reason (a file without the schema)", async () => {
    const reader = createChunkReader(join(dir, 'empty.db'));
    try {
      await expect(reader.read('m', 1, 0)).rejects.toThrow(/model_chunks/);
      await expect(reader.read('m', 1, 0)).rejects.toThrow(/model_chunks/);
    } finally {
      await reader.close();
    }
  });
});
