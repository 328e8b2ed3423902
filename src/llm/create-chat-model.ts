/**
 * The chat model the configuration names (`llm.provider`, `LMREC_LLM`), wrapped so every request is
 * scrubbed of PII and cacheable requests use the storage's response cache; undefined when no
 * provider is configured, in which case every LLM feature answers with the engine's own result.
 * @module
 */
import type { Logger } from '../core/logger.js';
import type { Config } from '../config/config.js';
import type { LlmCacheStore } from '../storage/storage.js';
import { createGgufChatModel } from './gguf-chat-model.js';
import type { GuardedChatModel } from './guarded-chat-model.js';
import { guardChatModel } from './guarded-chat-model.js';
import { createOpenAiChatModel } from './openai-chat-model.js';

/** Options of {@link createChatModel}. */
export interface CreateChatModelOptions {
  /** The response cache (usually `storage.llmCache`). */
  cache?: LlmCacheStore;
  logger?: Logger;
  /** The fetch for OpenAI-compatible providers (default the global one). */
  fetch?: typeof fetch;
}

/**
 * Creates the configured chat model, or undefined without a provider. A `gguf` provider whose file
 * is missing throws a `ValidationError` naming the path; its package is loaded on first use.
 */
export function createChatModel(provider: Config['llm']['provider'], options: CreateChatModelOptions = {}): GuardedChatModel | undefined {
  if (provider === undefined) return undefined;
  const model =
    provider.kind === 'openai'
      ? createOpenAiChatModel({
          baseUrl: provider.baseUrl,
          model: provider.model,
          ...(provider.apiKey === undefined ? {} : { apiKey: provider.apiKey }),
          ...(provider.timeoutMs === undefined ? {} : { timeoutMs: provider.timeoutMs }),
          ...(provider.retries === undefined ? {} : { retries: provider.retries }),
          ...(provider.concurrency === undefined ? {} : { concurrency: provider.concurrency }),
          ...(provider.jsonMode === undefined ? {} : { jsonMode: provider.jsonMode }),
          ...(options.logger === undefined ? {} : { logger: options.logger }),
          ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
        })
      : createGgufChatModel({ path: provider.path, ...(provider.contextSize === undefined ? {} : { contextSize: provider.contextSize }) });
  return guardChatModel(model, { ...(options.cache === undefined ? {} : { cache: options.cache }), ...(options.logger === undefined ? {} : { logger: options.logger }) });
}
