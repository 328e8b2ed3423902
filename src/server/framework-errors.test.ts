/**
 * Answers produced before a route runs are in the documented error shape `{ error: { code, message } }`
 * (found by `bench/fuzz.ts`): malformed percent-encoding in a path, an over-long path parameter,
 * and requests Node's HTTP parser refuses (headers too large, a body sent without framing); and an
 * id of up to 512 characters, as documented, reaches its route instead of Fastify's 100-character limit.
 */
import { connect } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, openStorage } from '../index.js';
import type { Engine } from '../index.js';
import { startServer } from './server.js';

const KEY = 'framework-errors-key';

/** Writes `raw` to the server and reads until it closes the connection (or 5 s passed). */
function rawExchange(url: string, raw: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(raw));
    let out = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (out += chunk));
    socket.on('close', () => resolve(out));
    socket.on('error', reject);
    socket.setTimeout(5_000, () => socket.destroy());
  });
}

function errorOf(text: string): { code: string; message: string } {
  return (JSON.parse(text) as { error: { code: string; message: string } }).error;
}

describe('errors before routing', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmrec-framework-errors-'));
  let engine: Engine;
  let app: FastifyInstance;
  let base = '';
  const auth = { authorization: `Bearer ${KEY}` };

  beforeAll(async () => {
    engine = createEngine(await openStorage(`sqlite://${join(dir, 'errors.db')}`));
    const started = await startServer({ engine, apiKeys: [{ key: KEY, scope: 'admin' }], port: 0 });
    app = started.app;
    base = started.url;
  });

  afterAll(async () => {
    await app?.close();
    await engine?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers malformed percent-encoding with 400 bad_url', async () => {
    for (const path of ['/v1/items/%E0%A4%A', '/v1/items/%', '/v1/models/%FF%FE/train']) {
      const res = await app.inject({ method: 'GET', url: path, headers: auth });
      expect(res.statusCode, path).toBe(400);
      expect(res.headers['content-type']).toMatch(/application\/json/);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(errorOf(res.body)).toEqual({ code: 'bad_url', message: 'the request path is not valid percent-encoded UTF-8' });
    }
  });

  it('routes ids of up to 512 characters and refuses longer ones naming the parameter', async () => {
    const id = 'a'.repeat(512);
    const put = await app.inject({ method: 'PUT', url: `/v1/items/${id}`, headers: auth, payload: { title: 'Long id' } });
    expect(put.statusCode, put.body).toBe(200);
    expect((await app.inject({ method: 'GET', url: `/v1/items/${id}`, headers: auth })).statusCode).toBe(200);
    const unicode = encodeURIComponent('🎬'.repeat(512));
    expect((await app.inject({ method: 'GET', url: `/v1/items/${unicode}`, headers: auth })).statusCode).toBe(404);
    const tooLong = await app.inject({ method: 'GET', url: `/v1/items/${'a'.repeat(513)}`, headers: auth });
    expect(tooLong.statusCode).toBe(400);
    expect(errorOf(tooLong.body).code).toBe('validation_failed');
    const beyondRouting = await app.inject({ method: 'GET', url: `/v1/users/${'a'.repeat(7_000)}`, headers: auth });
    expect(beyondRouting.statusCode).toBe(414);
    expect(errorOf(beyondRouting.body)).toEqual({ code: 'uri_too_long', message: 'a path parameter is longer than the server accepts' });
  });

  it("answers what Node's HTTP parser refuses in the error shape", async () => {
    const huge = await rawExchange(base, `GET /v1/items/${'b'.repeat(100_000)} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
    expect(huge).toMatch(/^HTTP\/1\.1 431 /);
    expect(errorOf(huge.slice(huge.indexOf('\r\n\r\n') + 4)).code).toBe('headers_too_large');
    // Bytes that are no HTTP request (a GET body sent without Content-Length reads like this).
    const garbage = await rawExchange(base, `{"a":1}GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
    expect(garbage).toMatch(/^HTTP\/1\.1 400 /);
    expect(errorOf(garbage.slice(garbage.indexOf('\r\n\r\n') + 4))).toEqual({ code: 'bad_request', message: 'malformed HTTP request' });
  });
});
