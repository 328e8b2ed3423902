/**
 * The `Host` allow-list: parsing and matching, then the server's hook, on a real listening server
 * bound to loopback (as `lmrec serve` runs by default) and on in-process servers as if bound elsewhere.
 */
import { request as httpRequest } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, openStorage } from '../index.js';
import type { Engine } from '../index.js';
import { createHostAllowList, hostnameOf, isLoopbackAddress, isLoopbackHostname, normaliseAllowedHost } from './host-allow-list.js';
import { createServer, startServer } from './server.js';

const KEY = 'hosts-test-key';

/** A GET with a chosen `Host` header (fetch does not let a caller set one). */
function get(url: string, host: string, path: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ hostname, port, path, method: 'GET', headers: { host, authorization: `Bearer ${KEY}` } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('host names', () => {
  it('parses Host headers into bare lower-case hostnames', () => {
    expect(hostnameOf('localhost:8080')).toBe('localhost');
    expect(hostnameOf('Example.COM.')).toBe('example.com');
    expect(hostnameOf('[::1]:8080')).toBe('::1');
    expect(hostnameOf('127.0.0.1')).toBe('127.0.0.1');
    for (const bad of [undefined, '', ':8080', 'a b', '[::1', 'host:port', 'evil.example:80:80', '::1', 'user@host']) expect(hostnameOf(bad), String(bad)).toBeUndefined();
  });

  it('knows loopback names and peer addresses', () => {
    for (const name of ['localhost', 'LOCALHOST', '127.0.0.1', '127.1.2.3', '::1', '[::1]']) expect(isLoopbackHostname(name), name).toBe(true);
    for (const name of ['evil.example', 'localhost.evil.example', '128.0.0.1', '127.0.0.256', '0.0.0.0', '::']) expect(isLoopbackHostname(name), name).toBe(false);
    for (const ip of ['127.0.0.1', '::1', '::ffff:127.0.0.1']) expect(isLoopbackAddress(ip), ip).toBe(true);
    for (const ip of [undefined, '10.0.0.1', '::ffff:10.0.0.1', '192.168.1.2']) expect(isLoopbackAddress(ip), String(ip)).toBe(false);
  });

  it('normalises allowed entries and refuses schemes, ports and paths', () => {
    expect(normaliseAllowedHost(' Rec.Example.com ')).toBe('rec.example.com');
    expect(normaliseAllowedHost('2001:db8::1')).toBe('2001:db8::1');
    expect(normaliseAllowedHost('[2001:db8::1]')).toBe('2001:db8::1');
    for (const bad of ['https://rec.example.com', 'rec.example.com:8080', '[::1]:80', 'rec.example.com/x', '*.example.com', '']) {
      expect(() => normaliseAllowedHost(bad), bad).toThrow(/without scheme, port or path/);
    }
  });

  it('accepts loopback names and listed hosts; an empty list without loopbackOnly accepts all', () => {
    const open = createHostAllowList();
    expect(open.enforced).toBe(false);
    expect(open.allows('evil.example')).toBe(true);
    const loopback = createHostAllowList({ loopbackOnly: true });
    expect(loopback.allows('localhost:8080')).toBe(true);
    expect(loopback.allows('[::1]:8080')).toBe(true);
    expect(loopback.allows('evil.example')).toBe(false);
    expect(loopback.allows(undefined)).toBe(false);
    const listed = createHostAllowList({ allowedHosts: ['rec.example.com'] });
    expect(listed.enforced).toBe(true);
    expect(listed.allows('REC.example.com:443')).toBe(true);
    expect(listed.allows('127.0.0.1:8080')).toBe(true);
    expect(listed.allows('other.example.com')).toBe(false);
    expect(listed.refusal('other.example.com')).toMatch(/host "other\.example\.com" is not allowed.*rec\.example\.com.*server\.allowedHosts.*LMREC_ALLOWED_HOSTS/);
  });
});

describe('Host allow-list on the server', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmrec-hosts-'));
  let engine: Engine;
  let loopbackApp: FastifyInstance;
  let base = '';

  beforeAll(async () => {
    engine = createEngine(await openStorage(`sqlite://${join(dir, 'hosts.db')}`));
    const started = await startServer({ engine, apiKeys: [{ key: KEY, scope: 'admin' }], port: 0, allowedHosts: ['rec.example.com'] });
    loopbackApp = started.app;
    base = started.url;
  });

  afterAll(async () => {
    await loopbackApp?.close();
    await engine?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('bound to loopback, refuses other names with 403 host_not_allowed, /v1/health included', async () => {
    const port = new URL(base).port;
    for (const path of ['/v1/health', '/v1/items', '/openapi.json', '/nowhere']) {
      const res = await get(base, `evil.example:${port}`, path);
      expect(res.status, path).toBe(403);
      expect(res.headers['content-type']).toMatch(/application\/json/);
      const body = JSON.parse(res.body) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('host_not_allowed');
      expect(body.error.message).toContain('"evil.example:');
      expect(body.error.message).toContain('server.allowedHosts');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
    }
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, 'rec.example.com']) {
      expect((await get(base, host, '/v1/health')).status, host).toBe(200);
      expect((await get(base, host, '/v1/items')).status, host).toBe(200);
    }
  });

  it('bound elsewhere, enforces only a configured list; an empty one accepts any host', async () => {
    const anyHost = await createServer({ engine, apiKeys: [] });
    const listed = await createServer({ engine, apiKeys: [], allowedHosts: ['rec.example.com'] });
    try {
      expect((await anyHost.inject({ method: 'GET', url: '/v1/health', headers: { host: 'evil.example' } })).statusCode).toBe(200);
      const refused = await listed.inject({ method: 'GET', url: '/v1/health', headers: { host: 'evil.example' } });
      expect(refused.statusCode).toBe(403);
      expect(refused.json<{ error: { code: string } }>().error.code).toBe('host_not_allowed');
      expect((await listed.inject({ method: 'GET', url: '/v1/health', headers: { host: 'rec.example.com' } })).statusCode).toBe(200);
    } finally {
      await anyHost.close();
      await listed.close();
    }
  });

  it('sends security headers on every answer, errors included', async () => {
    const res = await get(base, 'localhost', '/v1/items/none');
    expect(res.status).toBe(404);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
  });
});
