/**
 * Array types shared by the kernels, and the argument checks they run before a hot loop.
 * @module
 */

/** A dense vector or row-major matrix of 32- or 64-bit floats. */
export type FloatArray = Float32Array | Float64Array;

/** Anything with a length that a kernel reads or writes by index. */
interface Indexed {
  readonly length: number;
}

/**
 * Throws a RangeError unless `arr[off .. off + count)` lies inside `arr` and the sizes are
 * non-negative integers. Kernels call it once per call, never inside a loop.
 */
export function checkRange(name: string, arr: Indexed, off: number, count: number): void {
  if (!Number.isInteger(off) || !Number.isInteger(count) || off < 0 || count < 0) {
    throw new RangeError(`${name}: offset ${off} and length ${count} must be non-negative integers`);
  }
  if (off + count > arr.length) {
    throw new RangeError(`${name}: needs ${off + count} elements but has ${arr.length}`);
  }
}

/** Throws a RangeError unless every value is a non-negative integer (a dimension). */
export function checkDims(name: string, dims: Record<string, number>): void {
  for (const [key, value] of Object.entries(dims)) {
    if (!Number.isInteger(value) || value < 0) {
      throw new RangeError(`${name}: ${key} must be a non-negative integer, got ${value}`);
    }
  }
}
