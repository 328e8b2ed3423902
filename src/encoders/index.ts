/**
 * Encoders: the `Encoder` port and its implementations — USE-lite (the offline default, from npm),
 * a local ONNX model directory, any OpenAI-compatible `/v1/embeddings` endpoint — the persistent
 * embedding cache, and `createEncoder(config)`. Explicit re-exports only, so the public surface is
 * reviewed here. Model runtimes are imported lazily, on first use.
 * @module
 */
export type { EncodeOptions, EncodePriority, Encoder } from './encoder.js';
export { ENCODER_KINDS, createEncoder, encoderConfigSchema } from './create-encoder.js';
export type { CreateEncoderOptions, EncoderConfig, EncoderKind } from './create-encoder.js';
export { USE_LITE_DEFAULT_MAX_BATCH, USE_LITE_DIM, USE_LITE_ID, USE_LITE_PACKAGES, createUseLiteEncoder } from './use-lite-encoder.js';
export type { UseLiteEncoderOptions } from './use-lite-encoder.js';
export { ONNX_CONFIG_FILE, ONNX_MODEL_FILE, ONNX_VOCAB_FILE, createOnnxEncoder } from './onnx-encoder.js';
export type { OnnxEncoder, OnnxEncoderOptions, OnnxEncoderSettings, OnnxInputNames, OnnxPooling } from './onnx-encoder.js';
export { createOpenAiEncoder } from './openai-encoder.js';
export type { OpenAiEncoder, OpenAiEncoderOptions } from './openai-encoder.js';
export { createCachedEncoder } from './cached-encoder.js';
export { createServingEncoder, createWorkerEncoder } from './worker-encoder.js';
export type { WorkerEncoder, WorkerEncoderOptions, WorkerEncoderStats } from './worker-encoder.js';
export type { CacheStats, CachedEncoder, CachedEncoderOptions } from './cached-encoder.js';
export { basicTokenize, createWordPieceTokenizer, parseVocab } from './wordpiece-tokenizer.js';
export type { WordPieceOptions, WordPieceTokenizer } from './wordpiece-tokenizer.js';
export { l2NormalizeRows } from './l2-normalize-rows.js';
export { textHash } from './text-hash.js';
export { hasEmbeddingPack, readEmbeddingPackManifest, seedFromEmbeddingPack, writeEmbeddingPack } from './embedding-pack.js';
export type { EmbeddingPackManifest } from './embedding-pack.js';
