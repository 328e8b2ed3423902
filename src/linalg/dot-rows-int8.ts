/**
 * Scores against int8-coded rows: a float query times rows of signed bytes, over a range of the
 * rows' columns. Scalar-quantised vectors (a per-column scale folded into the query) take a
 * quarter of float32's memory and, in V8, score at float32's speed: the loads widen to doubles
 * either way. Used by a retrieval index whose first pass reads the leading columns of every row
 * it scans and whose second stage reads the remaining columns of the rows it kept.
 * @module
 */
import { checkRange } from './float-array.js';

/**
 * Writes Σ_{c = from}^{to − 1} q[c]·codes[(first + r)·stride + c] into `out[outOff + r]` for
 * `count` consecutive rows of `codes` (`stride` columns each).
 */
export function dotRowsInt8(q: Float32Array, codes: Int8Array, stride: number, from: number, to: number, first: number, count: number, out: Float32Array, outOff = 0): void {
  checkColumns('dotRowsInt8', q, stride, from, to);
  checkRange('dotRowsInt8 codes', codes, first * stride, count * stride);
  checkRange('dotRowsInt8 out', out, outOff, count);
  const end4 = to - ((to - from) % 4);
  for (let r = 0; r < count; r++) {
    const off = (first + r) * stride;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let c = from;
    for (; c < end4; c += 4) {
      s0 += q[c] * codes[off + c];
      s1 += q[c + 1] * codes[off + c + 1];
      s2 += q[c + 2] * codes[off + c + 2];
      s3 += q[c + 3] * codes[off + c + 3];
    }
    for (; c < to; c++) s0 += q[c] * codes[off + c];
    out[outOff + r] = s0 + s1 + (s2 + s3);
  }
}

/**
 * Adds Σ_{c = from}^{to − 1} q[c]·codes[rows[j]·stride + c] to `out[j]` for j < `rows.length`: the
 * same products for rows picked anywhere in `codes`.
 */
export function addDotsInt8AtRows(q: Float32Array, codes: Int8Array, stride: number, from: number, to: number, rows: Int32Array, out: Float32Array): void {
  checkColumns('addDotsInt8AtRows', q, stride, from, to);
  checkRange('addDotsInt8AtRows out', out, 0, rows.length);
  const numRows = codes.length / stride;
  const end4 = to - ((to - from) % 4);
  for (let j = 0; j < rows.length; j++) {
    const row = rows[j];
    if (!(row >= 0 && row < numRows)) throw new RangeError(`addDotsInt8AtRows: row ${row} outside 0..${numRows - 1}`);
    const off = row * stride;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let c = from;
    for (; c < end4; c += 4) {
      s0 += q[c] * codes[off + c];
      s1 += q[c + 1] * codes[off + c + 1];
      s2 += q[c + 2] * codes[off + c + 2];
      s3 += q[c + 3] * codes[off + c + 3];
    }
    for (; c < to; c++) s0 += q[c] * codes[off + c];
    out[j] += s0 + s1 + (s2 + s3);
  }
}

/**
 * Scalar quantisation of `rows` rows of `x` (`dim` columns): codes[outOff + r·dim + c] =
 * round(x[r·dim + c] / scales[c]) clamped to ±127, so that codes × scales ≈ x.
 */
export function quantiseRowsInt8(x: Float32Array | Float64Array, rows: number, dim: number, scales: Float32Array, codes: Int8Array, outOff = 0): void {
  checkRange('quantiseRowsInt8 x', x, 0, rows * dim);
  checkRange('quantiseRowsInt8 scales', scales, 0, dim);
  checkRange('quantiseRowsInt8 codes', codes, outOff, rows * dim);
  const inverse = Float64Array.from(scales, (s) => (s > 0 ? 1 / s : 0));
  for (let r = 0; r < rows; r++) {
    const off = r * dim;
    for (let c = 0; c < dim; c++) {
      const v = Math.round(x[off + c] * inverse[c]);
      codes[outOff + off + c] = v > 127 ? 127 : v < -127 ? -127 : v;
    }
  }
}

function checkColumns(name: string, q: Float32Array, stride: number, from: number, to: number): void {
  if (!Number.isInteger(stride) || stride < 1 || !Number.isInteger(from) || !Number.isInteger(to) || from < 0 || to < from || to > stride) {
    throw new RangeError(`${name}: columns ${from}..${to} must lie within a stride of ${stride}`);
  }
  checkRange(`${name} q`, q, 0, to);
}
