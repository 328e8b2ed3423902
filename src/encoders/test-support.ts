/**
 * Test support (excluded from the build): a minimal protobuf writer and a tiny ONNX "encoder" built
 * by hand — `input_ids` → Gather from an embedding initializer (vocab × dim) → `[batch, seq, dim]`,
 * optionally plus a token-type embedding — so the ONNX encoder runs a real onnxruntime session
 * without downloading a model. Also a deterministic fake encoder for cache tests.
 * @module
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { EncodeOptions, Encoder } from './encoder.js';
import { l2NormalizeRows } from './l2-normalize-rows.js';

/** Appends protobuf fields to a growing byte list (proto3 wire format, the subset ONNX needs). */
class ProtoWriter {
  private readonly bytes: number[] = [];

  private varint(value: number | bigint): void {
    let v = BigInt.asUintN(64, BigInt(value));
    while (v >= 0x80n) {
      this.bytes.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.bytes.push(Number(v));
  }

  private key(field: number, wireType: number): void {
    this.varint((field << 3) | wireType);
  }

  /** A varint field (int32, int64, enum). */
  int(field: number, value: number | bigint): this {
    this.key(field, 0);
    this.varint(value);
    return this;
  }

  /** A length-delimited field holding raw bytes. */
  raw(field: number, value: Uint8Array): this {
    this.key(field, 2);
    this.varint(value.length);
    for (const b of value) this.bytes.push(b);
    return this;
  }

  /** A string field (UTF-8). */
  string(field: number, value: string): this {
    return this.raw(field, new TextEncoder().encode(value));
  }

  /** An embedded message field. */
  message(field: number, build: (w: ProtoWriter) => void): this {
    const inner = new ProtoWriter();
    build(inner);
    return this.raw(field, inner.finish());
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }
}

/** ONNX TensorProto.DataType values used here. */
const FLOAT = 1;
const INT64 = 7;

type Dim = number | string;

function valueInfo(w: ProtoWriter, name: string, elemType: number, dims: readonly Dim[]): void {
  w.string(1, name); // ValueInfoProto.name
  w.message(2, (type) =>
    // TypeProto.tensor_type
    type.message(1, (tensor) => {
      tensor.int(1, elemType); // elem_type
      tensor.message(2, (shape) => {
        for (const d of dims) shape.message(1, (dim) => (typeof d === 'number' ? dim.int(1, d) : dim.string(2, d)));
      });
    }),
  );
}

function floatInitializer(w: ProtoWriter, name: string, dims: readonly number[], data: Float32Array): void {
  for (const d of dims) w.int(1, d); // TensorProto.dims
  w.int(2, FLOAT); // data_type
  w.string(8, name); // name
  const le = new Uint8Array(data.length * 4);
  const view = new DataView(le.buffer);
  data.forEach((v, i) => view.setFloat32(i * 4, v, true));
  w.raw(9, le); // raw_data, little-endian
}

function node(w: ProtoWriter, op: string, inputs: readonly string[], outputs: readonly string[], name: string): void {
  for (const i of inputs) w.string(1, i);
  for (const o of outputs) w.string(2, o);
  w.string(3, name);
  w.string(4, op);
}

/** Shape of the tiny model {@link buildTinyEncoderModel} writes. */
export interface TinyModelOptions {
  /** Row-major vocab × dim token embedding. */
  embedding: Float32Array;
  vocabSize: number;
  dim: number;
  /** When given (2 × dim), the model also declares `token_type_ids` and adds `typeEmbedding[type]`. */
  typeEmbedding?: Float32Array;
  /** Name of the `[batch, seq, dim]` output (default `last_hidden_state`). */
  outputName?: string;
}

/**
 * Serialises an ONNX ModelProto (IR 8, opset 13): inputs `input_ids` and `attention_mask`
 * (`[batch, seq]` int64; the mask is declared but unused, as pooling is the encoder's job) and
 * optionally `token_type_ids`; output `Gather(embedding, input_ids) [+ Gather(types, token_type_ids)]`.
 */
export function buildTinyEncoderModel(options: TinyModelOptions): Uint8Array {
  const { embedding, vocabSize, dim } = options;
  const outputName = options.outputName ?? 'last_hidden_state';
  const withTypes = options.typeEmbedding !== undefined;
  const model = new ProtoWriter();
  model.int(1, 8); // ir_version
  model.string(2, 'lmrec-test'); // producer_name
  model.message(8, (opset) => opset.string(1, '').int(2, 13)); // opset_import
  model.message(7, (graph) => {
    if (withTypes) {
      graph.message(1, (n) => node(n, 'Gather', ['word_embeddings', 'input_ids'], ['words'], 'gather_words'));
      graph.message(1, (n) => node(n, 'Gather', ['type_embeddings', 'token_type_ids'], ['types'], 'gather_types'));
      graph.message(1, (n) => node(n, 'Add', ['words', 'types'], [outputName], 'add'));
    } else {
      graph.message(1, (n) => node(n, 'Gather', ['word_embeddings', 'input_ids'], [outputName], 'gather_words'));
    }
    graph.string(2, 'tiny_encoder');
    graph.message(5, (t) => floatInitializer(t, 'word_embeddings', [vocabSize, dim], embedding));
    if (options.typeEmbedding) graph.message(5, (t) => floatInitializer(t, 'type_embeddings', [2, dim], options.typeEmbedding as Float32Array));
    graph.message(11, (v) => valueInfo(v, 'input_ids', INT64, ['batch', 'sequence']));
    graph.message(11, (v) => valueInfo(v, 'attention_mask', INT64, ['batch', 'sequence']));
    if (withTypes) graph.message(11, (v) => valueInfo(v, 'token_type_ids', INT64, ['batch', 'sequence']));
    graph.message(12, (v) => valueInfo(v, outputName, FLOAT, ['batch', 'sequence', dim]));
  });
  return model.finish();
}

/** The vocabulary of the tiny model: specials first, then a few words and pieces. */
export const TINY_VOCAB: readonly string[] = Object.freeze([
  '[PAD]',
  '[UNK]',
  '[CLS]',
  '[SEP]',
  'the',
  'dog',
  'run',
  '##s',
  'in',
  'park',
  '.',
  ',',
  'cat',
  'sleep',
  'un',
  '##want',
  '##ed',
  'cafe',
]);

/** Dimension of the tiny model. */
export const TINY_DIM = 8;

/** The tiny model's embedding: row `i`, column `j` holds `sin(8i + j + 1)`, so every row differs. */
export function tinyEmbedding(vocabSize = TINY_VOCAB.length, dim = TINY_DIM): Float32Array {
  const e = new Float32Array(vocabSize * dim);
  for (let i = 0; i < vocabSize; i++) for (let j = 0; j < dim; j++) e[i * dim + j] = Math.sin(i * dim + j + 1);
  return e;
}

/** Options of {@link writeTinyModelDir}. */
export interface TinyModelDirOptions {
  /** Also declare and use `token_type_ids`, with this 2 × dim type embedding. */
  typeEmbedding?: Float32Array;
  /** Contents of `encoder.json`, written when given. */
  config?: Record<string, unknown>;
  /** Output name (default `last_hidden_state`). */
  outputName?: string;
}

/** Writes `model.onnx` and `vocab.txt` of the tiny model (and `encoder.json` when asked) into `dir`. */
export async function writeTinyModelDir(dir: string, options: TinyModelDirOptions = {}): Promise<void> {
  await mkdir(dir, { recursive: true });
  const bytes = buildTinyEncoderModel({
    embedding: tinyEmbedding(),
    vocabSize: TINY_VOCAB.length,
    dim: TINY_DIM,
    ...(options.typeEmbedding ? { typeEmbedding: options.typeEmbedding } : {}),
    ...(options.outputName ? { outputName: options.outputName } : {}),
  });
  await writeFile(join(dir, 'model.onnx'), bytes);
  await writeFile(join(dir, 'vocab.txt'), `${TINY_VOCAB.join('\n')}\n`);
  if (options.config) await writeFile(join(dir, 'encoder.json'), JSON.stringify(options.config));
}

/** A fake encoder for cache tests: deterministic unit vectors from the text's characters. */
export interface FakeEncoder extends Encoder {
  /** Every batch of texts it was asked to encode, in order. */
  readonly calls: string[][];
}

/** Creates a {@link FakeEncoder}: row = normalised character histogram folded into `dim` buckets. */
export function createFakeEncoder(id = 'fake', dim = 4, maxBatch = 2): FakeEncoder {
  const calls: string[][] = [];
  return {
    id,
    dim,
    maxBatch,
    calls,
    async encode(texts: readonly string[], options: EncodeOptions = {}): Promise<Float32Array> {
      const out = new Float32Array(texts.length * dim);
      for (let start = 0; start < texts.length; start += maxBatch) {
        const batch = texts.slice(start, start + maxBatch);
        calls.push([...batch]);
        batch.forEach((text, r) => {
          for (const ch of text) out[(start + r) * dim + ((ch.codePointAt(0) ?? 0) % dim)] += 1;
        });
        options.onProgress?.(Math.min(start + maxBatch, texts.length), texts.length);
      }
      return l2NormalizeRows(out, dim);
    },
    async close() {},
  };
}

/** Hashed bag of words, 64 dimensions, unit length: texts sharing words are similar. */
export function bagOfWordsEncoder(): Encoder {
  const dim = 64;
  return {
    id: 'test-bow',
    dim,
    maxBatch: 256,
    async encode(texts: readonly string[]) {
      const out = new Float32Array(texts.length * dim);
      texts.forEach((t, r) => {
        for (const w of t.toLowerCase().match(/[a-z]{4,}/g) ?? []) {
          let h = 2166136261;
          for (let c = 0; c < w.length; c++) h = Math.imul(h ^ w.charCodeAt(c), 16777619);
          out[r * dim + ((h >>> 0) % dim)] += 1;
        }
        let s = 0;
        for (let d = 0; d < dim; d++) s += out[r * dim + d] ** 2;
        for (let d = 0; d < dim && s > 0; d++) out[r * dim + d] /= Math.sqrt(s);
      });
      return out;
    },
    async close(): Promise<void> {},
  };
}
