/**
 * Encoder port: turns texts into fixed-size vectors. Implementations: the local Universal Sentence
 * Encoder Lite (default, offline), a local ONNX model directory, and any OpenAI-compatible
 * `/v1/embeddings` endpoint. Only this folder imports a model runtime.
 * @module
 */

/** Options of one encode call. */
export interface EncodeOptions {
  /** Abort the call (between batches, and in-flight HTTP requests). */
  signal?: AbortSignal;
  /** Progress in texts encoded so far of the total. */
  onProgress?: (done: number, total: number) => void;
  /**
   * Scheduling hint for encoders that queue work (the worker encoder): `interactive` (default)
   * work, such as a query a request waits for, goes ahead of `background` work such as new items.
   */
  priority?: EncodePriority;
}

/** See {@link EncodeOptions.priority}. */
export type EncodePriority = 'interactive' | 'background';

/** A text encoder. */
export interface Encoder {
  /**
   * Stable identifier of the model and its settings (e.g. `use-lite`, `onnx:<dir-hash>`,
   * `openai:<base-url>:<model>`): the embedding cache is keyed by it, so two encoders with the same
   * id must produce the same vectors.
   */
  readonly id: string;
  /**
   * Output dimension. An encoder that learns it from the model (an OpenAI-compatible endpoint
   * configured without `dimensions`) reports 0 until its first successful call or `load()`.
   */
  readonly dim: number;
  /** Largest batch sent to the model at once. */
  readonly maxBatch: number;
  /**
   * Encodes `texts` into a row-major `texts.length × dim` matrix of L2-normalised vectors (a zero
   * row stays zero; the empty string encodes to a zero row in every implementation). Rejects with
   * a clear error naming what is missing or unreachable.
   */
  encode(texts: readonly string[], options?: EncodeOptions): Promise<Float32Array>;
  /**
   * Optional: loads the model (or probes the endpoint) ahead of the first `encode`, so that load
   * time is paid up front and `dim` is known. Encoders without it load on first use.
   */
  load?(options?: { signal?: AbortSignal }): Promise<void>;
  /** Releases the runtime. */
  close(): Promise<void>;
}
