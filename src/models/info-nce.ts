/**
 * In-batch contrastive loss (InfoNCE) between two views of the same batch of sequence
 * representations, as used by DuoRec (Qiu et al., WSDM 2022) and CL4SRec (Xie et al., ICDE 2022):
 * row `i` of one view should score its own counterpart in the other view above every other row.
 * @module
 */
import { matmul } from '../linalg/index.js';
import type { Workspace } from './workspace.js';

/** Inputs of {@link infoNce}. */
export interface InfoNceBatch {
  /** First view, `rows × dim`. */
  a: Float32Array;
  /** Second view, `rows × dim`; row `i` is the positive of `a`'s row `i`. */
  b: Float32Array;
  rows: number;
  dim: number;
  /** Similarities are dot products divided by this. */
  temperature: number;
  /**
   * Optional label of each row (e.g. its next-item target): another row with the same label is not
   * a negative (DuoRec's false-negative mask).
   */
  groups?: Int32Array;
}

/**
 * Symmetric InfoNCE: the mean over rows of the cross-entropy of `a_i` against every `b_j`, and of
 * `b_i` against every `a_j`, with the positive `j = i`, halved. Writes dLoss/da and dLoss/db into
 * `da` and `db` (overwritten). With a single row there is no negative and the loss is 0.
 */
export function infoNce(x: InfoNceBatch, da: Float32Array, db: Float32Array, ws: Workspace): number {
  const { a, b, rows: n, dim, temperature, groups } = x;
  const s = ws.get('infoNce.sim', n * n);
  matmul(a, b, s, n, dim, n, { transB: true });
  const inv = 1 / temperature;
  for (let i = 0; i < n * n; i++) s[i] *= inv;
  if (groups) {
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (i !== j && groups[i] === groups[j]) s[i * n + j] = -Infinity;
  }
  // dS = (rowSoftmax − I + colSoftmax − I) / (2n), built in `g`.
  const g = ws.get('infoNce.grad', n * n, true);
  let loss = 0;
  const scale = 1 / (2 * n);
  for (let i = 0; i < n; i++) {
    let max = -Infinity;
    for (let j = 0; j < n; j++) if (s[i * n + j] > max) max = s[i * n + j];
    let sum = 0;
    for (let j = 0; j < n; j++) sum += Math.exp(s[i * n + j] - max);
    loss += max + Math.log(sum) - s[i * n + i];
    for (let j = 0; j < n; j++) g[i * n + j] += (Math.exp(s[i * n + j] - max) / sum) * scale;
    g[i * n + i] -= scale;
  }
  for (let j = 0; j < n; j++) {
    let max = -Infinity;
    for (let i = 0; i < n; i++) if (s[i * n + j] > max) max = s[i * n + j];
    let sum = 0;
    for (let i = 0; i < n; i++) sum += Math.exp(s[i * n + j] - max);
    loss += max + Math.log(sum) - s[j * n + j];
    for (let i = 0; i < n; i++) g[i * n + j] += (Math.exp(s[i * n + j] - max) / sum) * scale;
    g[j * n + j] -= scale;
  }
  for (let i = 0; i < n * n; i++) g[i] *= inv;
  // da = dS·b, db = dSᵀ·a.
  matmul(g, b, da, n, n, dim);
  matmul(g, a, db, n, n, dim, { transA: true });
  return loss * scale;
}
