/**
 * Encoder over a local ONNX model directory — `model.onnx` (a BERT-family sentence encoder, e.g. a
 * sentence-transformers model exported to ONNX), `vocab.txt` (its WordPiece vocabulary) and an
 * optional `encoder.json` — run with onnxruntime-node. Texts are tokenized here
 * (`wordpiece-tokenizer.ts`), batched with similar lengths together to limit padding, pooled over
 * the attention mask (or the `[CLS]` position) and L2-normalised. Only this file imports
 * onnxruntime-node, and only when an ONNX encoder is created.
 * @module
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { z } from 'zod';
import { BackendError, NotFoundError, ValidationError, throwIfAborted } from '../core/errors.js';
import { silentLogger } from '../core/logger.js';
import type { Logger } from '../core/logger.js';
import type { EncodeOptions, Encoder } from './encoder.js';
import { forEachBatch, nonEmptyPositions, positiveInt } from './for-each-batch.js';
import { l2NormalizeRows } from './l2-normalize-rows.js';
import { importRuntimeModule } from './runtime-module.js';
import { createWordPieceTokenizer, parseVocab } from './wordpiece-tokenizer.js';
import type { WordPieceTokenizer } from './wordpiece-tokenizer.js';

/** The model file an ONNX model directory must hold. */
export const ONNX_MODEL_FILE = 'model.onnx';
/** The WordPiece vocabulary an ONNX model directory must hold (one token per line). */
export const ONNX_VOCAB_FILE = 'vocab.txt';
/** The optional settings file of an ONNX model directory (see {@link OnnxEncoderSettings}). */
export const ONNX_CONFIG_FILE = 'encoder.json';

/** How token vectors become one text vector. */
export type OnnxPooling = 'mean' | 'cls';

/** Names of the model inputs, when the export did not use the BERT defaults. */
export interface OnnxInputNames {
  /** Default `input_ids`. */
  inputIds?: string;
  /** Default `attention_mask`. */
  attentionMask?: string;
  /** Default `token_type_ids` (fed only when the model declares it). */
  tokenTypeIds?: string;
}

/** The settings `encoder.json` may hold; options passed in code take precedence. */
export interface OnnxEncoderSettings {
  /** Longest token sequence, `[CLS]` and `[SEP]` included; longer texts are truncated. Default 256. */
  maxLength?: number;
  /** Lowercase and strip accents (uncased models). Default: `do_lower_case` of `tokenizer_config.json`, else true. */
  lowercase?: boolean;
  /** `mean` over the attention mask (sentence-transformers default) or the `cls` position. Default `mean`. */
  pooling?: OnnxPooling;
  /** Model input names, when not the BERT defaults. */
  inputNames?: OnnxInputNames;
  /**
   * Output to read: `[batch, seq, hidden]` is pooled, `[batch, hidden]` is used as is. Default: the
   * first of `last_hidden_state`, `token_embeddings`, `sentence_embedding`, else the first output.
   */
  outputName?: string;
}

/** Options of {@link createOnnxEncoder}. */
export interface OnnxEncoderOptions extends OnnxEncoderSettings {
  /** The model directory: `model.onnx`, `vocab.txt`, optional `encoder.json`. */
  dir: string;
  /** Texts per model call (default 32). */
  maxBatch?: number;
  /** onnxruntime intra-op threads (default: onnxruntime's choice, one per physical core). */
  threads?: number;
  /** Receives load details at `debug` level. */
  logger?: Logger;
  /** Aborts loading. */
  signal?: AbortSignal;
}

/** An encoder over an ONNX model directory. */
export interface OnnxEncoder extends Encoder {
  /** Absolute path of the model directory. */
  readonly dir: string;
  /** The settings in force after merging options, `encoder.json` and defaults. */
  readonly settings: Readonly<Required<Omit<OnnxEncoderSettings, 'inputNames'>> & { inputNames: Required<OnnxInputNames> }>;
  /** Already loaded by {@link createOnnxEncoder}; resolves at once. */
  load(options?: { signal?: AbortSignal }): Promise<void>;
}

// The slice of onnxruntime-node this file uses (typed here so that the package stays optional).
interface OrtTensor {
  readonly dims: readonly number[];
  readonly type: string;
  readonly data: unknown;
}
interface OrtValueMetadata {
  readonly name: string;
  readonly isTensor: boolean;
  readonly type?: string;
  readonly shape?: ReadonlyArray<number | string>;
}
interface OrtSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  readonly inputMetadata?: readonly OrtValueMetadata[];
  run(feeds: Record<string, OrtTensor>): Promise<Record<string, OrtTensor>>;
  release(): Promise<void>;
}
interface OrtModule {
  InferenceSession: { create(path: string, options: Record<string, unknown>): Promise<OrtSession> };
  Tensor: new (type: 'int64' | 'int32', data: BigInt64Array | Int32Array, dims: readonly number[]) => OrtTensor;
}

const ORT_PACKAGE = 'onnxruntime-node';
const PREFERRED_OUTPUTS = ['last_hidden_state', 'token_embeddings', 'sentence_embedding'];

const settingsSchema = z
  .object({
    maxLength: z.number().int().min(2).optional(),
    lowercase: z.boolean().optional(),
    pooling: z.enum(['mean', 'cls']).optional(),
    inputNames: z
      .object({ inputIds: z.string().min(1).optional(), attentionMask: z.string().min(1).optional(), tokenTypeIds: z.string().min(1).optional() })
      .strict()
      .optional(),
    outputName: z.string().min(1).optional(),
  })
  .strict();

/** What to do when the directory is not a usable model directory. */
function layoutHint(dir: string): string {
  return (
    `expected ${ONNX_MODEL_FILE} and ${ONNX_VOCAB_FILE} (its BERT WordPiece vocabulary, one token per line) in ${dir}, ` +
    `plus an optional ${ONNX_CONFIG_FILE} ({"maxLength":256,"lowercase":true,"pooling":"mean"}). ` +
    `Export a sentence-transformers model to ONNX on a machine with internet, e.g. ` +
    `\`optimum-cli export onnx --model sentence-transformers/all-MiniLM-L6-v2 --task feature-extraction ${dir}\`, ` +
    `and copy the directory here (see docs/ENCODERS.md)`
  );
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

async function checkLayout(dir: string): Promise<void> {
  let isDir = false;
  try {
    isDir = (await stat(dir)).isDirectory();
  } catch {
    throw new NotFoundError(`ONNX model directory ${dir} does not exist: ${layoutHint(dir)}`, { details: { dir } });
  }
  if (!isDir) throw new NotFoundError(`ONNX model directory ${dir} is not a directory: ${layoutHint(dir)}`, { details: { dir } });
  const missing: string[] = [];
  for (const file of [ONNX_MODEL_FILE, ONNX_VOCAB_FILE]) if (!(await isFile(join(dir, file)))) missing.push(file);
  if (missing.length > 0) {
    throw new NotFoundError(`ONNX model directory ${dir} has no ${missing.join(' and no ')}: ${layoutHint(dir)}`, { details: { dir, missing } });
  }
}

async function readJsonObject(path: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new ValidationError(`${what} ${path} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`, { details: { file: path } });
  }
}

async function readSettingsFile(dir: string): Promise<OnnxEncoderSettings> {
  const path = join(dir, ONNX_CONFIG_FILE);
  const json = await readJsonObject(path, 'ONNX encoder settings');
  if (json === undefined) return {};
  const parsed = settingsSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue.path.join('.') || (issue.code === 'unrecognized_keys' ? issue.keys.join(', ') : '(root)');
    throw new ValidationError(`${path}: field "${field}": ${issue.message} (allowed: maxLength, lowercase, pooling, inputNames, outputName)`, {
      details: { file: path, field },
    });
  }
  return parsed.data;
}

/** `do_lower_case` from a Hugging Face `tokenizer_config.json`, when an export left one. */
async function tokenizerLowercase(dir: string): Promise<boolean | undefined> {
  const json = (await readJsonObject(join(dir, 'tokenizer_config.json'), 'tokenizer config').catch(() => undefined)) as { do_lower_case?: unknown } | undefined;
  return typeof json?.do_lower_case === 'boolean' ? json.do_lower_case : undefined;
}

async function sha256File(path: string, hash = createHash('sha256')): Promise<ReturnType<typeof createHash>> {
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash;
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Loads an ONNX model directory and returns its encoder. The id is
 * `onnx:<dir basename>:<12 hex of sha256(model.onnx, vocab.txt, settings)>`: it changes when the
 * weights, the vocabulary or a setting that changes the vectors changes, so cached vectors are
 * never reused across them. Rejects with a {@link NotFoundError} saying what to put where when the
 * directory or a file is missing, a {@link ValidationError} for a bad `encoder.json`, and a
 * {@link BackendError} naming the package when onnxruntime-node is not installed.
 * @example
 * ```ts
 * const encoder = await createOnnxEncoder({ dir: 'models/all-MiniLM-L6-v2' });
 * const vectors = await encoder.encode(['a dog runs in the park']); // 1 × 384
 * await encoder.close();
 * ```
 */
export async function createOnnxEncoder(options: OnnxEncoderOptions): Promise<OnnxEncoder> {
  if (typeof options.dir !== 'string' || options.dir.length === 0) {
    throw new ValidationError('ONNX encoder needs "dir": the path of a directory holding model.onnx and vocab.txt', { details: { field: 'dir' } });
  }
  const dir = resolve(options.dir);
  const logger = options.logger ?? silentLogger;
  const maxBatch = positiveInt('maxBatch', options.maxBatch, 32);
  throwIfAborted(options.signal);
  await checkLayout(dir);
  const file = await readSettingsFile(dir);
  const check = settingsSchema.safeParse({
    maxLength: options.maxLength,
    lowercase: options.lowercase,
    pooling: options.pooling,
    inputNames: options.inputNames,
    outputName: options.outputName,
  });
  if (!check.success) {
    const field = check.error.issues[0].path.join('.');
    throw new ValidationError(`ONNX encoder option "${field}": ${check.error.issues[0].message}`, { details: { field } });
  }
  const inputNames: Required<OnnxInputNames> = {
    inputIds: options.inputNames?.inputIds ?? file.inputNames?.inputIds ?? 'input_ids',
    attentionMask: options.inputNames?.attentionMask ?? file.inputNames?.attentionMask ?? 'attention_mask',
    tokenTypeIds: options.inputNames?.tokenTypeIds ?? file.inputNames?.tokenTypeIds ?? 'token_type_ids',
  };
  const maxLength = options.maxLength ?? file.maxLength ?? 256;
  const lowercase = options.lowercase ?? file.lowercase ?? (await tokenizerLowercase(dir)) ?? true;
  const pooling: OnnxPooling = options.pooling ?? file.pooling ?? 'mean';

  const vocabPath = join(dir, ONNX_VOCAB_FILE);
  const vocabText = await readFile(vocabPath, 'utf8');
  let tokenizer: WordPieceTokenizer;
  try {
    tokenizer = createWordPieceTokenizer(parseVocab(vocabText), { lowercase, maxLength });
  } catch (error) {
    throw new ValidationError(`${vocabPath}: ${describeError(error)}`, { cause: error, details: { file: vocabPath } });
  }

  const ort = await importRuntimeModule<OrtModule>(
    ORT_PACKAGE,
    `the ONNX encoder (${dir})`,
    [ORT_PACKAGE],
    'Offline, add `onnxruntime-node-install=skip` to .npmrc first: the CPU runtime ships inside the package.',
  );
  const modelPath = join(dir, ONNX_MODEL_FILE);
  throwIfAborted(options.signal);
  let session: OrtSession;
  const started = performance.now();
  try {
    // Created from the path, so a model with external data files next to it loads too.
    session = await ort.InferenceSession.create(modelPath, {
      logSeverityLevel: 3, // errors only: they come back as exceptions; the library never prints
      graphOptimizationLevel: 'all',
      ...(options.threads === undefined ? {} : { intraOpNumThreads: positiveInt('threads', options.threads, 1) }),
    });
  } catch (error) {
    throw new BackendError(`onnxruntime could not load ${modelPath}: ${describeError(error)}`, { cause: error, details: { file: modelPath } });
  }

  try {
    const declared = session.inputNames;
    if (!declared.includes(inputNames.inputIds)) {
      throw new ValidationError(
        `${modelPath} has no input "${inputNames.inputIds}" (it declares ${declared.join(', ')}); set inputNames.inputIds in ${join(dir, ONNX_CONFIG_FILE)}`,
        { details: { file: modelPath, inputs: [...declared] } },
      );
    }
    const known = new Set([inputNames.inputIds, inputNames.attentionMask, inputNames.tokenTypeIds]);
    const unknown = declared.filter((name) => !known.has(name));
    if (unknown.length > 0) {
      throw new ValidationError(
        `${modelPath} declares input${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => `"${n}"`).join(', ')} that the encoder does not feed ` +
          `(it feeds input ids, attention mask and token type ids); map them with inputNames in ${join(dir, ONNX_CONFIG_FILE)}`,
        { details: { file: modelPath, inputs: [...declared] } },
      );
    }
    const outputName = options.outputName ?? file.outputName ?? PREFERRED_OUTPUTS.find((n) => session.outputNames.includes(n)) ?? session.outputNames[0];
    if (!session.outputNames.includes(outputName)) {
      throw new ValidationError(`${modelPath} has no output "${outputName}" (it has ${session.outputNames.join(', ')})`, {
        details: { file: modelPath, outputs: [...session.outputNames] },
      });
    }
    const int32Inputs = new Set((session.inputMetadata ?? []).filter((m) => m.isTensor && m.type === 'int32').map((m) => m.name));
    const feedMask = declared.includes(inputNames.attentionMask);
    const feedTypes = declared.includes(inputNames.tokenTypeIds);

    const tensor = (name: string, values: BigInt64Array, dims: readonly number[]): OrtTensor =>
      int32Inputs.has(name) ? new ort.Tensor('int32', Int32Array.from(values, Number), dims) : new ort.Tensor('int64', values, dims);

    /** Runs one padded batch and writes its pooled rows at `rows[r] * dim` of `out` (dim learned on the probe). */
    const runBatch = async (sequences: readonly number[][], write: (r: number, row: Float32Array) => void): Promise<number> => {
      const batch = sequences.length;
      const seqLen = Math.max(...sequences.map((s) => s.length));
      const ids = new BigInt64Array(batch * seqLen).fill(BigInt(tokenizer.padId));
      const mask = new BigInt64Array(batch * seqLen);
      sequences.forEach((sequence, r) => {
        for (let t = 0; t < sequence.length; t++) {
          ids[r * seqLen + t] = BigInt(sequence[t]);
          mask[r * seqLen + t] = 1n;
        }
      });
      const feeds: Record<string, OrtTensor> = { [inputNames.inputIds]: tensor(inputNames.inputIds, ids, [batch, seqLen]) };
      if (feedMask) feeds[inputNames.attentionMask] = tensor(inputNames.attentionMask, mask, [batch, seqLen]);
      if (feedTypes) feeds[inputNames.tokenTypeIds] = tensor(inputNames.tokenTypeIds, new BigInt64Array(batch * seqLen), [batch, seqLen]);
      let result: Record<string, OrtTensor>;
      try {
        result = await session.run(feeds);
      } catch (error) {
        throw new BackendError(`onnxruntime failed on ${modelPath}: ${describeError(error)}`, { cause: error, details: { file: modelPath } });
      }
      const output = result[outputName];
      if (output === undefined || output.type !== 'float32' || !(output.data instanceof Float32Array)) {
        throw new BackendError(`${modelPath}: output "${outputName}" is ${output?.type ?? 'missing'}, expected a float32 tensor`);
      }
      const data = output.data;
      const dims = output.dims;
      if (dims.length === 2 && dims[0] === batch) {
        const hidden = dims[1];
        for (let r = 0; r < batch; r++) write(r, data.subarray(r * hidden, (r + 1) * hidden));
        return hidden;
      }
      if (dims.length !== 3 || dims[0] !== batch || dims[1] !== seqLen) {
        throw new BackendError(`${modelPath}: output "${outputName}" has shape [${dims.join(', ')}], expected [${batch}, ${seqLen}, hidden] or [${batch}, hidden]`);
      }
      const hidden = dims[2];
      const row = new Float32Array(hidden);
      for (let r = 0; r < batch; r++) {
        row.fill(0);
        const base = r * seqLen * hidden;
        if (pooling === 'cls') {
          row.set(data.subarray(base, base + hidden));
        } else {
          // Mean over the real tokens only: padding positions carry vectors too.
          const length = sequences[r].length;
          for (let t = 0; t < length; t++) {
            const offset = base + t * hidden;
            for (let j = 0; j < hidden; j++) row[j] += data[offset + j];
          }
          for (let j = 0; j < hidden; j++) row[j] /= length;
        }
        write(r, row);
      }
      return hidden;
    };

    // One tiny run validates the inputs and output and tells the dimension.
    const dim = await runBatch([tokenizer.encode('')], () => undefined);
    const settings = { maxLength, lowercase, pooling, inputNames, outputName };
    const digest = await sha256File(modelPath);
    digest.update('\0').update(vocabText).update('\0').update(JSON.stringify({ maxLength, lowercase, pooling, outputName }));
    const id = `onnx:${basename(dir)}:${digest.digest('hex').slice(0, 12)}`;
    logger.log('debug', 'onnx encoder loaded', { dir, id, dim, ms: Math.round(performance.now() - started), inputs: [...declared], output: outputName });

    let closed = false;
    return {
      id,
      dim,
      maxBatch,
      dir,
      settings,
      async load(loadOptions = {}) {
        throwIfAborted(loadOptions.signal);
      },
      async encode(texts: readonly string[], encodeOptions: EncodeOptions = {}): Promise<Float32Array> {
        if (closed) throw new BackendError(`the ONNX encoder ${id} is closed`);
        const out = new Float32Array(texts.length * dim);
        const sequences = new Map<number, number[]>();
        for (const position of nonEmptyPositions(texts)) sequences.set(position, tokenizer.encode(texts[position]));
        // Longest first, so each batch pads to a similar length.
        const order = [...sequences.keys()].sort((a, b) => (sequences.get(b)?.length ?? 0) - (sequences.get(a)?.length ?? 0) || a - b);
        await forEachBatch(order, texts.length, maxBatch, encodeOptions, async (batch) => {
          if (closed) throw new BackendError(`the ONNX encoder ${id} is closed`);
          await runBatch(
            batch.map((p) => sequences.get(p) ?? []),
            (r, row) => out.set(row, batch[r] * dim),
          );
        });
        return l2NormalizeRows(out, dim);
      },
      async close() {
        if (closed) return;
        closed = true;
        await session.release();
      },
    };
  } catch (error) {
    await session.release().catch(() => undefined);
    throw error;
  }
}
