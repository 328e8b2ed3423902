/**
 * `/v1/evaluations` on the whole service (`startService` with the dashboard's report routes) over a
 * real SQLite file: an evaluation runs in a worker, its report is listed among the dashboard's
 * reports, and scopes, bad requests and unknown ids get the API's usual answers.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, openStorage } from '../index.js';
import type { Engine } from '../index.js';
import { writeDemoSlice } from '../lifecycle/test-support.js';
import { registerDashboard } from '../server-dashboard/index.js';
import { startService } from './start-service.js';
import type { Service } from './start-service.js';

const ADMIN = 'evaluations-admin-key';
const READ = 'evaluations-read-key';

describe('POST /v1/evaluations', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmrec-evaluations-'));
  const url = `sqlite://${join(dir, 'e.db')}`;
  const reportsDir = join(dir, 'reports');
  let engine: Engine;
  let service: Service;

  async function call(method: string, path: string, body?: unknown, key = ADMIN): Promise<{ status: number; body: Record<string, unknown> }> {
    const res = await fetch(`${service.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  beforeAll(async () => {
    writeDemoSlice(dir, 80);
    engine = createEngine(await openStorage(url));
    await engine.import({ format: 'movielens-latest', dir });
    await engine.train('itemknn', { k: 20 });
    service = await startService({
      engine,
      storageUrl: url,
      reportsDir,
      pipeline: false,
      apiKeys: [
        { key: ADMIN, scope: 'admin' },
        { key: READ, scope: 'read' },
      ],
      port: 0,
      lifecycle: { syncEvery: 0 },
      register: (app) => registerDashboard(app, { engine, reportsDirs: [reportsDir] }).then(() => undefined),
    });
  }, 120_000);

  afterAll(async () => {
    await service?.close();
    await engine?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs in the background and its report is listed with the dashboard\'s reports', async () => {
    const started = await call('POST', '/v1/evaluations', { models: ['pop', 'itemknn'], protocol: 'loo' });
    expect(started.status).toBe(202);
    const jobId = String(started.body.jobId);
    let job: Record<string, unknown> = {};
    for (const deadline = Date.now() + 60_000; Date.now() < deadline; ) {
      job = (await call('GET', `/v1/evaluations/${jobId}`, undefined, READ)).body;
      if (job.state !== 'queued' && job.state !== 'running') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(job.state, JSON.stringify(job.error)).toBe('succeeded');
    const report = (job.result as { report: { id: string; models: { kind: string }[] } }).report;
    expect(report.models.map((m) => m.kind)).toEqual(['pop', 'itemknn']);
    const listed = (await call('GET', '/v1/reports', undefined, READ)).body.reports as { id: string; title: string; models: string[] }[];
    expect(listed.find((r) => r.id === report.id)).toMatchObject({ title: 'leave-one-out on stored events (sqlite)', models: ['pop', 'itemknn'] });
    const doc = (await call('GET', `/v1/reports/${encodeURIComponent(report.id)}`, undefined, READ)).body as { report: { models: { kind: string }[] } };
    expect(doc.report.models).toHaveLength(2);
    const jobs = (await call('GET', '/v1/evaluations', undefined, READ)).body.evaluations as { id: string }[];
    expect(jobs.map((j) => j.id)).toContain(jobId);
  }, 90_000);

  it('needs an admin key to start or cancel, and names what is wrong in a request', async () => {
    expect((await call('POST', '/v1/evaluations', {}, READ)).status).toBe(403);
    const bad = await call('POST', '/v1/evaluations', { models: ['pop', 'nope'] });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: 'validation_failed', details: { field: 'models/1' } });
    const badProtocol = await call('POST', '/v1/evaluations', { protocol: 'recbole' });
    expect(badProtocol.status).toBe(400);
    expect(JSON.stringify(badProtocol.body.error)).toContain('protocol');
    expect((await call('GET', '/v1/evaluations/no-such-job', undefined, READ)).status).toBe(404);
    expect((await call('POST', '/v1/evaluations/no-such-job/cancel')).status).toBe(404);
  });
});
