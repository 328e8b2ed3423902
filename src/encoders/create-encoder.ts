/**
 * One entry point from configuration to encoder: `{ kind: 'use-lite' }` (the offline default),
 * `{ kind: 'onnx', dir }` or `{ kind: 'openai', baseUrl, model }`, optionally behind the persistent
 * embedding cache. The configuration is plain data (a config file can hold it), checked by
 * {@link encoderConfigSchema}; functions such as a logger or a fetch are passed separately.
 * @module
 */
import { z } from 'zod';
import { ValidationError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { EmbeddingStore } from '../storage/storage.js';
import { createCachedEncoder } from './cached-encoder.js';
import type { CachedEncoderOptions } from './cached-encoder.js';
import type { Encoder } from './encoder.js';
import { createOnnxEncoder } from './onnx-encoder.js';
import { createOpenAiEncoder } from './openai-encoder.js';
import { createUseLiteEncoder } from './use-lite-encoder.js';

/** Encoder kinds {@link createEncoder} knows. */
export const ENCODER_KINDS = ['use-lite', 'onnx', 'openai'] as const;

/** One of {@link ENCODER_KINDS}. */
export type EncoderKind = (typeof ENCODER_KINDS)[number];

const positive = z.number().int().positive();

/** Schema of {@link EncoderConfig}: unknown fields are rejected so typos do not pass silently. */
export const encoderConfigSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('use-lite'), maxBatch: positive.optional() }).strict(),
  z
    .object({
      kind: z.literal('onnx'),
      dir: z.string().min(1),
      maxBatch: positive.optional(),
      maxLength: z.number().int().min(2).optional(),
      lowercase: z.boolean().optional(),
      pooling: z.enum(['mean', 'cls']).optional(),
      outputName: z.string().min(1).optional(),
      inputNames: z
        .object({ inputIds: z.string().min(1).optional(), attentionMask: z.string().min(1).optional(), tokenTypeIds: z.string().min(1).optional() })
        .strict()
        .optional(),
      threads: positive.optional(),
    })
    .strict(),
  z
    .object({
      kind: z.literal('openai'),
      baseUrl: z.string().url(),
      model: z.string().min(1),
      apiKey: z.string().optional(),
      dimensions: positive.optional(),
      sendDimensions: z.boolean().optional(),
      maxBatch: positive.optional(),
      timeoutMs: positive.optional(),
      retries: z.number().int().min(0).optional(),
      retryBaseMs: z.number().int().min(0).optional(),
      maxRetryDelayMs: positive.optional(),
      headers: z.record(z.string()).optional(),
    })
    .strict(),
]);

/** Which encoder to build and its settings (plain data; see each factory for the fields' meaning). */
export type EncoderConfig = z.infer<typeof encoderConfigSchema>;

/** Run-time collaborators of {@link createEncoder} that a config file cannot hold. */
export interface CreateEncoderOptions {
  /** Passed to the encoder (and the cache). */
  logger?: Logger;
  /** When given, the encoder is wrapped in {@link createCachedEncoder} over this store. */
  cache?: EmbeddingStore;
  /** Options of the cache, when `cache` is given. */
  cacheOptions?: Omit<CachedEncoderOptions, 'logger'>;
  /** The fetch an `openai` encoder uses (default the global one). */
  fetch?: typeof fetch;
  /** Aborts loading (of an `onnx` model). */
  signal?: AbortSignal;
}

/**
 * Builds the encoder `config` describes, behind the embedding cache when `options.cache` is given.
 * Rejects with a {@link ValidationError} naming the field for a bad config, and with the encoder's
 * own error when its model or server is missing (see the factories).
 * @example
 * ```ts
 * const storage = await openStorage('sqlite:///var/lmrec.db');
 * const encoder = await createEncoder({ kind: 'openai', baseUrl: 'http://localhost:11434/v1', model: 'nomic-embed-text' }, { cache: storage.embeddings });
 * ```
 */
export async function createEncoder(config: EncoderConfig, options: CreateEncoderOptions = {}): Promise<Encoder> {
  const parsed = encoderConfigSchema.safeParse(config);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue.code === 'unrecognized_keys' ? issue.keys.join(', ') : issue.path.join('.') || 'kind';
    const hint = issue.code === 'invalid_union_discriminator' ? ` (kinds: ${ENCODER_KINDS.join(', ')})` : '';
    throw new ValidationError(`invalid encoder config at "${field}": ${issue.message}${hint}`, { details: { field } });
  }
  const c = parsed.data;
  const logger = options.logger;
  const common = logger === undefined ? {} : { logger };
  let encoder: Encoder;
  switch (c.kind) {
    case 'use-lite':
      encoder = createUseLiteEncoder({ ...c, ...common });
      break;
    case 'onnx':
      encoder = await createOnnxEncoder({ ...c, ...common, ...(options.signal === undefined ? {} : { signal: options.signal }) });
      break;
    case 'openai':
      encoder = createOpenAiEncoder({ ...c, ...common, ...(options.fetch === undefined ? {} : { fetch: options.fetch }) });
      break;
  }
  if (options.cache === undefined) return encoder;
  return createCachedEncoder(encoder, options.cache, { ...options.cacheOptions, ...common });
}
