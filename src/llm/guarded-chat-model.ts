/**
 * What every chat model the engine uses is wrapped in: PII scrubbing of every message sent out (the
 * encoder's rules, `text/scrub-pii.ts`), and, for requests marked cacheable, a response cache in
 * storage keyed by the model id and the SHA-256 of the request as sent.
 * @module
 */
import { createHash } from 'node:crypto';
import { silentLogger } from '../core/logger.js';
import type { Logger } from '../core/logger.js';
import type { LlmCacheStore } from '../storage/storage.js';
import { scrubPii } from '../text/scrub-pii.js';
import type { ChatModel, ChatRequest, ChatResponse } from './chat-model.js';

/** A chat request that may be answered from the cache. */
export interface GuardedChatRequest extends ChatRequest {
  /**
   * Answer from (and store in) the response cache. Only for prompts without user data (item
   * descriptions): a cached prompt outlives the deletion of the user it came from.
   */
  cache?: boolean;
}

/** A chat model whose requests are scrubbed and may be cached. */
export interface GuardedChatModel extends ChatModel {
  complete(request: GuardedChatRequest): Promise<ChatResponse>;
}

/** Options of {@link guardChatModel}. */
export interface GuardChatModelOptions {
  /** Where cacheable answers are kept; without it nothing is cached. */
  cache?: LlmCacheStore;
  /** Receives cache failures at `warn` (the answer is still returned). */
  logger?: Logger;
}

/** The cache key of a request: SHA-256 (hex) of what is sent. */
export function promptHash(request: ChatRequest): string {
  const material = JSON.stringify({ messages: request.messages, json: request.json === true, temperature: request.temperature ?? 0, maxTokens: request.maxTokens ?? null });
  return createHash('sha256').update(material).digest('hex');
}

/** Wraps `model`: every message is scrubbed of PII; cacheable requests go through `cache`. */
export function guardChatModel(model: ChatModel, options: GuardChatModelOptions = {}): GuardedChatModel {
  const logger = options.logger ?? silentLogger;
  return {
    id: model.id,
    async complete(request: GuardedChatRequest): Promise<ChatResponse> {
      const { cache, ...rest } = request;
      const scrubbed: ChatRequest = { ...rest, messages: request.messages.map((m) => ({ role: m.role, content: scrubPii(m.content).text })) };
      const store = cache === true ? options.cache : undefined;
      const hash = store === undefined ? '' : promptHash(scrubbed);
      if (store !== undefined) {
        const hit = await store.get(model.id, hash, { signal: request.signal }).catch((error: unknown) => {
          logger.log('warn', 'llm cache read failed; asking the model', { error: String(error) });
          return undefined;
        });
        if (hit !== undefined) return { ...(JSON.parse(hit.response) as ChatResponse), cached: true };
      }
      const answer = await model.complete(scrubbed);
      if (store !== undefined) {
        await store.put({ model: model.id, hash, response: JSON.stringify(answer), createdAt: Date.now() }, { signal: request.signal }).catch((error: unknown) => {
          logger.log('warn', 'llm cache write failed', { error: String(error) });
        });
      }
      return answer;
    },
    close: () => model.close(),
  };
}
