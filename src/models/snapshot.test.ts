// Snapshot payloads decoded from chunks: the same snapshot whatever the chunking, arrays viewing the
// chunks where they lie inside one (aligned), copied once where they straddle.
import { describe, expect, it } from 'vitest';
import { createRng } from '../linalg/index.js';
import { decodeSnapshot, decodeSnapshotChunks, encodeSnapshot } from './snapshot.js';
import type { ModelSnapshot } from './snapshot.js';

function sample(): ModelSnapshot {
  const rng = createRng(4);
  return {
    kind: 'test',
    params: { lambda: 2, name: 'ü' },
    meta: { ids: ['a', 'b', 'c'], nested: { n: 1 } },
    arrays: {
      f32: Float32Array.from({ length: 1001 }, () => rng.normal()),
      f64: Float64Array.from({ length: 77 }, () => rng.normal()),
      i32: Int32Array.from({ length: 333 }, (_, i) => i * 3 - 100),
      u8: Uint8Array.from({ length: 13 }, (_, i) => i),
      empty: new Float32Array(0),
    },
  };
}

/** Splits `bytes` into chunks of `size` bytes, each in its own ArrayBuffer (as storage hands them over). */
function chunked(bytes: Uint8Array, size: number): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; at += size) chunks.push(bytes.slice(at, Math.min(bytes.length, at + size)));
  return chunks;
}

async function* asAsync(chunks: Uint8Array[]): AsyncGenerator<Uint8Array> {
  for (const chunk of chunks) yield chunk;
}

describe('decodeSnapshotChunks', () => {
  const snapshot = sample();
  const bytes = encodeSnapshot(snapshot);
  const expected = decodeSnapshot(bytes);

  it.each([1, 7, 8, 24, 1000, 4096, 1 << 20])('decodes the same snapshot from chunks of %i bytes', async (size) => {
    const decoded = await decodeSnapshotChunks(asAsync(chunked(bytes, size)));
    expect(decoded.kind).toBe(expected.kind);
    expect(decoded.params).toEqual(expected.params);
    expect(decoded.meta).toEqual(expected.meta);
    expect(Object.keys(decoded.arrays).sort()).toEqual(Object.keys(expected.arrays).sort());
    for (const [name, array] of Object.entries(expected.arrays)) {
      expect(decoded.arrays[name].constructor, name).toBe(array.constructor);
      expect(Array.from(decoded.arrays[name]), name).toEqual(Array.from(array));
    }
  });

  it('views the chunk for an array inside one and copies one that straddles two', async () => {
    // 4 KiB chunks: f32 (4,004 bytes) cannot lie inside one chunk, the small arrays after it can.
    const chunks = chunked(bytes, 4096);
    const decoded = await decodeSnapshotChunks(chunks);
    const buffers = new Set<ArrayBufferLike>(chunks.map((c) => c.buffer));
    const { f32, f64, i32, u8 } = decoded.arrays;
    const inside = [f64, i32, u8].filter((a) => buffers.has(a.buffer));
    expect(buffers.has(f32.buffer)).toBe(false);
    expect(f32.buffer.byteLength).toBe(f32.byteLength);
    expect(inside.length).toBeGreaterThanOrEqual(2);
    // One buffer holding the whole payload: every array is a view of it, nothing is copied.
    const whole = bytes.slice();
    const fromOne = await decodeSnapshotChunks([whole]);
    for (const a of Object.values(fromOne.arrays)) if (a.length > 0) expect(a.buffer).toBe(whole.buffer);
  });

  it.each([7, 4096, 1 << 20])('with `shared`, puts every array in a SharedArrayBuffer of its own (chunks of %i bytes)', async (size) => {
    const chunks = chunked(bytes, size);
    const decoded = await decodeSnapshotChunks(asAsync(chunks), { shared: true });
    const buffers = new Set<ArrayBufferLike>(chunks.map((c) => c.buffer));
    for (const [name, array] of Object.entries(expected.arrays)) {
      const got = decoded.arrays[name];
      expect(got.buffer instanceof SharedArrayBuffer, name).toBe(true);
      expect(buffers.has(got.buffer), name).toBe(false);
      expect(got.byteOffset).toBe(0);
      expect(got.constructor, name).toBe(array.constructor);
      expect(Array.from(got), name).toEqual(Array.from(array));
    }
    expect(decoded.meta).toEqual(expected.meta);
  });

  it('copies an array whose start is misaligned in its chunk instead of failing', async () => {
    // Shift the payload by 3 bytes inside a larger buffer: no array start is aligned any more.
    const shifted = new Uint8Array(bytes.length + 3);
    shifted.set(bytes, 3);
    const decoded = await decodeSnapshotChunks([shifted.subarray(3)]);
    expect(Array.from(decoded.arrays.f64)).toEqual(Array.from(expected.arrays.f64));
    expect(decoded.arrays.f64.buffer).not.toBe(shifted.buffer);
    expect(decoded.arrays.u8.buffer).toBe(shifted.buffer);
  });

  it('refuses what is not a snapshot, or ends early', async () => {
    await expect(decodeSnapshotChunks([new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])])).rejects.toThrow(/bad magic/);
    await expect(decodeSnapshotChunks([new Uint8Array(0)])).rejects.toThrow(/not a model snapshot/);
    await expect(decodeSnapshotChunks([bytes.subarray(0, bytes.length - 100)])).rejects.toThrow(/ended early/);
  });
});
