/**
 * The service in process (`startService`: lifecycle, pipeline, HTTP server) on a real SQLite file,
 * with `lmrec train` run as a separate process on the same file and a second storage connection:
 * training parameters are checked before a job is queued, and versions stored by the other process
 * are put into service and reach the pipeline's lists without a restart.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelManager, createEngine, openStorage } from '../index.js';
import type { Engine } from '../index.js';
import { writeDemoSlice } from '../lifecycle/test-support.js';
import { startService } from './start-service.js';
import type { Service } from './start-service.js';

const MAIN = fileURLToPath(new URL('../cli/main.ts', import.meta.url));
/** tsx's loader by absolute URL: the CLI runs in the temporary directory, where `--import tsx` would not resolve. */
const TSX = pathToFileURL(fileURLToPath(new URL('../../node_modules/tsx/dist/loader.mjs', import.meta.url))).href;
const KEY = 'service-admin-key';

function cli(args: readonly string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', TSX, MAIN, ...args], { cwd, env: { ...process.env, LMREC_LOG_LEVEL: 'error' } }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('startService with a second process training on the same SQLite file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmrec-service-'));
  const url = `sqlite://${join(dir, 'service.db')}`;
  let engine: Engine;
  let service: Service;

  async function call(method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
    const res = await fetch(`${service.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${KEY}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  /** The pipeline's `modelVersion` for user 1 once it matches `pattern` (waits for the storage look). */
  async function listVersion(pattern: RegExp): Promise<string> {
    let version = '';
    for (const deadline = Date.now() + 15_000; Date.now() < deadline; ) {
      version = String((await call('GET', '/v1/users/1/recommendations?k=5')).body.modelVersion);
      if (pattern.test(version)) return version;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return version;
  }

  beforeAll(async () => {
    writeDemoSlice(dir, 40);
    engine = createEngine(await openStorage(url));
    await engine.import({ format: 'movielens-latest', dir });
    // As after a first start: the served version is an activated one.
    await new ModelManager(engine).activate('itemknn', (await engine.train('itemknn', { k: 20 })).version);
    service = await startService({ engine, storageUrl: url, apiKeys: [{ key: KEY, scope: 'admin' }], port: 0, lifecycle: { syncEvery: 100 } });
  }, 120_000);

  afterAll(async () => {
    await service?.close();
    await engine?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers 400 naming the parameter before any job is queued', async () => {
    const refused = await call('POST', '/v1/models/itemknn/train', { params: { k: 0 } });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatchObject({ code: 'validation_failed', message: 'itemknn: parameter "k" must be ≥ 1, got 0', details: { field: 'params.k' } });
    const unknown = await call('POST', '/v1/models/itemknn/train', { params: { neighbours: 10 } });
    expect(unknown.status).toBe(400);
    expect((unknown.body.error as { message: string }).message).toMatch(/unknown parameter "neighbours"; known parameters: k, shrink, aggregate/);
    // Parameters belong under `params`.
    expect((await call('POST', '/v1/models/itemknn/train', { k: 0 })).status).toBe(400);
    // (The only job is the learned ranker's, queued at start since none was stored.)
    expect(((await call('GET', '/v1/models/jobs')).body.jobs as { model: string }[]).filter((j) => j.model !== 'ranker')).toEqual([]);
  });

  it('serves versions that `lmrec train` (another process) and a second connection store, and the pipeline uses them', async () => {
    expect(await listVersion(/itemknn@1/)).toMatch(/itemknn@1/);
    // No ranker was stored: one is trained in the background, lists are merged by rank fusion until then.
    expect(await listVersion(/^pipeline@ranker-1\[/)).toMatch(/^pipeline@ranker-1\[/);

    // `lmrec train` activates what it trained (lifecycle.autoActivate); the server swaps it in.
    const trained = await cli(['--db', url, '--json', 'train', 'itemknn', '-p', 'k=30'], dir);
    expect(trained.code, trained.stderr).toBe(0);
    expect(JSON.parse(trained.stdout)).toMatchObject([{ model: 'itemknn', version: 2 }]);
    expect(await listVersion(/itemknn@2/)).toMatch(/itemknn@2/);

    // A model kind the pipeline did not have becomes one of its sources.
    const other = createEngine(await openStorage(url));
    try {
      await other.train('userknn', { k: 20 });
      expect(await listVersion(/userknn@1/)).toMatch(/itemknn@2.*userknn@1|userknn@1.*itemknn@2/);
      // A newer version stored without activation replaces the activated older one (autoActivate).
      expect((await other.train('itemknn', { k: 40 })).version).toBe(3);
      expect(await listVersion(/itemknn@3/)).toMatch(/itemknn@3/);
      expect(await other.storage.models.active('itemknn')).toBe(3);
      // The ranker stored at start has no features for userknn: it is trained again in the
      // background, and the pipeline then serves it.
      expect(await listVersion(/^pipeline@ranker-2\[/)).toMatch(/^pipeline@ranker-2\[/);
      const rankerJobs = ((await call('GET', '/v1/models/jobs')).body.jobs as { model: string; reason: string; state: string }[]).filter((j) => j.model === 'ranker');
      expect(rankerJobs.map((j) => j.reason).sort()).toEqual(['first start', 'new sources']);
      expect(rankerJobs.every((j) => j.state === 'succeeded')).toBe(true);
    } finally {
      await other.close();
    }
  }, 60_000);
});
