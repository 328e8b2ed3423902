import { mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotFoundError, ValidationError } from '../core/errors.js';
import { createOnnxEncoder } from './onnx-encoder.js';
import { TINY_DIM, TINY_VOCAB, tinyEmbedding, writeTinyModelDir } from './test-support.js';

const E = tinyEmbedding();
const id = (token: string): number => TINY_VOCAB.indexOf(token);

/** Mean of the embedding rows of `tokens` (plus a type row when given), normalised: what the encoder must return. */
function expectedRow(tokens: readonly string[], typeRow?: Float32Array, pooling: 'mean' | 'cls' = 'mean'): number[] {
  const used = pooling === 'cls' ? tokens.slice(0, 1) : tokens;
  const row = new Array<number>(TINY_DIM).fill(0);
  for (const token of used) {
    const i = id(token);
    expect(i).toBeGreaterThanOrEqual(0);
    for (let j = 0; j < TINY_DIM; j++) row[j] += E[i * TINY_DIM + j] + (typeRow ? typeRow[j] : 0);
  }
  const norm = Math.hypot(...row);
  return row.map((v) => v / norm);
}

function rowOf(m: Float32Array, r: number): number[] {
  return Array.from(m.subarray(r * TINY_DIM, (r + 1) * TINY_DIM));
}

function expectRowClose(actual: number[], expected: number[]): void {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((v, j) => expect(v).toBeCloseTo(expected[j], 5));
}

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'lmrec-onnx-'));
});
afterAll(async () => rm(root, { recursive: true, force: true }));

describe('ONNX encoder on a hand-built model', () => {
  it('tokenizes, pads, mean-pools over the mask and normalises', async () => {
    const dir = join(root, 'tiny');
    await writeTinyModelDir(dir);
    const encoder = await createOnnxEncoder({ dir, maxBatch: 4 });
    try {
      expect(encoder.dim).toBe(TINY_DIM);
      expect(encoder.id).toMatch(/^onnx:tiny:[0-9a-f]{12}$/);
      expect(encoder.settings).toMatchObject({ maxLength: 256, lowercase: true, pooling: 'mean', outputName: 'last_hidden_state' });
      // Different lengths in one batch: padding must not leak into the mean.
      const texts = ['The dog runs.', 'cat', '', 'Unwanted CAFÉ, xyz'];
      const progress: Array<[number, number]> = [];
      const m = await encoder.encode(texts, { onProgress: (done, total) => progress.push([done, total]) });
      expect(m).toHaveLength(texts.length * TINY_DIM);
      expectRowClose(rowOf(m, 0), expectedRow(['[CLS]', 'the', 'dog', 'run', '##s', '.', '[SEP]']));
      expectRowClose(rowOf(m, 1), expectedRow(['[CLS]', 'cat', '[SEP]']));
      expect(rowOf(m, 2)).toEqual(new Array<number>(TINY_DIM).fill(0));
      expectRowClose(rowOf(m, 3), expectedRow(['[CLS]', 'un', '##want', '##ed', 'cafe', ',', '[UNK]', '[SEP]']));
      expect(progress).toEqual([[4, 4]]);
      // Alone, the short text gives the same vector as in the padded batch.
      expectRowClose(rowOf(await encoder.encode(['cat']), 0), expectedRow(['[CLS]', 'cat', '[SEP]']));
    } finally {
      await encoder.close();
    }
  });

  it('batches by maxBatch and truncates to maxLength', async () => {
    const dir = join(root, 'tiny');
    const encoder = await createOnnxEncoder({ dir, maxBatch: 2, maxLength: 4 });
    try {
      const progress: number[] = [];
      const m = await encoder.encode(['dog dog', 'the dog runs in the park', 'cat sleep'], { onProgress: (done) => progress.push(done) });
      expect(progress).toEqual([2, 3]);
      expectRowClose(rowOf(m, 1), expectedRow(['[CLS]', 'the', 'dog', '[SEP]']));
      expectRowClose(rowOf(m, 2), expectedRow(['[CLS]', 'cat', 'sleep', '[SEP]']));
    } finally {
      await encoder.close();
    }
  });

  it('feeds token_type_ids when the model declares them, and reads encoder.json', async () => {
    const dir = join(root, 'typed');
    const types = new Float32Array(2 * TINY_DIM).map((_, k) => (k < TINY_DIM ? 0.25 * (k + 1) : 100));
    await writeTinyModelDir(dir, { typeEmbedding: types, config: { pooling: 'cls', lowercase: true, maxLength: 16 } });
    const encoder = await createOnnxEncoder({ dir });
    try {
      expect(encoder.settings.pooling).toBe('cls');
      const m = await encoder.encode(['the dog', 'park']);
      // Type row 0 (all-zero token types) is added to every token; CLS pooling reads position 0.
      expectRowClose(rowOf(m, 0), expectedRow(['[CLS]'], types.subarray(0, TINY_DIM), 'cls'));
      expectRowClose(rowOf(m, 1), expectedRow(['[CLS]'], types.subarray(0, TINY_DIM), 'cls'));
      const mean = await createOnnxEncoder({ dir, pooling: 'mean' });
      try {
        expect(mean.id).not.toBe(encoder.id); // pooling changes the vectors, so the cache key too
        expectRowClose(rowOf(await mean.encode(['the dog']), 0), normalisedMeanWithType(['[CLS]', 'the', 'dog', '[SEP]'], types));
      } finally {
        await mean.close();
      }
    } finally {
      await encoder.close();
    }
  });

  it('gives the same id for the same files and settings, another for other weights', async () => {
    const a = await createOnnxEncoder({ dir: join(root, 'tiny') });
    const b = await createOnnxEncoder({ dir: join(root, 'tiny') });
    const c = await createOnnxEncoder({ dir: join(root, 'typed'), pooling: 'mean' });
    expect(a.id).toBe(b.id);
    expect(c.id).not.toBe(a.id);
    await Promise.all([a.close(), b.close(), c.close()]);
    await expect(a.encode(['x'])).rejects.toThrow(/closed/);
  });
});

function normalisedMeanWithType(tokens: readonly string[], types: Float32Array): number[] {
  const row = new Array<number>(TINY_DIM).fill(0);
  for (const token of tokens) for (let j = 0; j < TINY_DIM; j++) row[j] += E[id(token) * TINY_DIM + j] + types[j];
  const norm = Math.hypot(...row);
  return row.map((v) => v / norm);
}

describe('ONNX encoder errors', () => {
  it('says what to put where when the directory is missing', async () => {
    const dir = join(root, 'nope');
    const error = await createOnnxEncoder({ dir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotFoundError);
    expect((error as Error).message).toContain(`ONNX model directory ${dir} does not exist`);
    expect((error as Error).message).toContain(`expected model.onnx and vocab.txt`);
    expect((error as Error).message).toMatch(/export a sentence-transformers model to ONNX/i);
  });

  it('names the missing file', async () => {
    const dir = join(root, 'no-vocab');
    await writeTinyModelDir(dir);
    await unlink(join(dir, 'vocab.txt'));
    await expect(createOnnxEncoder({ dir })).rejects.toThrow(new RegExp(`${dir} has no vocab\\.txt`));
    await unlink(join(dir, 'model.onnx'));
    await expect(createOnnxEncoder({ dir })).rejects.toThrow(/has no model\.onnx and no vocab\.txt/);
  });

  it('rejects a bad encoder.json and an unusable model file', async () => {
    const dir = join(root, 'bad-config');
    await writeTinyModelDir(dir, { config: { pooling: 'max' } });
    await expect(createOnnxEncoder({ dir })).rejects.toThrow(ValidationError);
    await expect(createOnnxEncoder({ dir })).rejects.toThrow(/encoder\.json: field "pooling"/);
    await writeFile(join(dir, 'encoder.json'), '{"pool": "mean"}');
    await expect(createOnnxEncoder({ dir })).rejects.toThrow(/field "pool"/);
    await writeFile(join(dir, 'encoder.json'), '{');
    await expect(createOnnxEncoder({ dir })).rejects.toThrow(/not valid JSON/);
    await writeFile(join(dir, 'encoder.json'), '{}');
    await writeFile(join(dir, 'model.onnx'), 'not a model');
    await expect(createOnnxEncoder({ dir })).rejects.toThrow(/onnxruntime could not load .*model\.onnx/);
  });

  it('rejects inputs it cannot feed and outputs that do not exist', async () => {
    const dir = join(root, 'renamed');
    await writeTinyModelDir(dir, { config: { inputNames: { inputIds: 'ids' } } });
    await expect(createOnnxEncoder({ dir })).rejects.toThrow(/has no input "ids" \(it declares input_ids, attention_mask\)/);
    await writeFile(join(dir, 'encoder.json'), JSON.stringify({ outputName: 'pooled' }));
    await expect(createOnnxEncoder({ dir })).rejects.toThrow(/has no output "pooled" \(it has last_hidden_state\)/);
    await writeFile(join(dir, 'encoder.json'), JSON.stringify({ inputNames: { attentionMask: 'mask' } }));
    await expect(createOnnxEncoder({ dir })).rejects.toThrow(/declares input "attention_mask" that the encoder does not feed/);
  });
});
