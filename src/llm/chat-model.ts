/**
 * The chat-model port: a generative language model that takes a conversation (system, user and
 * assistant messages) and answers with text, or with JSON when asked. Providers: any
 * OpenAI-compatible `/chat/completions` endpoint (`openai-chat-model.ts`) and an optional local GGUF
 * file (`gguf-chat-model.ts`); wrappers add PII scrubbing (`scrubbed-chat-model.ts`) and a response
 * cache in storage (`cached-chat-model.ts`).
 * @module
 */

/** One message of a conversation. */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** What the model is asked. */
export interface ChatRequest {
  messages: readonly ChatMessage[];
  /** Ask for a JSON object (`response_format: { type: 'json_object' }`); the answer's `json` holds it parsed. */
  json?: boolean;
  /** Sampling temperature (default 0: the same prompt gives the same answer, so answers can be cached). */
  temperature?: number;
  /** Upper bound on generated tokens. */
  maxTokens?: number;
  /** Aborts the request (and its retries). */
  signal?: AbortSignal;
}

/** Tokens counted by the provider (0 when it does not say). */
export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
}

/** What the model answered. */
export interface ChatResponse {
  /** The generated text. */
  text: string;
  /** With `json: true`: the parsed object (see `parseJsonReply`); undefined when the text holds none. */
  json?: unknown;
  usage: TokenUsage;
  /** The model that answered, as the provider names it. */
  model: string;
  /** True when the answer came from the response cache. */
  cached?: boolean;
}

/** A generative model. */
export interface ChatModel {
  /** Stable id: provider, endpoint and model name (e.g. `openai:localhost:11434/v1:llama3.2`); part of the cache key. */
  readonly id: string;
  /** One completion. Errors are engine errors (`BackendError` for the provider, `AbortError` when aborted). */
  complete(request: ChatRequest): Promise<ChatResponse>;
  /** Releases the provider (connections, a loaded model). */
  close(): Promise<void>;
}
