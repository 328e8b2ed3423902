/**
 * The dashboard page and its key. In process (`app.inject`, whose connections come from 127.0.0.1):
 * when the page carries the session key and when not, and that the key has exactly its scope. As a
 * process: `lmrec serve` on an empty store, asked over HTTP with chosen `Host` and proxy headers.
 */
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, openStorage } from '../index.js';
import type { Engine } from '../index.js';
import { createServer, generateApiKey } from '../server/index.js';
import type { ApiKey } from '../server/index.js';
import { DEFAULT_DASHBOARD_DIST, registerDashboard } from './register-dashboard.js';
import type { DashboardSessionKey } from './register-dashboard.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CONFIGURED: ApiKey[] = [
  { key: 'configured-admin-key', scope: 'admin' },
  { key: 'configured-write-key', scope: 'write' },
];
/** tsx's loader by absolute URL: the server runs in a temporary directory, where `--import tsx` would not resolve. */
const TSX = pathToFileURL(join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href;
const PAGE = '<!doctype html><html><head><title>dashboard</title></head><body></body></html>';

/** The key the page carries, or undefined. */
function pageKey(html: string): string | undefined {
  return /<meta name="lmrec-api-key" content="([^"]*)">/.exec(html)?.[1];
}

describe('dashboard page key (in process)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmrec-dashboard-page-'));
  const session: DashboardSessionKey = { key: generateApiKey(), scope: 'read' };
  let engine: Engine;
  let app: FastifyInstance;
  let bare: FastifyInstance;

  beforeAll(async () => {
    mkdirSync(join(dir, 'dist'));
    writeFileSync(join(dir, 'dist/index.html'), PAGE);
    engine = createEngine(await openStorage(`sqlite://${join(dir, 'page.db')}`));
    await engine.storage.items.upsert([{ id: 'i1', title: 'One' }]);
    const dashboard = { engine, distDir: join(dir, 'dist'), reportsDirs: [join(dir, 'reports')] };
    app = await createServer({
      engine,
      apiKeys: [...CONFIGURED, session],
      register: async (a) => void (await registerDashboard(a, { ...dashboard, sessionKey: session, allowedHosts: ['rec.example.com'] })),
    });
    // pageScope none: the CLI makes no session key and passes none.
    bare = await createServer({ engine, apiKeys: CONFIGURED, register: async (a) => void (await registerDashboard(a, dashboard)) });
  });

  afterAll(async () => {
    await app?.close();
    await bare?.close();
    await engine?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function page(headers: Record<string, string> = {}, remoteAddress = '127.0.0.1'): Promise<string | undefined> {
    const res = await app.inject({ method: 'GET', url: '/', headers: { host: 'localhost:8080', ...headers }, remoteAddress });
    expect(res.statusCode).toBe(200);
    return pageKey(res.body);
  }

  it('gives a local browser a session key that is no configured key, with its scope named', async () => {
    const res = await app.inject({ method: 'GET', url: '/', headers: { host: 'localhost:8080', 'sec-fetch-site': 'none' } });
    const key = pageKey(res.body);
    expect(key).toBe(session.key);
    expect(CONFIGURED.map((k) => k.key)).not.toContain(key);
    expect(res.body).toContain('<meta name="lmrec-api-key-scope" content="read">');
    expect(await page({ host: '127.0.0.1:8080' })).toBe(session.key);
    expect(await page({ host: '[::1]:8080' })).toBe(session.key);
    expect(await page({ host: 'rec.example.com' })).toBe(session.key);
    expect(await page({ origin: 'http://localhost:8080', 'sec-fetch-site': 'same-origin' })).toBe(session.key);
  });

  it('carries no key for another host, behind a proxy, across origins or for a remote peer', async () => {
    expect(await page({ host: 'evil.example' })).toBeUndefined();
    expect(await page({ host: 'evil.example:8080' })).toBeUndefined();
    expect(await page({ host: 'localhost.evil.example' })).toBeUndefined();
    for (const header of ['x-forwarded-for', 'forwarded', 'x-real-ip', 'x-forwarded-host', 'via']) {
      expect(await page({ [header]: header === 'forwarded' ? 'for=203.0.113.9' : '203.0.113.9' }), header).toBeUndefined();
    }
    expect(await page({ origin: 'http://evil.example' })).toBeUndefined();
    expect(await page({ origin: 'http://localhost:9999' })).toBeUndefined();
    expect(await page({ origin: 'null' })).toBeUndefined();
    expect(await page({ 'sec-fetch-site': 'cross-site' })).toBeUndefined();
    expect(await page({ 'sec-fetch-site': 'same-site' })).toBeUndefined();
    expect(await page({}, '203.0.113.9')).toBeUndefined();
  });

  it('gives the session key exactly its scope', async () => {
    const headers = { authorization: `Bearer ${session.key}` };
    expect((await app.inject({ method: 'GET', url: '/v1/items', headers })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/v1/users', headers })).statusCode).toBe(200);
    const post = await app.inject({ method: 'POST', url: '/v1/events', headers, payload: { userId: 'u1', itemId: 'i1', type: 'like' } });
    expect(post.statusCode).toBe(403);
    expect(post.json<{ error: { code: string; details: { granted: string; needed: string } } }>().error).toMatchObject({ code: 'forbidden', details: { granted: 'read', needed: 'write' } });
    expect((await app.inject({ method: 'POST', url: '/v1/models/pop/train', headers, payload: {} })).statusCode).toBe(403);
    // The configured write key still writes.
    const written = await app.inject({ method: 'POST', url: '/v1/events', headers: { authorization: `Bearer ${CONFIGURED[1].key}` }, payload: { userId: 'u1', itemId: 'i1', type: 'like' } });
    expect(written.statusCode).toBe(200);
  });

  it('writes no key without a session key (pageScope none)', async () => {
    const res = await bare.inject({ method: 'GET', url: '/', headers: { host: 'localhost' } });
    expect(res.statusCode).toBe(200);
    expect(res.body).not.toContain('lmrec-api-key');
  });

  it('serves the page with its Content-Security-Policy, no framing and no caching', async () => {
    const res = await app.inject({ method: 'GET', url: '/', headers: { host: 'localhost' } });
    const csp = String(res.headers['content-security-policy']);
    for (const directive of ["default-src 'self'", "script-src 'self'", "connect-src 'self'", "img-src 'self' data:", "style-src 'self'", "frame-ancestors 'none'", "base-uri 'none'", "form-action 'self'"]) {
      expect(csp).toContain(directive);
    }
    expect(csp).not.toContain('unsafe');
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers['cache-control']).toBe('no-store');
    const api = await app.inject({ method: 'GET', url: '/v1/health' });
    expect(api.headers['content-security-policy']).toContain("default-src 'none'");
    expect(api.headers['x-frame-options']).toBe('DENY');
  });
});

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A request with chosen headers, `Host` included (fetch does not let a caller set one). */
function call(base: string, path: string, headers: Record<string, string>, method = 'GET', body?: string): Promise<Answer> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ hostname, port, path, method, headers: { host: `${hostname}:${port}`, ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function ensureBuilt(): Promise<void> {
  if (existsSync(join(DEFAULT_DASHBOARD_DIST, 'index.html'))) return;
  const { build } = await import('vite');
  await build({ configFile: join(ROOT, 'dashboard/vite.config.ts'), logLevel: 'warn' });
}

/** Starts `lmrec serve` in `cwd` on an empty store; resolves with the process, its URL and a reader of its stderr. */
async function serve(cwd: string, env: Record<string, string>): Promise<{ child: ChildProcessWithoutNullStreams; base: string; stderr: () => string }> {
  let stderr = '';
  const child = spawn(process.execPath, ['--import', TSX, join(ROOT, 'src/cli/main.ts'), '--db', `sqlite://${join(cwd, 'serve.db')}`, '--json', 'serve', '--port', '0'], {
    cwd,
    env: { ...process.env, LMREC_API_KEYS: '', LMREC_ALLOWED_HOSTS: '', LMREC_DASHBOARD_SCOPE: '', ...env },
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const base = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`lmrec serve did not start: ${stderr}`)), 60_000);
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (!out.includes('\n')) return;
      clearTimeout(timer);
      resolve((JSON.parse(out.split('\n')[0]) as { url: string }).url);
    });
    child.once('exit', (code) => reject(new Error(`lmrec serve exited with ${code}: ${stderr}`)));
  });
  return { child, base, stderr: () => stderr };
}

async function stop(child: ChildProcessWithoutNullStreams | undefined): Promise<void> {
  if (child === undefined || child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

describe('lmrec serve: the dashboard key over HTTP', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmrec-serve-page-'));
  let served: Awaited<ReturnType<typeof serve>> | undefined;
  let none: Awaited<ReturnType<typeof serve>> | undefined;

  beforeAll(async () => {
    await ensureBuilt();
    mkdirSync(join(dir, 'read'));
    mkdirSync(join(dir, 'none'));
    [served, none] = await Promise.all([serve(join(dir, 'read'), {}), serve(join(dir, 'none'), { LMREC_DASHBOARD_SCOPE: 'none' })]);
  }, 120_000);

  afterAll(async () => {
    await Promise.all([stop(served?.child), stop(none?.child)]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('never prints the generated admin key, only where it is', () => {
    const line = readFileSync(join(dir, 'read/var/lmrec-api-key'), 'utf8').trim();
    const adminKey = line.slice(0, line.lastIndexOf(':'));
    expect(served!.stderr()).not.toContain(adminKey);
    expect(served!.stderr()).toContain('cat var/lmrec-api-key');
  });

  it('refuses Host: evil.example with 403 and gives a local browser a read session key, not the admin key', async () => {
    const { base } = served!;
    const evil = await call(base, '/', { host: 'evil.example' });
    expect(evil.status).toBe(403);
    expect((JSON.parse(evil.body) as { error: { code: string } }).error.code).toBe('host_not_allowed');
    expect(pageKey(evil.body)).toBeUndefined();

    const local = await call(base, '/', {});
    expect(local.status).toBe(200);
    expect(local.headers['content-security-policy']).toContain("script-src 'self'");
    const key = pageKey(local.body);
    expect(key).toMatch(/^lmrec_/);
    const admin = readFileSync(join(dir, 'read/var/lmrec-api-key'), 'utf8');
    expect(admin).not.toContain(key!);
    expect(served!.stderr()).not.toContain(key!);
    const auth = { authorization: `Bearer ${key!}` };
    expect((await call(base, '/v1/items', auth)).status).toBe(200);
    expect((await call(base, '/v1/events', { ...auth, 'content-type': 'application/json' }, 'POST', JSON.stringify({ userId: 'u', itemId: 'i', type: 'view' }))).status).toBe(403);

    expect(pageKey((await call(base, '/', { 'x-forwarded-for': '203.0.113.9' })).body)).toBeUndefined();
    expect(pageKey((await call(base, '/', { origin: 'http://evil.example' })).body)).toBeUndefined();
  });

  it('keeps the security headers on the event stream', async () => {
    const key = pageKey((await call(served!.base, '/', {})).body)!;
    const controller = new AbortController();
    const res = await fetch(`${served!.base}/v1/events/stream`, { headers: { authorization: `Bearer ${key}` }, signal: controller.signal });
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    controller.abort();
  });

  it('writes no key with pageScope none', async () => {
    const local = await call(none!.base, '/', {});
    expect(local.status).toBe(200);
    expect(local.body).not.toContain('lmrec-api-key');
  });
});
