/**
 * The optional local chat model: a GGUF file run in-process by the npm package `node-llama-cpp`
 * (an optional dependency, pinned at 3.21.1, imported on first use: an install without it still
 * starts, and a gguf provider then says what is missing). A missing
 * package or file is an error that says what to install or where to put the file. One request runs
 * at a time (one context sequence); JSON requests are constrained by the package's JSON grammar.
 * Only the slice of the package's API used here is typed.
 * @module
 */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { AbortError, BackendError, ValidationError, throwIfAborted } from '../core/errors.js';
import { importRuntimeModule } from '../encoders/runtime-module.js';
import type { ChatMessage, ChatModel, ChatRequest, ChatResponse } from './chat-model.js';
import { createConcurrencyLimit } from './concurrency-limit.js';
import { parseJsonReply } from './parse-json-reply.js';

/** The package version this provider is written and documented against. */
export const NODE_LLAMA_CPP_VERSION = '3.21.1';

type HistoryItem = { type: 'system'; text: string } | { type: 'user'; text: string } | { type: 'model'; response: string[] };

interface LlamaChatSessionSlice {
  setChatHistory(history: HistoryItem[]): void;
  prompt(text: string, options: { temperature?: number; maxTokens?: number; signal?: AbortSignal; grammar?: unknown }): Promise<string>;
}

interface LlamaContextSlice {
  getSequence(): unknown;
  dispose(): Promise<void>;
}

interface LlamaModelSlice {
  createContext(options?: { contextSize?: number }): Promise<LlamaContextSlice>;
  tokenize(text: string): readonly unknown[];
  dispose(): Promise<void>;
}

interface LlamaSlice {
  loadModel(options: { modelPath: string }): Promise<LlamaModelSlice>;
  getGrammarFor(type: 'json'): Promise<unknown>;
}

/** The part of `node-llama-cpp` used here. */
export interface NodeLlamaCppSlice {
  getLlama(): Promise<LlamaSlice>;
  LlamaChatSession: new (options: { contextSequence: unknown; systemPrompt?: string }) => LlamaChatSessionSlice;
}

/** Options of {@link createGgufChatModel}. */
export interface GgufChatModelOptions {
  /** Path of the `.gguf` file (relative paths from the working directory). */
  path: string;
  /** Context window in tokens (default the model's). */
  contextSize?: number;
  /** Loads the package (default a dynamic `import('node-llama-cpp')`); tests pass their own. */
  importModule?: () => Promise<NodeLlamaCppSlice>;
}

const INSTALL_HINT = `Install it beside lmrec with \`npm install -E node-llama-cpp@${NODE_LLAMA_CPP_VERSION}\` and point LMREC_LLM=gguf:<path> (or llm.provider.path) at a .gguf chat model file, e.g. models/qwen2.5-1.5b-instruct-q4_k_m.gguf.`;

/**
 * Imports the package (`specifier`, default `node-llama-cpp`); when it is missing, a `BackendError`
 * saying what to install and where the model file goes.
 */
export function loadNodeLlamaCpp(specifier = 'node-llama-cpp'): Promise<NodeLlamaCppSlice> {
  return importRuntimeModule<NodeLlamaCppSlice>(specifier, 'the gguf chat model', [`node-llama-cpp@${NODE_LLAMA_CPP_VERSION}`], INSTALL_HINT);
}

/** Checks the file before anything is loaded, so a wrong path is named as such. */
function checkModelFile(path: string): string {
  if (typeof path !== 'string' || path === '') throw new ValidationError(`gguf chat model needs a path to a .gguf file. ${INSTALL_HINT}`, { details: { field: 'path' } });
  const absolute = resolve(path);
  if (!existsSync(absolute)) {
    throw new ValidationError(`gguf chat model file ${absolute} does not exist: download a GGUF chat model (an instruction-tuned one) and put it there, or set LMREC_LLM=gguf:<path> to where it is.`, {
      details: { field: 'path', path: absolute },
    });
  }
  if (!statSync(absolute).isFile()) throw new ValidationError(`gguf chat model path ${absolute} is not a file`, { details: { field: 'path', path: absolute } });
  return absolute;
}

/** Splits a conversation into the system prompt, earlier turns and the last user message. */
function toSession(messages: readonly ChatMessage[]): { system: string; history: HistoryItem[]; last: string } {
  const system = messages.filter((m) => m.role === 'system').map((m) => m.content).join('\n\n');
  const turns = messages.filter((m) => m.role !== 'system');
  const lastTurn = turns.at(-1);
  if (lastTurn === undefined || lastTurn.role !== 'user') throw new ValidationError('a gguf chat request must end with a user message', { details: { field: 'messages' } });
  const history: HistoryItem[] = system === '' ? [] : [{ type: 'system', text: system }];
  for (const m of turns.slice(0, -1)) history.push(m.role === 'user' ? { type: 'user', text: m.content } : { type: 'model', response: [m.content] });
  return { system, history, last: lastTurn.content };
}

/**
 * Creates the local provider. The file is checked at once; the package and the model are loaded on
 * the first request (a `BackendError` naming what to install when the package is missing).
 */
export function createGgufChatModel(options: GgufChatModelOptions): ChatModel {
  const path = checkModelFile(options.path);
  const load = options.importModule ?? (() => loadNodeLlamaCpp());
  const one = createConcurrencyLimit(1);
  let loaded: Promise<{ module: NodeLlamaCppSlice; llama: LlamaSlice; model: LlamaModelSlice; context: LlamaContextSlice }> | undefined;
  let closed = false;

  const ensureLoaded = (): NonNullable<typeof loaded> => {
    loaded ??= (async () => {
      const module = await load();
      const llama = await module.getLlama();
      let model: LlamaModelSlice;
      try {
        model = await llama.loadModel({ modelPath: path });
      } catch (cause) {
        throw new BackendError(`cannot load ${path} as a GGUF model: ${cause instanceof Error ? cause.message : String(cause)}`, { cause, details: { path } });
      }
      const context = await model.createContext(options.contextSize === undefined ? {} : { contextSize: options.contextSize });
      return { module, llama, model, context };
    })();
    // A failed load is not remembered: the next request tries again (e.g. after installing the package).
    loaded.catch(() => {
      loaded = undefined;
    });
    return loaded;
  };

  return {
    id: `gguf:${path}`,
    async complete(request: ChatRequest): Promise<ChatResponse> {
      if (closed) throw new BackendError(`the gguf chat model ${path} is closed`);
      const { history, last } = toSession(request.messages);
      return one(async () => {
        throwIfAborted(request.signal);
        const { module, llama, model, context } = await ensureLoaded();
        const session = new module.LlamaChatSession({ contextSequence: context.getSequence() });
        session.setChatHistory(history);
        const grammar = request.json === true ? await llama.getGrammarFor('json') : undefined;
        let text: string;
        try {
          text = await session.prompt(last, { temperature: request.temperature ?? 0, maxTokens: request.maxTokens, signal: request.signal, ...(grammar === undefined ? {} : { grammar }) });
        } catch (cause) {
          if (request.signal?.aborted) throw new AbortError('operation aborted', { cause: request.signal.reason });
          throw new BackendError(`gguf model ${path} failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause, details: { path } });
        }
        const prompt = request.messages.map((m) => m.content).join('\n');
        const out: ChatResponse = { text, usage: { promptTokens: model.tokenize(prompt).length, completionTokens: model.tokenize(text).length }, model: path };
        if (request.json === true) out.json = parseJsonReply(text);
        return out;
      }, request.signal);
    },
    async close() {
      closed = true;
      const current = loaded;
      loaded = undefined;
      if (current) {
        const { model, context } = await current.catch(() => ({ model: undefined, context: undefined }));
        await context?.dispose();
        await model?.dispose();
      }
    },
  };
}
