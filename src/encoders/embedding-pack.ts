/**
 * Embedding packs: cached text vectors of one encoder written to files, so a dataset can ship the
 * vectors its texts encode to (the demo ships USE-lite's for its 9,742 movies) and a first start
 * seeds the embedding cache instead of spending minutes encoding. A pack is a `pack.json` manifest
 * (encoder id, dimension, row count, file list) beside the rows' text hashes (32 bytes each, the
 * SHA-256 the cache keys by) and their vectors as little-endian float16 in files of at most 4 MiB.
 * Half precision moves a unit vector's cosines by about 1e-3: far below what ranks items.
 * Rows whose text hash is not asked for are skipped, so a pack that no longer matches the texts
 * (changed templates) seeds nothing wrong — the texts are then simply encoded.
 * @module
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ValidationError } from '../core/errors.js';
import type { EmbeddingEntry, EmbeddingStore } from '../storage/storage.js';

/** The manifest of a pack. */
export interface EmbeddingPackManifest {
  format: 'lmrec-embedding-pack';
  version: 1;
  encoder: string;
  dim: number;
  rows: number;
  /** File of the hashes (rows × 32 bytes). */
  hashes: string;
  /** Files of the vectors (float16, little-endian), in row order. */
  vectors: string[];
}

const MANIFEST = 'pack.json';
const MAX_FILE_BYTES = 4 * 1024 * 1024;

/** True when `dir` holds a pack. */
export function hasEmbeddingPack(dir: string): boolean {
  return existsSync(join(dir, MANIFEST));
}

/** Writes `entries` (vectors of encoder `encoderId`) as a pack into `dir`. */
export async function writeEmbeddingPack(dir: string, encoderId: string, entries: readonly EmbeddingEntry[]): Promise<EmbeddingPackManifest> {
  if (entries.length === 0) throw new ValidationError('an embedding pack needs at least one vector', { details: { field: 'entries' } });
  const dim = entries[0].vector.length;
  await mkdir(dir, { recursive: true });
  const hashes = Buffer.alloc(entries.length * 32);
  entries.forEach((e, r) => {
    if (!/^[0-9a-f]{64}$/.test(e.hash)) throw new ValidationError(`entry ${r}: hash must be 64 hex characters`, { details: { index: r, field: 'hash' } });
    if (e.vector.length !== dim) throw new ValidationError(`entry ${r}: vector has ${e.vector.length} values, expected ${dim}`, { details: { index: r, field: 'vector' } });
    hashes.write(e.hash, r * 32, 'hex');
  });
  const rowsPerFile = Math.max(1, Math.floor(MAX_FILE_BYTES / (dim * 2)));
  const files: string[] = [];
  for (let start = 0, f = 0; start < entries.length; start += rowsPerFile, f++) {
    const rows = entries.slice(start, start + rowsPerFile);
    const out = Buffer.alloc(rows.length * dim * 2);
    rows.forEach((e, r) => {
      for (let d = 0; d < dim; d++) out.writeUInt16LE(toHalf(e.vector[d]), (r * dim + d) * 2);
    });
    const name = `vectors-${f}.f16`;
    await writeFile(join(dir, name), out);
    files.push(name);
  }
  await writeFile(join(dir, 'hashes.bin'), hashes);
  const manifest: EmbeddingPackManifest = { format: 'lmrec-embedding-pack', version: 1, encoder: encoderId, dim, rows: entries.length, hashes: 'hashes.bin', vectors: files };
  await writeFile(join(dir, MANIFEST), JSON.stringify(manifest, null, 2) + '\n');
  return manifest;
}

/** Reads a pack's manifest; ValidationError naming the file when it is not one. */
export async function readEmbeddingPackManifest(dir: string): Promise<EmbeddingPackManifest> {
  const file = join(dir, MANIFEST);
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'));
  } catch (cause) {
    throw new ValidationError(`${file}: not a readable embedding pack manifest`, { cause, details: { file } });
  }
  const m = parsed as Partial<EmbeddingPackManifest>;
  if (m.format !== 'lmrec-embedding-pack' || m.version !== 1 || typeof m.encoder !== 'string' || !Number.isInteger(m.dim) || !Number.isInteger(m.rows) || typeof m.hashes !== 'string' || !Array.isArray(m.vectors)) {
    throw new ValidationError(`${file}: not an lmrec embedding pack (format, version, encoder, dim, rows, hashes, vectors)`, { details: { file } });
  }
  return m as EmbeddingPackManifest;
}

/**
 * Puts the pack's vectors whose hashes are in `wanted` (all when omitted) into `store` under the
 * pack's encoder id, when that is `encoderId`; returns how many were written (0 for another encoder).
 */
export async function seedFromEmbeddingPack(dir: string, store: EmbeddingStore, encoderId: string, wanted?: ReadonlySet<string>, options: { signal?: AbortSignal } = {}): Promise<number> {
  const m = await readEmbeddingPackManifest(dir);
  if (m.encoder !== encoderId) return 0;
  const hashes = await readFile(join(dir, m.hashes));
  if (hashes.length !== m.rows * 32) throw new ValidationError(`${join(dir, m.hashes)}: ${hashes.length} bytes, expected ${m.rows * 32}`, { details: { file: join(dir, m.hashes) } });
  let row = 0;
  let written = 0;
  for (const name of m.vectors) {
    const data = await readFile(join(dir, name));
    if (data.length % (m.dim * 2) !== 0) throw new ValidationError(`${join(dir, name)}: size is not a whole number of ${m.dim}-value rows`, { details: { file: join(dir, name) } });
    const rows = data.length / (m.dim * 2);
    const batch: EmbeddingEntry[] = [];
    for (let r = 0; r < rows; r++, row++) {
      const hash = hashes.toString('hex', row * 32, row * 32 + 32);
      if (wanted && !wanted.has(hash)) continue;
      const vector = new Float32Array(m.dim);
      for (let d = 0; d < m.dim; d++) vector[d] = fromHalf(data.readUInt16LE((r * m.dim + d) * 2));
      batch.push({ hash, vector });
    }
    if (batch.length > 0) written += await store.put(encoderId, batch, options);
  }
  if (row !== m.rows) throw new ValidationError(`${dir}: vector files hold ${row} rows, manifest says ${m.rows}`, { details: { file: join(dir, MANIFEST) } });
  return written;
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** Float32 → IEEE half (round to nearest even), as 16 bits. */
export function toHalf(value: number): number {
  f32[0] = value;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant !== 0 ? 0x200 : 0);
  let e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rest = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rest > mid || (rest === mid && (half & 1) === 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (half & 1) === 1)) half++;
  e = half >>> 10;
  return sign | (e >= 0x1f ? 0x7c00 : half);
}

/** IEEE half bits → number. */
export function fromHalf(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >>> 10) & 0x1f;
  const mant = bits & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant === 0 ? sign * Infinity : NaN;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}
