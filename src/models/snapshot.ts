/**
 * Model snapshots: hyper-parameters, JSON metadata and named typed arrays, encoded into one
 * self-describing binary payload (a JSON header followed by 8-byte aligned array data). A payload
 * can be decoded from one buffer (arrays copied) or from the chunks storage hands over
 * ({@link decodeSnapshotChunks}: arrays view the chunks where they can).
 * @module
 */
import { ValidationError } from '../core/errors.js';
import { ChunkReader } from './chunk-reader.js';
import type { ModelParams } from './recommender.js';

/** Typed arrays a snapshot may hold. */
export type SnapshotArray = Float32Array | Float64Array | Int32Array | Uint8Array;

/** A model's state. */
export interface ModelSnapshot {
  kind: string;
  params: ModelParams;
  /** Small JSON state (shapes, counters, id lists). */
  meta: Record<string, unknown>;
  /** Large numeric state. */
  arrays: Record<string, SnapshotArray>;
}

const MAGIC = 'LMRS1';
const DTYPES = {
  f32: Float32Array,
  f64: Float64Array,
  i32: Int32Array,
  u8: Uint8Array,
} as const;
type DType = keyof typeof DTYPES;

function dtypeOf(a: SnapshotArray): DType {
  if (a instanceof Float32Array) return 'f32';
  if (a instanceof Float64Array) return 'f64';
  if (a instanceof Int32Array) return 'i32';
  return 'u8';
}

interface Header {
  kind: string;
  params: ModelParams;
  meta: Record<string, unknown>;
  arrays: { name: string; dtype: DType; offset: number; length: number }[];
}

/** Encodes a snapshot into bytes. */
export function encodeSnapshot(snapshot: ModelSnapshot): Uint8Array {
  const entries = Object.entries(snapshot.arrays);
  let offset = 0;
  const arrays: Header['arrays'] = [];
  for (const [name, a] of entries) {
    arrays.push({ name, dtype: dtypeOf(a), offset, length: a.length });
    offset += Math.ceil(a.byteLength / 8) * 8;
  }
  const header: Header = { kind: snapshot.kind, params: snapshot.params, meta: snapshot.meta, arrays };
  const headerBytes = new TextEncoder().encode(JSON.stringify(header));
  const prefix = MAGIC.length + 4;
  const dataStart = Math.ceil((prefix + headerBytes.length) / 8) * 8;
  const out = new Uint8Array(dataStart + offset);
  out.set(new TextEncoder().encode(MAGIC), 0);
  new DataView(out.buffer).setUint32(MAGIC.length, headerBytes.length, true);
  out.set(headerBytes, prefix);
  entries.forEach(([, a], k) => {
    out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), dataStart + arrays[k].offset);
  });
  return out;
}

/** Decodes bytes made by {@link encodeSnapshot}; arrays are copies aligned for their type. */
export function decodeSnapshot(bytes: Uint8Array): ModelSnapshot {
  const magic = new TextDecoder().decode(bytes.subarray(0, MAGIC.length));
  if (magic !== MAGIC) throw new ValidationError('not a model snapshot (bad magic bytes)', { details: { magic } });
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint32(MAGIC.length, true);
  const prefix = MAGIC.length + 4;
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(prefix, prefix + headerLength))) as Header;
  const dataStart = Math.ceil((prefix + headerLength) / 8) * 8;
  const arrays: Record<string, SnapshotArray> = {};
  for (const a of header.arrays) {
    const Ctor = DTYPES[a.dtype];
    const byteLength = a.length * Ctor.BYTES_PER_ELEMENT;
    const start = dataStart + a.offset;
    const out = new Ctor(a.length);
    new Uint8Array(out.buffer).set(bytes.subarray(start, start + byteLength));
    arrays[a.name] = out;
  }
  return { kind: header.kind, params: header.params, meta: header.meta, arrays };
}

/** Options of {@link decodeSnapshotChunks}. */
export interface DecodeChunksOptions {
  /**
   * Copy every array into a `SharedArrayBuffer` of its own (default false): the snapshot can then be
   * posted to worker threads, which see the same memory instead of a copy each. The chunks are not
   * referenced afterwards.
   */
  shared?: boolean;
}

/**
 * Decodes a payload made by {@link encodeSnapshot} from its chunks, in order (one buffer is one
 * chunk). An array that lies inside one chunk at an address aligned for its type is a view of that
 * chunk (no copy); one that straddles chunks, or is misaligned, is copied once into a fresh array
 * (with `shared`, every array is copied once, into shared memory). Nothing else is copied, so
 * decoding holds the decoded model plus the chunk in hand. The chunks must not be modified afterwards.
 */
export async function decodeSnapshotChunks(chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>, options: DecodeChunksOptions = {}): Promise<ModelSnapshot> {
  const reader = new ChunkReader(chunks);
  const prefix = MAGIC.length + 4;
  let start: Uint8Array;
  try {
    start = await reader.read(prefix);
  } catch (error) {
    throw new ValidationError('not a model snapshot (too short)', { cause: error });
  }
  const magic = new TextDecoder().decode(start.subarray(0, MAGIC.length));
  if (magic !== MAGIC) throw new ValidationError('not a model snapshot (bad magic bytes)', { details: { magic } });
  const headerLength = new DataView(start.buffer, start.byteOffset, start.byteLength).getUint32(MAGIC.length, true);
  const header = JSON.parse(new TextDecoder().decode(await reader.read(headerLength))) as Header;
  let position = prefix + headerLength;
  const dataStart = Math.ceil(position / 8) * 8;
  const arrays: Record<string, SnapshotArray> = {};
  // The encoder lays arrays out in header order; sorting keeps the reader moving forward regardless.
  for (const a of [...header.arrays].sort((x, y) => x.offset - y.offset)) {
    const Ctor = DTYPES[a.dtype];
    const at = dataStart + a.offset;
    await reader.skip(at - position);
    const byteLength = a.length * Ctor.BYTES_PER_ELEMENT;
    if (options.shared === true) {
      const memory = new SharedArrayBuffer(byteLength);
      await reader.readInto(new Uint8Array(memory));
      arrays[a.name] = new Ctor(memory as unknown as ArrayBuffer, 0, a.length);
    } else {
      const bytes = await reader.read(byteLength, Ctor.BYTES_PER_ELEMENT);
      arrays[a.name] = new Ctor(bytes.buffer as ArrayBuffer, bytes.byteOffset, a.length);
    }
    position = at + byteLength;
  }
  return { kind: header.kind, params: header.params, meta: header.meta, arrays };
}
