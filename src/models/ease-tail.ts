/**
 * The fallback that scores the items EASE's `maxItems` cap leaves out of B: for each item h, its
 * `k` most co-occurring left-out items j with weight s · co(h, j) / (count(h) + λ).
 *
 * Why this form: co(h, j) / (count(h) + λ) is the first-order (Neumann) term of EASE's own closed
 * form. With G = XᵀX and D = diag(G) + λI, P = (G + λI)⁻¹ ≈ D⁻¹ − D⁻¹ G₀ D⁻¹ (G₀ = G off its
 * diagonal), so B[h, j] = −P[h, j] / P[j, j] ≈ G[h, j] / (G[h, h] + λ): the weight EASE would give
 * j from h if h were uncorrelated with the rest of the history. It ranks the tail by what the user's
 * history co-occurs with, uses EASE's λ as shrinkage, and keeps EASE's item-linear form (a history
 * scores as the sum of its items' rows, which `engine/recency.ts` relies on). Summed over a real
 * history of correlated items, though, the first-order term overshoots EASE by an order of magnitude
 * (unscaled, left-out items flood the lists: ml-latest-small NDCG@10 0.26 → 0.03), so one factor `s`,
 * fitted by least squares against EASE's own scores of the kept items for a sample of training users
 * (where both are known), puts it on EASE's scale.
 *
 * Measured on ml-latest-small (RecBole protocol, λ = 250) with the cap at a third and a sixth of the
 * 1,862 items: ranking only the left-out items, this fallback reaches NDCG@10 0.056 / 0.063 against
 * popularity's 0.016 / 0.015 (cosine co-occurrence 0.060 / 0.078, the exact but dense regression of
 * the left-out columns on the kept ones 0.095 / 0.096); popularity is the same for every user and
 * ranks the tail by the very count that left it out. Overall NDCG@10 stays that of the capped B
 * (0.2584 / 0.2491; the uncapped model's 0.2621 is lost mostly through the left-out items as history,
 * which the fallback does not feed into the kept scores, so that those stay exactly EASE's).
 * @module
 */
import type { CsrMatrix } from '../core/csr-matrix.js';
import { transposeCsr } from '../core/csr-matrix.js';
import { throwIfAborted } from '../core/errors.js';
import { topK } from '../linalg/index.js';

/** An empty neighbour table over `n` items (no fallback scores). */
export function emptyTail(n: number): CsrMatrix {
  return { numRows: n, numCols: n, indptr: new Int32Array(n + 1), indices: new Int32Array(0), values: new Float32Array(0) };
}

/**
 * For every item h (row), its top-`k` left-out items j (`leftOut[j] = 1`, j ≠ h) by co-occurrence in
 * the binary `userItem` matrix, weighted co(h, j) / (count(h) + `lambda`); ties go to the lower index.
 * Costs Σᵤ |rowᵤ| · |rowᵤ ∩ left out| and holds at most `k` entries per item.
 */
export function easeTailNeighbours(userItem: CsrMatrix, leftOut: Uint8Array, k: number, lambda: number, signal?: AbortSignal): CsrMatrix {
  const n = userItem.numCols;
  if (k <= 0 || !leftOut.some((x) => x !== 0)) return emptyTail(n);
  // The user × item matrix restricted to left-out columns: the only targets the fallback scores.
  const tailPtr = new Int32Array(userItem.numRows + 1);
  let nnz = 0;
  for (let u = 0; u < userItem.numRows; u++) {
    for (let p = userItem.indptr[u]; p < userItem.indptr[u + 1]; p++) if (leftOut[userItem.indices[p]] !== 0) nnz++;
    tailPtr[u + 1] = nnz;
  }
  const tailIdx = new Int32Array(nnz);
  for (let u = 0, at = 0; u < userItem.numRows; u++) {
    for (let p = userItem.indptr[u]; p < userItem.indptr[u + 1]; p++) if (leftOut[userItem.indices[p]] !== 0) tailIdx[at++] = userItem.indices[p];
  }
  const itemUser = transposeCsr(userItem);
  const co = new Float32Array(n);
  const touched = new Int32Array(n);
  const candScores = new Float32Array(n);
  const indptr = new Int32Array(n + 1);
  const rowsIdx: Int32Array[] = [];
  const rowsVal: Float32Array[] = [];
  for (let h = 0; h < n; h++) {
    if ((h & 255) === 0) throwIfAborted(signal);
    let nTouched = 0;
    for (let p = itemUser.indptr[h]; p < itemUser.indptr[h + 1]; p++) {
      const u = itemUser.indices[p];
      for (let q = tailPtr[u]; q < tailPtr[u + 1]; q++) {
        const j = tailIdx[q];
        if (co[j] === 0) touched[nTouched++] = j;
        co[j] += 1;
      }
    }
    // Ascending index order, so that equal counts keep the lower index (as a top-k over the row would).
    const cands = touched.subarray(0, nTouched).sort();
    let m = 0;
    for (let t = 0; t < nTouched; t++) {
      const j = cands[t];
      if (j !== h) {
        cands[m] = j;
        candScores[m++] = co[j];
      }
      co[j] = 0;
    }
    const best = topK(candScores.subarray(0, m), k);
    const scale = 1 / (itemUser.indptr[h + 1] - itemUser.indptr[h] + lambda);
    const rowIdx = new Int32Array(best.indices.length);
    const rowVal = new Float32Array(best.indices.length);
    for (let r = 0; r < rowIdx.length; r++) {
      rowIdx[r] = cands[best.indices[r]];
      rowVal[r] = best.scores[r] * scale;
    }
    rowsIdx.push(rowIdx);
    rowsVal.push(rowVal);
    indptr[h + 1] = indptr[h] + rowIdx.length;
  }
  const indices = new Int32Array(indptr[n]);
  const values = new Float32Array(indptr[n]);
  for (let h = 0; h < n; h++) {
    indices.set(rowsIdx[h], indptr[h]);
    values.set(rowsVal[h], indptr[h]);
  }
  return { numRows: n, numCols: n, indptr, indices, values };
}

/** Training users on which the fallback's scale is fitted. */
const CALIBRATION_USERS = 256;

/**
 * Rows (kept-item indices into B) of an evenly spaced sample of at most {@link CALIBRATION_USERS}
 * training users with at least two kept items, from the kept-only CSR `indptr`/`indices`.
 */
export function calibrationSample(indptr: Int32Array, indices: Int32Array, numRows: number): Int32Array[] {
  const eligible: number[] = [];
  for (let u = 0; u < numRows; u++) if (indptr[u + 1] - indptr[u] >= 2) eligible.push(u);
  const stride = Math.max(1, eligible.length / CALIBRATION_USERS);
  const sample: Int32Array[] = [];
  for (let t = 0; t < eligible.length && sample.length < CALIBRATION_USERS; t = Math.floor(sample.length * stride)) {
    const u = eligible[t];
    sample.push(indices.subarray(indptr[u], indptr[u + 1]));
  }
  return sample;
}

/**
 * First-order scores of each sampled history over the kept items, Σ_{r ≠ j} G[r, j] / G[r, r], from
 * the regularised Gram G (λ on its diagonal, before it is inverted); `samples × n`, row-major.
 */
export function firstOrderKeptScores(gram: Float64Array, n: number, samples: readonly Int32Array[]): Float32Array {
  const f = new Float32Array(samples.length * n);
  samples.forEach((rows, s) => {
    const off = s * n;
    for (const r of rows) {
      const inv = 1 / gram[r * n + r];
      const base = r * n;
      for (let j = 0; j < n; j++) f[off + j] += gram[base + j] * inv;
      f[off + r] -= 1; // G[r, r] / G[r, r]: B has no diagonal
    }
  });
  return f;
}

/**
 * The factor that puts first-order scores `first` on the scale of EASE's kept-item scores for the same
 * histories (B = `weights`, n × n): argmin Σ (e − s·f)², clamped to [10⁻³, 1] so that the fallback
 * never inverts its order nor outweighs the first-order term itself. 1 without usable samples.
 */
export function fitTailScale(weights: Float32Array, n: number, samples: readonly Int32Array[], first: Float32Array): number {
  const e = new Float64Array(n);
  let ef = 0;
  let ff = 0;
  samples.forEach((rows, s) => {
    e.fill(0);
    for (const r of rows) {
      const base = r * n;
      for (let j = 0; j < n; j++) e[j] += weights[base + j];
    }
    const off = s * n;
    for (let j = 0; j < n; j++) {
      ef += e[j] * first[off + j];
      ff += first[off + j] * first[off + j];
    }
  });
  if (!(ff > 0)) return 1;
  return Math.min(1, Math.max(1e-3, ef / ff));
}
