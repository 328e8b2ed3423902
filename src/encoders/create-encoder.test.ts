import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BackendError, NotFoundError, ValidationError } from '../core/errors.js';
import { openStorage } from '../storage/index.js';
import { createEncoder } from './index.js';
import type { CachedEncoder, EncoderConfig } from './index.js';
import { importRuntimeModule } from './runtime-module.js';
import { TINY_DIM, writeTinyModelDir } from './test-support.js';

describe('createEncoder', () => {
  it('builds each kind from plain config', async () => {
    const useLite = await createEncoder({ kind: 'use-lite', maxBatch: 8 });
    expect([useLite.id, useLite.dim, useLite.maxBatch]).toEqual(['use-lite', 512, 8]);
    await useLite.close(); // never loaded: nothing to release

    const openai = await createEncoder({ kind: 'openai', baseUrl: 'http://127.0.0.1:9/v1', model: 'nomic-embed-text', dimensions: 768 });
    expect([openai.id, openai.dim]).toEqual(['openai:127.0.0.1:9/v1:nomic-embed-text', 768]);

    const dir = await mkdtemp(join(tmpdir(), 'lmrec-create-'));
    try {
      await writeTinyModelDir(dir);
      const onnx = await createEncoder({ kind: 'onnx', dir, pooling: 'cls' });
      expect(onnx.dim).toBe(TINY_DIM);
      expect(onnx.id.startsWith('onnx:')).toBe(true);
      await onnx.close();
      await expect(createEncoder({ kind: 'onnx', dir: join(dir, 'missing') })).rejects.toBeInstanceOf(NotFoundError);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('wraps the encoder in the cache when a store is given', async () => {
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const { input } = JSON.parse(body) as { input: string[] };
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ data: input.map((t, index) => ({ index, embedding: [t.length, 1] })) }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const storage = await openStorage('sqlite::memory:');
    try {
      const { port } = server.address() as AddressInfo;
      const encoder = (await createEncoder({ kind: 'openai', baseUrl: `http://127.0.0.1:${port}/v1`, model: 'm' }, { cache: storage.embeddings })) as CachedEncoder;
      await encoder.encode(['a', 'bb']);
      await encoder.encode(['bb', 'a']);
      expect(encoder.stats).toEqual({ hits: 2, misses: 2, encoded: 2 });
      expect(encoder.dim).toBe(2);
      expect(await storage.embeddings.count(encoder.id)).toBe(2);
    } finally {
      await storage.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('names the bad field', async () => {
    const bad = (config: unknown): Promise<unknown> => createEncoder(config as EncoderConfig);
    await expect(bad({ kind: 'bert' })).rejects.toThrow(/invalid encoder config at "kind".*\(kinds: use-lite, onnx, openai\)/);
    await expect(bad({ kind: 'openai', model: 'm' })).rejects.toThrow(/at "baseUrl"/);
    await expect(bad({ kind: 'openai', baseUrl: 'http://h/v1', model: 'm', batch: 3 })).rejects.toThrow(/at "batch"/);
    await expect(bad({ kind: 'onnx', dir: 'x', pooling: 'max' })).rejects.toThrow(ValidationError);
  });
});

describe('missing runtime packages', () => {
  it('names the packages to install', async () => {
    const error = await importRuntimeModule('@lmrec-test/not-installed', 'the test encoder', ['@lmrec-test/not-installed', '@lmrec-test/weights'], 'No download needed.').catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(BackendError);
    expect((error as Error).message).toBe(
      'the test encoder needs the npm packages @lmrec-test/not-installed, @lmrec-test/weights, which are not installed: run `npm install @lmrec-test/not-installed @lmrec-test/weights`. No download needed.',
    );
  });
});
