import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { AbortError, BackendError, ValidationError } from '../core/errors.js';
import type { LogLevel, Logger } from '../core/logger.js';
import { createOpenAiEncoder } from './openai-encoder.js';
import type { OpenAiEncoderOptions } from './openai-encoder.js';

const API_KEY = 'sk-test-SECRET-7f3a9c';

interface Received {
  url: string;
  authorization: string | undefined;
  body: { model: string; input: string[]; dimensions?: number };
}

type Handler = (req: Received, res: ServerResponse, n: number) => void;

/** A real HTTP server on 127.0.0.1:<random port> that answers with the handler of the current test. */
async function startServer(handler: Handler): Promise<{ base: string; requests: Received[]; server: Server }> {
  const requests: Received[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const received: Received = {
        url: req.url ?? '',
        authorization: req.headers.authorization,
        body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Received['body'],
      };
      requests.push(received);
      handler(received, res, requests.length);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  const { port } = server.address() as AddressInfo;
  return { base: `http://127.0.0.1:${port}/v1`, requests, server };
}

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

/** Deterministic, unnormalised vector of a text: [length, first char code, 1]. */
function vectorOf(text: string, dim = 3): number[] {
  const v = [text.length, text.charCodeAt(0), 1, 2, 3, 4, 5, 6].slice(0, dim);
  return v;
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

function embeddings(req: Received, res: ServerResponse, options: { reverse?: boolean; dim?: number } = {}): void {
  const data = req.body.input.map((text, index) => ({ object: 'embedding', index, embedding: vectorOf(text, options.dim) }));
  if (options.reverse) data.reverse();
  json(res, 200, { object: 'list', data, model: req.body.model, usage: { prompt_tokens: 1, total_tokens: 1 } });
}

function normalised(v: number[]): number[] {
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}

function rows(m: Float32Array, dim: number): number[][] {
  const out: number[][] = [];
  for (let r = 0; r < m.length / dim; r++) out.push(Array.from(m.subarray(r * dim, (r + 1) * dim)));
  return out;
}

function expectRows(m: Float32Array, texts: string[], dim = 3): void {
  const actual = rows(m, dim);
  texts.forEach((t, r) => actual[r].forEach((v, j) => expect(v).toBeCloseTo(t === '' ? 0 : normalised(vectorOf(t, dim))[j], 6)));
}

/** Collects log records and checks none of them, nor the error, mentions the API key. */
function recordingLogger(): Logger & { records: Array<{ level: LogLevel; message: string; fields?: Record<string, unknown> }> } {
  const records: Array<{ level: LogLevel; message: string; fields?: Record<string, unknown> }> = [];
  return { records, log: (level, message, fields) => records.push({ level, message, ...(fields ? { fields } : {}) }) };
}

function expectNoKey(error: unknown, logger?: ReturnType<typeof recordingLogger>): void {
  const e = error as BackendError;
  const everything = [String(e), e.stack ?? '', JSON.stringify(e.details), String((e.cause as Error | undefined)?.message ?? ''), JSON.stringify(logger?.records ?? [])].join('\n');
  expect(everything).not.toContain(API_KEY);
}

function encoderFor(base: string, extra: Partial<OpenAiEncoderOptions> = {}) {
  return createOpenAiEncoder({ baseUrl: base, model: 'test-embed', apiKey: API_KEY, retryBaseMs: 1, ...extra });
}

describe('openai-compatible encoder against a local server', () => {
  it('batches, sends model and key, learns the dimension and normalises', async () => {
    const { base, requests } = await startServer((req, res) => embeddings(req, res));
    const encoder = encoderFor(base, { maxBatch: 2 });
    expect(encoder.dim).toBe(0);
    expect(encoder.id).toBe(`openai:${new URL(base).host}/v1:test-embed`);
    const texts = ['alpha', 'be', 'gamma ray', 'd', 'epsilon'];
    const progress: number[] = [];
    const m = await encoder.encode(texts, { onProgress: (done) => progress.push(done) });
    expect(encoder.dim).toBe(3);
    expect(requests.map((r) => r.body.input.length)).toEqual([2, 2, 1]);
    expect(requests.map((r) => r.body.input)).toEqual([['alpha', 'be'], ['gamma ray', 'd'], ['epsilon']]);
    expect(requests.every((r) => r.url === '/v1/embeddings' && r.body.model === 'test-embed' && r.authorization === `Bearer ${API_KEY}`)).toBe(true);
    expect(requests[0].body).not.toHaveProperty('dimensions');
    expect(progress).toEqual([2, 4, 5]);
    expectRows(m, texts);
  });

  it('places rows by index when the server answers out of order', async () => {
    const { base } = await startServer((req, res) => embeddings(req, res, { reverse: true }));
    const texts = ['one', 'three', 'fifteen'];
    expectRows(await encoderFor(base).encode(texts), texts);
  });

  it('encodes empty texts as zero rows without sending them', async () => {
    const { base, requests } = await startServer((req, res) => embeddings(req, res));
    const encoder = encoderFor(base, { dimensions: 3 });
    const m = await encoder.encode(['', 'x', '']);
    expectRows(m, ['', 'x', '']);
    expect(requests.map((r) => r.body.input)).toEqual([['x']]);
    expect(await encoder.encode(['', ''])).toEqual(new Float32Array(6));
    expect(requests).toHaveLength(1);
  });

  it('retries a 500 and succeeds', async () => {
    const logger = recordingLogger();
    const { requests, base } = await startServer((req, res, n) => (n === 1 ? json(res, 500, { error: { message: 'model loading' } }) : embeddings(req, res)));
    const m = await encoderFor(base, { logger }).encode(['hello']);
    expectRows(m, ['hello']);
    expect(requests).toHaveLength(2);
    const warnings = logger.records.filter((r) => r.level === 'warn');
    expect(warnings).toHaveLength(1);
    expect(String(warnings[0].fields?.reason)).toMatch(/failed with 500 Internal Server Error: model loading/);
    expectNoKey(new BackendError('none'), logger);
  });

  it('waits for Retry-After on 429 instead of its own backoff', async () => {
    const { requests, base } = await startServer((req, res, n) =>
      n === 1 ? json(res, 429, { error: { message: 'rate limited' } }, { 'retry-after': '1' }) : embeddings(req, res),
    );
    const started = performance.now();
    await encoderFor(base, { retryBaseMs: 20_000 }).encode(['hi']);
    const elapsed = performance.now() - started;
    expect(requests).toHaveLength(2);
    expect(elapsed).toBeGreaterThanOrEqual(950);
    expect(elapsed).toBeLessThan(5_000);
  });

  it('gives up after the retries and says how many attempts were made', async () => {
    const { requests, base } = await startServer((_req, res) => json(res, 503, { error: 'overloaded' }));
    const error = await encoderFor(base, { retries: 2 }).encode(['x']).catch((e: unknown) => e);
    expect(requests).toHaveLength(3);
    expect(error).toBeInstanceOf(BackendError);
    expect((error as Error).message).toBe(`POST ${base}/embeddings failed with 503 Service Unavailable: overloaded (after 3 attempts)`);
  });

  it('does not retry a 400 and surfaces the server message, without the key', async () => {
    const logger = recordingLogger();
    const { requests, base } = await startServer((_req, res) =>
      json(res, 400, { error: { message: `input too long for model test-embed (key ${API_KEY})`, type: 'invalid_request_error' } }),
    );
    const error = await encoderFor(base, { logger }).encode(['x']).catch((e: unknown) => e);
    expect(requests).toHaveLength(1);
    expect(error).toBeInstanceOf(BackendError);
    expect((error as Error).message).toBe(`POST ${base}/embeddings failed with 400 Bad Request: input too long for model test-embed (key [redacted])`);
    expect((error as BackendError).details).toMatchObject({ url: `${base}/embeddings`, status: 400 });
    expectNoKey(error, logger);
  });

  it('times out a hanging response, retries, then fails clearly', async () => {
    const { requests, base } = await startServer(() => undefined); // never answers
    const started = performance.now();
    const error = await encoderFor(base, { timeoutMs: 150, retries: 1 }).encode(['x']).catch((e: unknown) => e);
    expect(performance.now() - started).toBeLessThan(3_000);
    expect(requests).toHaveLength(2);
    expect(error).toBeInstanceOf(BackendError);
    expect((error as Error).message).toMatch(new RegExp(`^POST ${base}/embeddings timed out after 150 ms .*\\(after 2 attempts\\)$`));
    expectNoKey(error);
  });

  it('stops at once when the caller aborts a hanging request', async () => {
    const { base } = await startServer(() => undefined);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const started = performance.now();
    await expect(encoderFor(base, { timeoutMs: 10_000 }).encode(['x'], { signal: controller.signal })).rejects.toBeInstanceOf(AbortError);
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it('says the server cannot be reached when the port is closed', async () => {
    const { base, server } = await startServer(() => undefined);
    servers.splice(servers.indexOf(server), 1);
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const logger = recordingLogger();
    const error = await encoderFor(base, { retries: 1, logger }).encode(['x']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendError);
    expect((error as Error).message).toMatch(new RegExp(`^cannot reach ${base}/embeddings: ECONNREFUSED — is the server running\\? set the encoder's baseUrl`));
    expect((error as BackendError).details).toMatchObject({ code: 'ECONNREFUSED' });
    expect(logger.records.filter((r) => r.level === 'warn')).toHaveLength(1);
    expectNoKey(error, logger);
  });

  it('rejects a wrong dimension, inconsistent rows, malformed JSON and missing data without retrying', async () => {
    const cases: Array<[Handler, RegExp]> = [
      [(req, res) => embeddings(req, res, { dim: 5 }), /returned a 5-dimensional embedding for model test-embed, expected 3 \(the configured dimensions\)/],
      [(_req, res) => json(res, 200, { data: [{ index: 0, embedding: [1, 2, 3] }, { index: 1, embedding: [1, 2] }] }), /2-dimensional embedding .* expected 3/],
      [(_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"data": [oops'), /returned invalid JSON \(200\): "\{\\"data\\": \[oops"/],
      [(_req, res) => json(res, 200, { embeddings: [] }), /returned no "data" array/],
      [(_req, res) => json(res, 200, { data: [{ index: 0, embedding: [1, 2, 3] }] }), /returned 1 embeddings for 2 inputs/],
      [(_req, res) => json(res, 200, { data: [{ index: 0, embedding: [1, 2, 3] }, { index: 0, embedding: [1, 2, 3] }] }), /data\[1\]\.index 0: expected each of 0…1 once/],
      [(_req, res) => json(res, 200, { data: [{ index: 0, embedding: 'AAAA' }, { index: 1, embedding: [1, 2, 3] }] }), /not an array of numbers/],
      [(_req, res) => json(res, 200, { data: [{ index: 0, embedding: [1, null, 3] }, { index: 1, embedding: [1, 2, 3] }] }), /embedding\[1\] = null, not a finite number/],
    ];
    for (const [handler, message] of cases) {
      const { base, requests } = await startServer(handler);
      const error = await encoderFor(base, { dimensions: 3 }).encode(['a', 'b']).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BackendError);
      expect((error as Error).message).toMatch(message);
      expect(requests).toHaveLength(1);
    }
  });

  it('checks later responses against the learned dimension', async () => {
    const { base } = await startServer((req, res, n) => embeddings(req, res, { dim: n === 1 ? 3 : 4 }));
    const encoder = encoderFor(base);
    await encoder.load();
    expect(encoder.dim).toBe(3);
    await expect(encoder.encode(['x'])).rejects.toThrow(/4-dimensional embedding .* expected 3 \(learned from an earlier response\)/);
  });

  it('sends dimensions when asked and keys the id by them', async () => {
    const { base, requests } = await startServer((req, res) => embeddings(req, res, { dim: 2 }));
    const encoder = encoderFor(base, { dimensions: 2, sendDimensions: true });
    expect(encoder.id).toMatch(/:test-embed:d2$/);
    await encoder.encode(['x']);
    expect(requests[0].body.dimensions).toBe(2);
  });
});

describe('openai-compatible encoder configuration', () => {
  it('derives the endpoint from the base URL', () => {
    const url = (baseUrl: string): string => createOpenAiEncoder({ baseUrl, model: 'm' }).url;
    expect(url('http://localhost:11434/v1')).toBe('http://localhost:11434/v1/embeddings');
    expect(url('http://localhost:11434/v1/')).toBe('http://localhost:11434/v1/embeddings');
    expect(url('http://localhost:8080')).toBe('http://localhost:8080/v1/embeddings');
    expect(url('https://api.example.com/openai/v1/embeddings')).toBe('https://api.example.com/openai/v1/embeddings');
    expect(url('https://user:hunter2@api.example.com/v1?api-key=abcd')).toBe('https://api.example.com/v1/embeddings');
    expect(createOpenAiEncoder({ baseUrl: 'https://user:hunter2@h/v1?k=zz', model: 'm' }).id).toBe('openai:h/v1:m');
  });

  it('validates options', () => {
    expect(() => createOpenAiEncoder({ baseUrl: 'localhost:11434', model: 'm' })).toThrow(ValidationError);
    expect(() => createOpenAiEncoder({ baseUrl: 'ftp://h', model: 'm' })).toThrow(/http or https/);
    expect(() => createOpenAiEncoder({ baseUrl: 'http://h', model: '' })).toThrow(/needs "model"/);
    expect(() => createOpenAiEncoder({ baseUrl: 'http://h', model: 'm', maxBatch: 0 })).toThrow(/maxBatch/);
    expect(() => createOpenAiEncoder({ baseUrl: 'http://h', model: 'm', retries: -1 })).toThrow(/retries/);
    expect(() => createOpenAiEncoder({ baseUrl: 'http://h', model: 'm', sendDimensions: true })).toThrow(/sendDimensions needs dimensions/);
  });
});
