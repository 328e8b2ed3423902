/**
 * Chat model over any OpenAI-compatible chat endpoint (`POST {base}/chat/completions` with
 * `{ model, messages, temperature, max_tokens, response_format? }` → `{ choices: [{ message: { content } }], usage }`):
 * Ollama, vLLM, llama.cpp server, text-generation-inference and hosted APIs. Each attempt has its
 * own timeout; network errors, timeouts, 429 and 5xx are retried with jittered exponential backoff
 * (honouring `Retry-After`), other 4xx are not; at most `concurrency` requests are in flight. The
 * API key is sent only in the `Authorization` header and never appears in an error or log record.
 * @module
 */
import { AbortError, BackendError, ValidationError, throwIfAborted } from '../core/errors.js';
import { silentLogger } from '../core/logger.js';
import type { Logger } from '../core/logger.js';
import { backoffDelayMs, networkCode, retryAfterMs, serverMessage, sleep } from '../encoders/http-retry.js';
import type { ChatModel, ChatRequest, ChatResponse } from './chat-model.js';
import { createConcurrencyLimit } from './concurrency-limit.js';
import { parseJsonReply } from './parse-json-reply.js';

/** Options of {@link createOpenAiChatModel}. */
export interface OpenAiChatModelOptions {
  /**
   * Server base URL: `http://localhost:11434/v1` (Ollama), `http://localhost:8000/v1` (vLLM),
   * `https://api.openai.com/v1`. `/chat/completions` is appended unless the path already ends with it;
   * a URL without a path gets `/v1/chat/completions`.
   */
  baseUrl: string;
  /** Model name as the server knows it, e.g. `llama3.2` or `gpt-4o-mini`. */
  model: string;
  /** Sent as `Authorization: Bearer <apiKey>`; never logged or put in an error. */
  apiKey?: string;
  /** Per-attempt timeout in ms, response body included (default 30 000). */
  timeoutMs?: number;
  /** Retries after the first attempt on network errors, timeouts, 429 and 5xx (default 2). */
  retries?: number;
  /** First backoff delay in ms, doubled each retry, with jitter (default 250). */
  retryBaseMs?: number;
  /** Longest wait between attempts, `Retry-After` included (default 10 000). */
  maxRetryDelayMs?: number;
  /** Requests in flight at most (default 4); more wait in order. */
  concurrency?: number;
  /**
   * Send `response_format: { type: 'json_object' }` when JSON is asked (default true). Servers that
   * reject the field can turn it off: the prompt asks for JSON anyway and the reply is parsed.
   */
  jsonMode?: boolean;
  /** Extra request headers. */
  headers?: Record<string, string>;
  /** The fetch to use (default the global one). */
  fetch?: typeof fetch;
  /** Receives retries at `warn`, requests at `debug` (never the key or the prompt). */
  logger?: Logger;
}

function intOption(name: string, value: number | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min) {
    throw new ValidationError(`llm option "${name}" must be an integer ≥ ${min}, got ${String(value)}`, { details: { field: name, value } });
  }
  return value;
}

/** The endpoint a base URL names, and a form of it safe to show. */
function chatEndpoint(baseUrl: string): { request: URL; display: string; idPart: string } {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new ValidationError(`llm: baseUrl must be an absolute http(s) URL such as http://localhost:11434/v1, got ${JSON.stringify(baseUrl.replace(/\/\/[^/@]*@/, '//'))}`, {
      details: { field: 'baseUrl' },
    });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ValidationError(`llm: baseUrl must use http or https, got ${url.protocol}`, { details: { field: 'baseUrl' } });
  const path = url.pathname.replace(/\/+$/, '');
  const endpointPath = path === '' ? '/v1/chat/completions' : path.endsWith('/chat/completions') ? path : `${path}/chat/completions`;
  const request = new URL(url.href);
  request.pathname = endpointPath;
  return { request, display: `${url.protocol}//${url.host}${endpointPath}`, idPart: `${url.host}${endpointPath.replace(/\/chat\/completions$/, '')}` };
}

interface Failure {
  error: BackendError;
  retryable: boolean;
  waitMs?: number;
}

/**
 * Creates a chat model for an OpenAI-compatible endpoint; its id is `openai:<host[:port]/path>:<model>`.
 * @example
 * ```ts
 * const llm = createOpenAiChatModel({ baseUrl: 'http://localhost:11434/v1', model: 'llama3.2' });
 * const { text } = await llm.complete({ messages: [{ role: 'user', content: 'Say hello' }] });
 * ```
 */
export function createOpenAiChatModel(options: OpenAiChatModelOptions): ChatModel {
  if (typeof options.model !== 'string' || options.model === '') throw new ValidationError('llm needs "model", the chat model name the server knows', { details: { field: 'model' } });
  const endpoint = chatEndpoint(options.baseUrl);
  const timeoutMs = intOption('timeoutMs', options.timeoutMs, 30_000, 1);
  const retries = intOption('retries', options.retries, 2, 0);
  const retryBaseMs = intOption('retryBaseMs', options.retryBaseMs, 250, 0);
  const maxRetryDelayMs = intOption('maxRetryDelayMs', options.maxRetryDelayMs, 10_000, 1);
  const limit = createConcurrencyLimit(intOption('concurrency', options.concurrency, 4, 1));
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const logger = options.logger ?? silentLogger;
  const apiKey = options.apiKey !== undefined && options.apiKey !== '' ? options.apiKey : undefined;
  const secrets = [apiKey, endpoint.request.password, endpoint.request.username].filter((s): s is string => s !== undefined && s.length >= 4);
  const scrub = (text: string): string => secrets.reduce((acc, secret) => acc.split(secret).join('[redacted]'), text);
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json', ...options.headers };
  if (apiKey !== undefined) headers.authorization = `Bearer ${apiKey}`;
  else if (endpoint.request.username !== '') {
    headers.authorization = `Basic ${Buffer.from(`${decodeURIComponent(endpoint.request.username)}:${decodeURIComponent(endpoint.request.password)}`).toString('base64')}`;
  }
  const requestUrl = new URL(endpoint.request.href);
  requestUrl.username = '';
  requestUrl.password = '';
  const where = endpoint.display;
  let closed = false;

  const fail = (message: string, retryable: boolean, details: Record<string, unknown> = {}): Failure => ({
    error: new BackendError(scrub(message), { details: { url: where, model: options.model, ...details } }),
    retryable,
  });

  const attempt = async (request: ChatRequest): Promise<ChatResponse | Failure> => {
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = request.signal === undefined ? timeout : AbortSignal.any([request.signal, timeout]);
    const body: Record<string, unknown> = { model: options.model, messages: request.messages, temperature: request.temperature ?? 0 };
    if (request.maxTokens !== undefined) body.max_tokens = request.maxTokens;
    if (request.json === true && options.jsonMode !== false) body.response_format = { type: 'json_object' };
    let response: Response;
    let text: string;
    try {
      response = await fetchImpl(requestUrl, { method: 'POST', headers, body: JSON.stringify(body), signal });
      text = await response.text();
    } catch (error) {
      if (request.signal?.aborted) throw new AbortError('operation aborted', { cause: request.signal.reason });
      if (timeout.aborted) return fail(`POST ${where} timed out after ${timeoutMs} ms (model ${options.model}); raise llm timeoutMs`, true, { timeoutMs });
      const code = networkCode(error) ?? (error instanceof Error ? error.message : String(error));
      return fail(`cannot reach ${where}: ${code} — is the server running? set llm to an OpenAI-compatible chat server (e.g. Ollama: openai:http://localhost:11434/v1#llama3.2)`, true, { code });
    }
    if (!response.ok) {
      const message = serverMessage(text);
      const failure = fail(`POST ${where} failed with ${response.status}${response.statusText ? ` ${response.statusText}` : ''}${message ? `: ${message}` : ''}`, response.status === 429 || response.status >= 500, {
        status: response.status,
      });
      const wait = retryAfterMs(response.headers);
      if (wait !== undefined) failure.waitMs = wait;
      return failure;
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return fail(`POST ${where} returned invalid JSON (${response.status}): ${JSON.stringify(text.slice(0, 200))}`, false, { status: response.status });
    }
    const root = json as { choices?: { message?: { content?: unknown } }[]; usage?: { prompt_tokens?: unknown; completion_tokens?: unknown }; model?: unknown } | null;
    const content = root?.choices?.[0]?.message?.content;
    if (typeof content !== 'string') return fail(`POST ${where} returned no choices[0].message.content string: not an OpenAI-compatible chat completion`, false);
    const usage = root?.usage;
    const out: ChatResponse = {
      text: content,
      usage: { promptTokens: typeof usage?.prompt_tokens === 'number' ? usage.prompt_tokens : 0, completionTokens: typeof usage?.completion_tokens === 'number' ? usage.completion_tokens : 0 },
      model: typeof root?.model === 'string' ? root.model : options.model,
    };
    if (request.json === true) out.json = parseJsonReply(content);
    return out;
  };

  const complete = async (request: ChatRequest): Promise<ChatResponse> => {
    if (closed) throw new BackendError(`the chat model for ${where} is closed`);
    if (!Array.isArray(request.messages) || request.messages.length === 0) throw new ValidationError('llm request needs at least one message', { details: { field: 'messages' } });
    return limit(async () => {
      for (let attemptNo = 0; ; attemptNo++) {
        throwIfAborted(request.signal);
        logger.log('debug', 'llm request', { url: where, model: options.model, messages: request.messages.length, attempt: attemptNo + 1 });
        const result = await attempt(request);
        if (!('error' in result)) return result;
        if (!result.retryable || attemptNo >= retries) {
          if (attemptNo > 0) result.error.message += ` (after ${attemptNo + 1} attempts)`;
          throw result.error;
        }
        const waitMs = backoffDelayMs(attemptNo, retryBaseMs, maxRetryDelayMs, result.waitMs);
        logger.log('warn', 'llm: retrying', { url: where, attempt: attemptNo + 1, of: retries + 1, waitMs: Math.round(waitMs), reason: result.error.message });
        await sleep(waitMs, request.signal);
      }
    }, request.signal);
  };

  return {
    id: `openai:${endpoint.idPart}:${options.model}`,
    complete,
    async close() {
      closed = true;
    },
  };
}
