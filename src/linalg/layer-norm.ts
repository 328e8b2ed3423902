/**
 * Layer normalisation over the rows of a row-major matrix, forward and backward, for the
 * transformer blocks of the sequence models.
 * @module
 */
import { checkRange, type FloatArray } from './float-array.js';

/**
 * y = γ ⊙ (x − μ)/σ + β per row of `x` (`rows × dim`), σ = √(var + eps). Writes the normalised rows
 * x̂ into `xhat` and 1/σ into `rstd` (both needed by {@link layerNormBackward}). `y` may alias `x`.
 */
export function layerNorm(
  x: FloatArray,
  gamma: FloatArray,
  beta: FloatArray,
  y: FloatArray,
  xhat: FloatArray,
  rstd: FloatArray,
  rows: number,
  dim: number,
  eps = 1e-5,
): void {
  checkRange('layerNorm x', x, 0, rows * dim);
  checkRange('layerNorm y', y, 0, rows * dim);
  checkRange('layerNorm xhat', xhat, 0, rows * dim);
  checkRange('layerNorm rstd', rstd, 0, rows);
  checkRange('layerNorm gamma', gamma, 0, dim);
  checkRange('layerNorm beta', beta, 0, dim);
  for (let r = 0; r < rows; r++) {
    const off = r * dim;
    let mean = 0;
    for (let c = 0; c < dim; c++) mean += x[off + c];
    mean /= dim;
    let v = 0;
    for (let c = 0; c < dim; c++) {
      const d = x[off + c] - mean;
      v += d * d;
    }
    const s = 1 / Math.sqrt(v / dim + eps);
    rstd[r] = s;
    for (let c = 0; c < dim; c++) {
      const h = (x[off + c] - mean) * s;
      xhat[off + c] = h;
      y[off + c] = gamma[c] * h + beta[c];
    }
  }
}

/**
 * Backward pass of {@link layerNorm}: from dL/dy, writes dL/dx into `dx` (may alias `dy`) and adds
 * dL/dγ and dL/dβ into `dGamma` and `dBeta`.
 */
export function layerNormBackward(
  dy: FloatArray,
  xhat: FloatArray,
  rstd: FloatArray,
  gamma: FloatArray,
  dx: FloatArray,
  dGamma: FloatArray,
  dBeta: FloatArray,
  rows: number,
  dim: number,
): void {
  checkRange('layerNormBackward dy', dy, 0, rows * dim);
  checkRange('layerNormBackward dx', dx, 0, rows * dim);
  checkRange('layerNormBackward xhat', xhat, 0, rows * dim);
  checkRange('layerNormBackward rstd', rstd, 0, rows);
  for (let r = 0; r < rows; r++) {
    const off = r * dim;
    let sumG = 0;
    let sumGx = 0;
    for (let c = 0; c < dim; c++) {
      const g = dy[off + c];
      const h = xhat[off + c];
      dGamma[c] += g * h;
      dBeta[c] += g;
      const gh = g * gamma[c];
      sumG += gh;
      sumGx += gh * h;
    }
    const mg = sumG / dim;
    const mgx = sumGx / dim;
    const s = rstd[r];
    for (let c = 0; c < dim; c++) dx[off + c] = s * (dy[off + c] * gamma[c] - mg - xhat[off + c] * mgx);
  }
}
