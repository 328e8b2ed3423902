import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, redactConfig } from '../config/config.js';
import { AbortError, BackendError, ValidationError } from '../core/errors.js';
import { openStorage } from '../storage/open-storage.js';
import { createChatModel } from './create-chat-model.js';
import { createGgufChatModel, loadNodeLlamaCpp } from './gguf-chat-model.js';
import { guardChatModel, promptHash } from './guarded-chat-model.js';
import { createOpenAiChatModel } from './openai-chat-model.js';
import { startScriptedChatServer } from './test-support/scripted-chat-server.js';
import type { ScriptedChatServer } from './test-support/scripted-chat-server.js';

let server: ScriptedChatServer;
beforeAll(async () => {
  server = await startScriptedChatServer();
});
afterAll(() => server.close());
afterEach(() => {
  server.requests.length = 0;
  server.setDefault({ status: 500 });
});

const ask = [{ role: 'user' as const, content: 'Say hello' }];

describe('openai chat model', () => {
  it('sends model, messages, temperature 0 and response_format for JSON; reads text, JSON and usage', async () => {
    server.enqueue({ content: 'Sure: ```json\n{"order":["a","b"]}\n```', usage: { prompt_tokens: 12, completion_tokens: 7 } });
    const llm = createOpenAiChatModel({ baseUrl: server.baseUrl, model: 'tiny', apiKey: 'sk-secret-key' });
    const answer = await llm.complete({ messages: ask, json: true });
    expect(answer).toMatchObject({ json: { order: ['a', 'b'] }, usage: { promptTokens: 12, completionTokens: 7 }, model: 'tiny' });
    const sent = server.requests[0];
    expect(sent.path).toBe('/v1/chat/completions');
    expect(sent.body).toMatchObject({ model: 'tiny', messages: ask, temperature: 0, response_format: { type: 'json_object' } });
    expect(sent.headers.authorization).toBe('Bearer sk-secret-key');
    expect(llm.id).toBe(`openai:${new URL(server.baseUrl).host}/v1:tiny`);
  });

  it('retries 429 (honouring Retry-After) and 500, then answers; gives up after the retries with the status', async () => {
    server.enqueue({ status: 429, headers: { 'retry-after': '0' } }, { status: 500 }, { content: 'hello' });
    const llm = createOpenAiChatModel({ baseUrl: server.baseUrl, model: 'tiny', retries: 2, retryBaseMs: 1 });
    expect((await llm.complete({ messages: ask })).text).toBe('hello');
    expect(server.requests).toHaveLength(3);
    server.enqueue({ status: 500 }, { status: 503 });
    const once = createOpenAiChatModel({ baseUrl: server.baseUrl, model: 'tiny', retries: 1, retryBaseMs: 1 });
    const error = await once.complete({ messages: ask }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendError);
    expect((error as Error).message).toMatch(/failed with 503.*after 2 attempts/);
  });

  it('does not retry other 4xx, and never puts the key in an error', async () => {
    server.enqueue({ status: 401, body: JSON.stringify({ error: { message: 'bad key sk-secret-key' } }) });
    const llm = createOpenAiChatModel({ baseUrl: server.baseUrl, model: 'tiny', apiKey: 'sk-secret-key', retryBaseMs: 1 });
    const error = (await llm.complete({ messages: ask }).catch((e: unknown) => e)) as BackendError;
    expect(server.requests).toHaveLength(1);
    expect(error.message).toContain('401');
    expect(error.message).not.toContain('sk-secret-key');
  });

  it('times out a slow answer per attempt, and an aborted signal stops at once with AbortError', async () => {
    server.setDefault({ content: 'late', delayMs: 2_000 });
    const llm = createOpenAiChatModel({ baseUrl: server.baseUrl, model: 'tiny', timeoutMs: 50, retries: 0 });
    await expect(llm.complete({ messages: ask })).rejects.toThrow(/timed out after 50 ms/);
    const t0 = performance.now();
    await expect(createOpenAiChatModel({ baseUrl: server.baseUrl, model: 'tiny' }).complete({ messages: ask, signal: AbortSignal.timeout(40) })).rejects.toBeInstanceOf(AbortError);
    expect(performance.now() - t0).toBeLessThan(1_000);
  });

  it('refuses a reply that is not a chat completion, naming what is missing', async () => {
    server.enqueue({ status: 200, body: JSON.stringify({ data: [] }) });
    const llm = createOpenAiChatModel({ baseUrl: server.baseUrl, model: 'tiny', retries: 0 });
    await expect(llm.complete({ messages: ask })).rejects.toThrow(/choices\[0\]\.message\.content/);
  });

  it('keeps at most `concurrency` requests in flight', async () => {
    let inFlight = 0;
    let most = 0;
    server.setDefault(() => {
      inFlight++;
      most = Math.max(most, inFlight);
      setTimeout(() => inFlight--, 30);
      return { content: 'ok', delayMs: 30 };
    });
    const llm = createOpenAiChatModel({ baseUrl: server.baseUrl, model: 'tiny', concurrency: 2 });
    await Promise.all(Array.from({ length: 6 }, () => llm.complete({ messages: ask })));
    expect(server.requests).toHaveLength(6);
    expect(most).toBeLessThanOrEqual(2);
  });

  it('refuses a bad base URL and an empty model with a ValidationError naming the field', () => {
    expect(() => createOpenAiChatModel({ baseUrl: 'localhost:11434', model: 'm' })).toThrow(ValidationError);
    expect(() => createOpenAiChatModel({ baseUrl: 'http://h/v1', model: '' })).toThrow(/needs "model"/);
  });
});

describe('guarded chat model', () => {
  it('scrubs PII from every message before it is sent', async () => {
    server.enqueue({ content: 'ok' });
    const llm = guardChatModel(createOpenAiChatModel({ baseUrl: server.baseUrl, model: 'tiny' }));
    await llm.complete({ messages: [{ role: 'system', content: 'rank' }, { role: 'user', content: 'I reviewed Heat: mail me at jane.doe@example.com or +44 20 7946 0958' }] });
    expect(server.requests[0].prompt).not.toContain('jane.doe@example.com');
    expect(server.requests[0].prompt).not.toContain('7946');
    expect(server.requests[0].prompt).toContain('I reviewed Heat');
  });

  it('answers cacheable requests from storage (keyed by model and prompt hash), others always from the model', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lmrec-llm-cache-'));
    const storage = await openStorage(`sqlite://${join(dir, 'c.db')}`);
    try {
      server.setDefault({ content: 'a description' });
      const llm = guardChatModel(createOpenAiChatModel({ baseUrl: server.baseUrl, model: 'tiny' }), { cache: storage.llmCache });
      const request = { messages: ask, cache: true };
      expect((await llm.complete(request)).cached).toBeUndefined();
      expect(await llm.complete(request)).toMatchObject({ text: 'a description', cached: true });
      expect(server.requests).toHaveLength(1);
      expect(await storage.llmCache.get(llm.id, promptHash({ messages: ask }))).toBeDefined();
      await llm.complete({ messages: ask });
      expect(server.requests).toHaveLength(2);
    } finally {
      await storage.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('configuration and providers', () => {
  it('LMREC_LLM picks openai or gguf, LMREC_LLM_API_KEY the key; the key is redacted when printed', () => {
    const config = loadConfig({ cwd: tmpdir(), env: { LMREC_LLM: 'openai:http://localhost:11434/v1#llama3.2', LMREC_LLM_API_KEY: 'sk-abc-123' } });
    expect(config.llm.provider).toEqual({ kind: 'openai', baseUrl: 'http://localhost:11434/v1', model: 'llama3.2', apiKey: 'sk-abc-123' });
    expect(JSON.stringify(redactConfig(config))).not.toContain('sk-abc-123');
    expect(loadConfig({ cwd: tmpdir(), env: { LMREC_LLM: 'gguf:models/x.gguf' } }).llm.provider).toEqual({ kind: 'gguf', path: 'models/x.gguf' });
    expect(loadConfig({ cwd: tmpdir(), env: {} }).llm).toMatchObject({ rerank: { enabled: false, topN: 20, strategy: 'shuffle' } });
    expect(loadConfig({ cwd: tmpdir(), env: {} }).llm.provider).toBeUndefined();
    expect(() => loadConfig({ cwd: tmpdir(), env: { LMREC_LLM: 'openai:http://h/v1' } })).toThrow(/openai:<base-url>#<model>/);
    expect(() => loadConfig({ cwd: tmpdir(), env: { LMREC_LLM: 'claude' } })).toThrow(/LMREC_LLM must be/);
  });

  it('no provider configured: no chat model', () => {
    expect(createChatModel(undefined)).toBeUndefined();
  });

  it('gguf: a missing file is named with where to put one; a missing package says what to install; the installed package refuses a file that is no model', async () => {
    expect(() => createGgufChatModel({ path: '/nonexistent/model.gguf' })).toThrow(/\/nonexistent\/model\.gguf does not exist.*LMREC_LLM=gguf:<path>/);
    const dir = mkdtempSync(join(tmpdir(), 'lmrec-gguf-'));
    try {
      const file = join(dir, 'tiny.gguf');
      writeFileSync(file, 'GGUF');
      // The same dynamic import the provider makes, of a package that is not installed.
      const absent = createGgufChatModel({ path: file, importModule: () => loadNodeLlamaCpp('node-llama-cpp-absent') });
      const missing = await absent.complete({ messages: ask }).catch((e: unknown) => e);
      expect(missing).toBeInstanceOf(BackendError);
      expect((missing as Error).message).toMatch(/needs the npm package node-llama-cpp@3\.21\.1.*npm install -E node-llama-cpp@3\.21\.1.*\.gguf/);
      let installed = true;
      try {
        const specifier: string = 'node-llama-cpp';
        await import(specifier);
      } catch {
        installed = false;
      }
      const llm = createChatModel({ kind: 'gguf', path: file });
      const error = await llm?.complete({ messages: ask }).catch((e: unknown) => e);
      // node-llama-cpp is an optional dependency: where it did not install, the error says how.
      expect((error as Error).message).toMatch(installed ? /cannot load .*tiny\.gguf as a GGUF model/ : /npm install -E node-llama-cpp@3\.21\.1/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
