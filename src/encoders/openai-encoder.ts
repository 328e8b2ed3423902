/**
 * Encoder over any OpenAI-compatible embeddings endpoint (`POST …/v1/embeddings` with
 * `{ model, input: string[] }` → `{ data: [{ index, embedding }] }`): Ollama, vLLM,
 * text-embeddings-inference, llama.cpp server and hosted APIs. Batches of `maxBatch` texts, one
 * request at a time, each with its own timeout; network errors, timeouts, 429 and 5xx are retried
 * with exponential backoff and jitter (honouring `Retry-After`), other 4xx are not. The API key is
 * sent only in the `Authorization` header and scrubbed from every error and log record.
 * @module
 */
import { AbortError, BackendError, ValidationError, throwIfAborted } from '../core/errors.js';
import { backoffDelayMs, networkCode, retryAfterMs, serverMessage, sleep } from './http-retry.js';
import { silentLogger } from '../core/logger.js';
import type { Logger } from '../core/logger.js';
import type { EncodeOptions, Encoder } from './encoder.js';
import { forEachBatch, nonEmptyPositions, nonNegativeInt, positiveInt } from './for-each-batch.js';
import { l2NormalizeRows } from './l2-normalize-rows.js';

/** Options of {@link createOpenAiEncoder}. */
export interface OpenAiEncoderOptions {
  /**
   * Server base URL: `http://localhost:11434/v1` (Ollama), `http://localhost:8000/v1` (vLLM),
   * `http://localhost:8080` (text-embeddings-inference), `https://api.openai.com/v1`. A URL without
   * a path gets `/v1/embeddings`, one ending in `/embeddings` is used as is, any other path gets
   * `/embeddings` appended.
   */
  baseUrl: string;
  /** Model name as the server knows it, e.g. `nomic-embed-text` or `text-embedding-3-small`. */
  model: string;
  /** Sent as `Authorization: Bearer <apiKey>`; never logged or put in an error. */
  apiKey?: string;
  /** Expected dimension; when omitted it is learned from the first response (`dim` is 0 until then). */
  dimensions?: number;
  /**
   * Also send `dimensions` in the request, for models that can shorten their vectors
   * (OpenAI `text-embedding-3-*`). Default false: many servers reject unknown fields.
   */
  sendDimensions?: boolean;
  /** Texts per request (default 64). */
  maxBatch?: number;
  /** Per-request timeout in ms, response body included (default 60 000). */
  timeoutMs?: number;
  /** Retries after the first attempt on network errors, timeouts, 429 and 5xx (default 3). */
  retries?: number;
  /** First backoff delay in ms, doubled each retry, with jitter (default 500). */
  retryBaseMs?: number;
  /** Longest wait between attempts, `Retry-After` included (default 30 000). */
  maxRetryDelayMs?: number;
  /** Extra request headers (e.g. an organisation id). */
  headers?: Record<string, string>;
  /** The fetch to use (default the global one); tests and proxies inject theirs. */
  fetch?: typeof fetch;
  /** Receives retries at `warn` and requests at `debug` level (never the key). */
  logger?: Logger;
}

/** An encoder over an OpenAI-compatible endpoint. */
export interface OpenAiEncoder extends Encoder {
  /** The endpoint requests go to (credentials and query string removed). */
  readonly url: string;
  /** Sends one probe request when the dimension is not yet known. */
  load(options?: { signal?: AbortSignal }): Promise<void>;
}

interface Endpoint {
  /** Where requests go (as configured, query string included). */
  request: URL;
  /** Safe to show: no credentials, no query string. */
  display: string;
  /** `host[:port]/path` of the base, for the encoder id. */
  idPart: string;
}

function parseEndpoint(baseUrl: string): Endpoint {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new ValidationError(`openai encoder: baseUrl must be an absolute http(s) URL such as http://localhost:11434/v1, got ${JSON.stringify(baseUrl.replace(/\/\/[^/@]*@/, '//'))}`, {
      details: { field: 'baseUrl' },
    });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ValidationError(`openai encoder: baseUrl must use http or https, got ${url.protocol}`, { details: { field: 'baseUrl' } });
  }
  const path = url.pathname.replace(/\/+$/, '');
  const endpointPath = path === '' ? '/v1/embeddings' : path.endsWith('/embeddings') ? path : `${path}/embeddings`;
  const request = new URL(url.href);
  request.pathname = endpointPath;
  const display = `${url.protocol}//${url.host}${endpointPath}`;
  const idPart = `${url.host}${endpointPath.replace(/\/embeddings$/, '')}`;
  return { request, display, idPart };
}

/** One failed attempt: the error to throw if it was the last, and whether another attempt may help. */
interface Failure {
  error: BackendError;
  retryable: boolean;
  waitMs?: number;
}

/**
 * Creates an encoder for an OpenAI-compatible `/v1/embeddings` endpoint. Its id is
 * `openai:<host[:port]/path>:<model>` (plus `:d<dimensions>` when `sendDimensions` asks the server
 * for shortened vectors). Empty texts become zero rows without a request (OpenAI rejects them).
 * @example
 * ```ts
 * const encoder = createOpenAiEncoder({ baseUrl: 'http://localhost:11434/v1', model: 'nomic-embed-text' });
 * const vectors = await encoder.encode(['a dog runs in the park']);
 * encoder.dim; // 768, learned from the response
 * ```
 */
export function createOpenAiEncoder(options: OpenAiEncoderOptions): OpenAiEncoder {
  if (typeof options.baseUrl !== 'string' || options.baseUrl.length === 0) {
    throw new ValidationError('openai encoder needs "baseUrl", e.g. http://localhost:11434/v1', { details: { field: 'baseUrl' } });
  }
  if (typeof options.model !== 'string' || options.model.length === 0) {
    throw new ValidationError('openai encoder needs "model", the embedding model name the server knows', { details: { field: 'model' } });
  }
  const endpoint = parseEndpoint(options.baseUrl);
  const maxBatch = positiveInt('maxBatch', options.maxBatch, 64);
  const timeoutMs = positiveInt('timeoutMs', options.timeoutMs, 60_000);
  const retries = nonNegativeInt('retries', options.retries, 3);
  const retryBaseMs = nonNegativeInt('retryBaseMs', options.retryBaseMs, 500);
  const maxRetryDelayMs = positiveInt('maxRetryDelayMs', options.maxRetryDelayMs, 30_000);
  const configuredDim = options.dimensions === undefined ? undefined : positiveInt('dimensions', options.dimensions, 1);
  if (options.sendDimensions === true && configuredDim === undefined) {
    throw new ValidationError('openai encoder: sendDimensions needs dimensions', { details: { field: 'dimensions' } });
  }
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const logger = options.logger ?? silentLogger;
  const apiKey = options.apiKey !== undefined && options.apiKey.length > 0 ? options.apiKey : undefined;
  const secrets = [apiKey, endpoint.request.password, endpoint.request.username, endpoint.request.search.length > 1 ? endpoint.request.search.slice(1) : undefined].filter(
    (s): s is string => s !== undefined && s.length >= 4,
  );
  const scrub = (text: string): string => secrets.reduce((acc, secret) => acc.split(secret).join('[redacted]'), text);

  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json', ...options.headers };
  if (apiKey !== undefined) headers.authorization = `Bearer ${apiKey}`;
  // Credentials in the URL are sent as a header by fetch only if we do it: pass them explicitly.
  if (apiKey === undefined && endpoint.request.username !== '') {
    headers.authorization = `Basic ${Buffer.from(`${decodeURIComponent(endpoint.request.username)}:${decodeURIComponent(endpoint.request.password)}`).toString('base64')}`;
  }
  const requestUrl = new URL(endpoint.request.href);
  requestUrl.username = '';
  requestUrl.password = '';
  const where = endpoint.display;
  let dim = configuredDim ?? 0;
  let closed = false;

  const fail = (message: string, retryable: boolean, details: Record<string, unknown> = {}, cause?: unknown): Failure => ({
    error: new BackendError(scrub(message), { details: { url: where, ...details }, ...(cause === undefined ? {} : { cause: scrubbedCause(cause) }) }),
    retryable,
  });
  // The cause is kept for debugging, reduced to name, code and a scrubbed message (no headers).
  const scrubbedCause = (cause: unknown): Error => {
    const error = new Error(scrub(cause instanceof Error ? cause.message : String(cause)));
    error.name = cause instanceof Error ? cause.name : 'Error';
    const code = networkCode(cause);
    if (code !== undefined) (error as Error & { code?: string }).code = code;
    return error;
  };

  /** One attempt: the parsed vectors, or why it failed. */
  const attempt = async (inputs: readonly string[], signal: AbortSignal | undefined): Promise<Float32Array | Failure> => {
    const timeout = AbortSignal.timeout(timeoutMs);
    const combined = signal === undefined ? timeout : AbortSignal.any([signal, timeout]);
    const body: Record<string, unknown> = { model: options.model, input: inputs };
    if (options.sendDimensions === true) body.dimensions = configuredDim;
    let status = 0;
    let text: string;
    let response: Response;
    try {
      response = await fetchImpl(requestUrl, { method: 'POST', headers, body: JSON.stringify(body), signal: combined });
      status = response.status;
      text = await response.text();
    } catch (error) {
      if (signal?.aborted) throw new AbortError('operation aborted', { cause: signal.reason });
      if (timeout.aborted) {
        return fail(`POST ${where} timed out after ${timeoutMs} ms${status === 0 ? '' : ` reading a ${status} response`} (model ${options.model}); raise timeoutMs or lower maxBatch`, true, { timeoutMs });
      }
      const code = networkCode(error) ?? (error instanceof Error ? error.message : String(error));
      return fail(
        `cannot reach ${where}: ${code} — is the server running? set the encoder's baseUrl to an OpenAI-compatible embeddings server (e.g. Ollama: http://localhost:11434/v1)`,
        true,
        { code },
        error,
      );
    }
    if (!response.ok) {
      const message = serverMessage(text);
      const retryable = status === 429 || status >= 500;
      const failure = fail(`POST ${where} failed with ${status}${response.statusText ? ` ${response.statusText}` : ''}${message ? `: ${message}` : ''}`, retryable, { status });
      const wait = retryAfterMs(response.headers);
      if (wait !== undefined) failure.waitMs = wait;
      return failure;
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return fail(`POST ${where} returned invalid JSON (${status}): ${JSON.stringify(text.slice(0, 200))}`, false, { status });
    }
    return parseEmbeddings(json, inputs.length);
  };

  const parseEmbeddings = (json: unknown, count: number): Float32Array | Failure => {
    const data = (json as { data?: unknown } | null)?.data;
    if (!Array.isArray(data)) return fail(`POST ${where} returned no "data" array: not an OpenAI-compatible embeddings response`, false);
    if (data.length !== count) return fail(`POST ${where} returned ${data.length} embeddings for ${count} inputs`, false);
    let rows: Float32Array | undefined;
    let rowDim = dim;
    const seen = new Uint8Array(count);
    for (let k = 0; k < count; k++) {
      const entry = data[k] as { index?: unknown; embedding?: unknown } | null;
      const index = entry?.index === undefined ? k : entry.index;
      if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index >= count || seen[index] === 1) {
        return fail(`POST ${where} returned data[${k}].index ${JSON.stringify(index)}: expected each of 0…${count - 1} once`, false);
      }
      seen[index] = 1;
      const embedding = entry?.embedding;
      if (!Array.isArray(embedding)) {
        return fail(`POST ${where} returned data[${k}].embedding that is not an array of numbers (base64 encoding is not supported)`, false);
      }
      if (rowDim === 0) rowDim = embedding.length;
      if (embedding.length !== rowDim || rowDim === 0) {
        return fail(
          `POST ${where} returned a ${embedding.length}-dimensional embedding for model ${options.model}, expected ${rowDim}${configuredDim === undefined ? ' (learned from an earlier response)' : ' (the configured dimensions)'}`,
          false,
          { expected: rowDim, got: embedding.length },
        );
      }
      rows ??= new Float32Array(count * rowDim);
      for (let j = 0; j < rowDim; j++) {
        const v: unknown = embedding[j];
        if (typeof v !== 'number' || !Number.isFinite(v)) return fail(`POST ${where} returned data[${k}].embedding[${j}] = ${JSON.stringify(v)}, not a finite number`, false);
        rows[index * rowDim + j] = v;
      }
    }
    if (dim === 0) dim = rowDim;
    else if (rowDim !== dim) return fail(`POST ${where} returned ${rowDim}-dimensional embeddings for model ${options.model}, expected ${dim}`, false);
    return rows ?? new Float32Array(0);
  };

  /** Sends one batch, retrying what may succeed later; returns `inputs.length × dim` raw rows. */
  const request = async (inputs: readonly string[], signal: AbortSignal | undefined): Promise<Float32Array> => {
    for (let attemptNo = 0; ; attemptNo++) {
      throwIfAborted(signal);
      logger.log('debug', 'openai encoder request', { url: where, model: options.model, inputs: inputs.length, attempt: attemptNo + 1 });
      const result = await attempt(inputs, signal);
      if (result instanceof Float32Array) return result;
      if (!result.retryable || attemptNo >= retries) {
        if (attemptNo > 0) result.error.message += ` (after ${attemptNo + 1} attempts)`;
        throw result.error;
      }
      const waitMs = backoffDelayMs(attemptNo, retryBaseMs, maxRetryDelayMs, result.waitMs);
      logger.log('warn', 'openai encoder: retrying', { url: where, attempt: attemptNo + 1, of: retries + 1, waitMs: Math.round(waitMs), reason: result.error.message });
      await sleep(waitMs, signal);
    }
  };

  return {
    id: `openai:${endpoint.idPart}:${options.model}${options.sendDimensions === true ? `:d${configuredDim}` : ''}`,
    get dim() {
      return dim;
    },
    maxBatch,
    url: where,
    async load(loadOptions = {}) {
      if (dim === 0) await request(['dimension probe'], loadOptions.signal);
    },
    async encode(texts: readonly string[], encodeOptions: EncodeOptions = {}): Promise<Float32Array> {
      if (closed) throw new BackendError(`the openai encoder for ${where} is closed`);
      const positions = nonEmptyPositions(texts);
      // Without a configured dimension, the first response tells the output matrix its size.
      let out: Float32Array | undefined = dim === 0 ? undefined : new Float32Array(texts.length * dim);
      await forEachBatch(positions, texts.length, maxBatch, encodeOptions, async (batch) => {
        const rows = await request(
          batch.map((p) => texts[p]),
          encodeOptions.signal,
        );
        out ??= new Float32Array(texts.length * dim);
        batch.forEach((position, r) => out?.set(rows.subarray(r * dim, (r + 1) * dim), position * dim));
      });
      return l2NormalizeRows(out ?? new Float32Array(texts.length * dim), dim);
    },
    async close() {
      closed = true;
    },
  };
}
