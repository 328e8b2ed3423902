/**
 * Higher-order EASE (Steck & Liang, "Negative Interactions for Improved Collaborative Filtering: Don't
 * go Deeper, go Higher", RecSys 2021): EASE's item-item weights B plus a weight row for each of the
 * `pairs` most co-occurring item pairs, so that two items held together can raise or lower a target
 * beyond what each does alone. With Z the users × pairs indicator (zᵤₚ = 1 when u holds both items
 * of p), it minimises
 *
 *   ‖X − XB − ZC‖² + λ‖B‖² + λ_pairs‖C‖²,  diag(B) = 0,  C[p, j] = 0 when j is one of p's items,
 *
 * by exact block coordinate descent, each block in closed form. With P = (XᵀX + λI)⁻¹ and
 * Q = (ZᵀZ + λ_pairs I)⁻¹ (both inverted once):
 *
 * - B-step: B = (I − λP) − P·XᵀZ·C − P·diag(γ), γ chosen so that diag(B) = 0 (EASE's Lagrangian);
 * - C-step: column j is Q·Zᵀ(X − XB)ⱼ minus the correction that zeroes its constrained rows S
 *   (vᵢ − Q[:, S]·Q[S, S]⁻¹·v[S], exact for the constrained ridge problem).
 *
 * Starting from C = 0 the first B-step is EASE. Each iteration costs two products of pairs × n × n
 * (`gemm`); the inverses and the products with P and Q are paid once. At most `maxItems` items (the
 * most interacted) enter the model; the others score 0 and the fit report counts them.
 * @module
 */
import { binarize, columnCounts } from '../core/csr-matrix.js';
import { keptColumns, selectKeptItems } from './kept-items.js';
import type { CsrMatrix } from '../core/csr-matrix.js';
import { throwIfAborted } from '../core/errors.js';
import { gemm, kthLargest, solveSpdSmall, sparseGram, spdInverse } from '../linalg/index.js';
import type { FitContext, FitReport, ModelParams, Recommender, UserQuery } from './recommender.js';
import type { ModelSnapshot } from './snapshot.js';

/** Hyper-parameters of {@link HigherEaseModel}. */
export interface HigherEaseOptions {
  /** L2 weight λ on B (EASE's λ). */
  lambda: number;
  /** L2 weight on the pair rows C. */
  pairLambda: number;
  /** Number of item pairs (the most co-occurring in training) that get a weight row. */
  pairs: number;
  /** Block coordinate descent iterations after the EASE start (each a C-step then a B-step). */
  iterations: number;
  /** At most this many items (the most interacted) enter the model; the cost is cubic in it. */
  maxItems: number;
}

const DEFAULTS: HigherEaseOptions = { lambda: 250, pairLambda: 500, pairs: 1000, iterations: 2, maxItems: 4000 };

/** Creates a higher-order EASE recommender. */
export function createHigherEase(options: Partial<HigherEaseOptions> = {}): HigherEaseModel {
  return new HigherEaseModel({ ...DEFAULTS, ...options });
}

/** EASE with pairwise (higher-order) interaction rows; kind `hoease`. */
export class HigherEaseModel implements Recommender {
  readonly kind = 'hoease';
  readonly params: ModelParams;
  private total = 0;
  /** Kept item → catalogue index. */
  private kept: Int32Array = new Int32Array(0);
  /** Catalogue index → row of B, or −1. */
  private rowOf: Int32Array = new Int32Array(0);
  /** B over kept items, kept × kept, row-major. */
  private weights: Float32Array = new Float32Array(0);
  /** Pair p = (pairItems[2p], pairItems[2p + 1]) in kept indices, first < second. */
  private pairItems: Int32Array = new Int32Array(0);
  /** C: one row of kept-item weights per pair, pairs × kept. */
  private pairWeights: Float32Array = new Float32Array(0);
  /** Pairs by their first item: CSR over kept items, entries are pair ids. */
  private pairPtr: Int32Array = new Int32Array(1);
  private pairIds: Int32Array = new Int32Array(0);
  private leftOut = 0;
  /** Scratch of {@link score}: kept-index membership of the history, and the kept scores. */
  private mask: Uint8Array = new Uint8Array(0);
  private acc: Float32Array = new Float32Array(0);

  constructor(private readonly options: HigherEaseOptions) {
    this.params = { ...options };
  }

  get numItems(): number {
    return this.total;
  }

  async fit(train: CsrMatrix, context: FitContext = {}): Promise<FitReport> {
    const t0 = performance.now();
    const { lambda, pairLambda, iterations, maxItems } = this.options;
    const counts = columnCounts(train);
    const selected = selectKeptItems(counts, train.numCols, maxItems);
    this.total = train.numCols;
    this.leftOut = selected.eligible - selected.kept.length;
    this.kept = selected.kept;
    this.rowOf = selected.rowOf;
    const n = selected.kept.length;
    // The user × kept-item matrix, rows sorted.
    const bin = binarize(train);
    const { indptr: xPtr, indices: xIdx } = keptColumns(bin, this.rowOf);
    for (let u = 0; u < train.numRows; u++) xIdx.subarray(xPtr[u], xPtr[u + 1]).sort();
    context.onProgress?.('hoease gram', 0, 4);
    const p = sparseGram(xPtr, xIdx, null, train.numRows, n);
    this.selectPairs(p, n);
    const m = this.pairItems.length / 2;
    const z = this.pairIndicator(xPtr, xIdx, train.numRows, n);
    throwIfAborted(context.signal);
    // ZᵀX (pairs × n), then the inverses P and Q.
    const zx = new Float64Array(m * n);
    for (let u = 0; u < train.numRows; u++) {
      for (let a = z.indptr[u]; a < z.indptr[u + 1]; a++) {
        const row = z.indices[a] * n;
        for (let b = xPtr[u]; b < xPtr[u + 1]; b++) zx[row + xIdx[b]] += 1;
      }
    }
    for (let i = 0; i < n; i++) p[i * n + i] += lambda;
    context.onProgress?.('hoease inverse', 1, 4);
    spdInverse(p, n);
    const q = sparseGram(z.indptr, z.indices, null, train.numRows, m);
    for (let i = 0; i < m; i++) q[i * m + i] += pairLambda;
    if (m > 0) spdInverse(q, m);
    throwIfAborted(context.signal);
    context.onProgress?.('hoease products', 2, 4);
    // (P·XᵀZ)ᵀ = ZᵀX·P and Q·ZᵀX, both pairs × n, once.
    const zxp = new Float64Array(m * n);
    const qzx = new Float64Array(m * n);
    if (m > 0) {
      gemm(zx, p, zxp, m, n, n);
      gemm(q, zx, qzx, m, m, n);
    }
    const b = new Float64Array(n * n);
    const c = new Float64Array(m * n);
    this.bStep(p, zxp, c, b, n, m, false);
    const constrained = this.constrainedPairs(n);
    for (let it = 0; it < iterations && m > 0; it++) {
      throwIfAborted(context.signal);
      context.onProgress?.('hoease iterations', it, iterations);
      // C-step: V = Q·Zᵀ(X − XB) = QZX − QZX·B, then the constrained rows of each column zeroed exactly.
      gemm(qzx, b, c, m, n, n);
      for (let i = 0; i < m * n; i++) c[i] = qzx[i] - c[i];
      correctConstrained(c, q, m, n, constrained);
      this.bStep(p, zxp, c, b, n, m, true);
    }
    this.weights = Float32Array.from(b);
    this.pairWeights = Float32Array.from(c);
    context.onProgress?.('hoease iterations', iterations, iterations);
    return { seconds: (performance.now() - t0) / 1000, epochs: 1 + iterations, itemCap: { maxItems, kept: n, leftOut: this.leftOut } };
  }

  /**
   * B = (I − λP) − (P·XᵀZ)·C − P·diag(γ) with γⱼ making Bⱼⱼ = 0 (`withPairs` false: C = 0, plain
   * EASE). I − λP is formed on the fly rather than held, which saves an n × n array.
   */
  private bStep(p: Float64Array, zxp: Float64Array, c: Float64Array, b: Float64Array, n: number, m: number, withPairs: boolean): void {
    if (withPairs) gemm(zxp, c, b, n, m, n, { transA: true });
    else b.fill(0);
    const lambda = this.options.lambda;
    for (let i = 0; i < n; i++) {
      const row = i * n;
      for (let j = 0; j < n; j++) {
        let v = -lambda * p[row + j];
        if (i === j) v += 1;
        b[row + j] = v - b[row + j];
      }
    }
    const gamma = new Float64Array(n);
    for (let j = 0; j < n; j++) gamma[j] = b[j * n + j] / p[j * n + j];
    for (let i = 0; i < n; i++) {
      const row = i * n;
      for (let j = 0; j < n; j++) b[row + j] -= p[row + j] * gamma[j];
      b[row + i] = 0;
    }
  }

  /**
   * The `pairs` most co-occurring item pairs (co-occurrence from the Gram's upper triangle; ties to
   * the lower pair index), and their index by first item.
   */
  private selectPairs(gram: Float64Array, n: number): void {
    const wanted = Math.min(this.options.pairs, (n * (n - 1)) / 2);
    const co = new Float64Array((n * (n - 1)) / 2);
    for (let i = 0, at = 0; i < n; i++) for (let j = i + 1; j < n; j++) co[at++] = gram[i * n + j];
    // kthLargest reorders `co`; the pairs are read back from the Gram below.
    const threshold = wanted > 0 ? Math.max(kthLargest(co, wanted), 1) : Infinity;
    const items: number[] = [];
    // Strictly above the threshold first, then ties at it in index order, up to `wanted`.
    let above = 0;
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) if (gram[i * n + j] > threshold) above++;
    let ties = wanted - above;
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        const v = gram[i * n + j];
        if (v > threshold || (v === threshold && ties-- > 0)) items.push(i, j);
      }
    }
    this.pairItems = Int32Array.from(items);
    const m = items.length / 2;
    this.pairPtr = new Int32Array(n + 1);
    for (let k = 0; k < m; k++) this.pairPtr[items[2 * k] + 1]++;
    for (let i = 0; i < n; i++) this.pairPtr[i + 1] += this.pairPtr[i];
    this.pairIds = new Int32Array(m);
    const fill = this.pairPtr.slice(0, n);
    for (let k = 0; k < m; k++) this.pairIds[fill[items[2 * k]]++] = k;
  }

  /** Z: for every user the pairs whose two items it holds, as CSR (users × pairs, rows sorted). */
  private pairIndicator(xPtr: Int32Array, xIdx: Int32Array, users: number, n: number): { indptr: Int32Array; indices: Int32Array } {
    const mask = new Uint8Array(n);
    const indptr = new Int32Array(users + 1);
    const ids: number[] = [];
    for (let u = 0; u < users; u++) {
      const start = ids.length;
      this.pairsOf(xIdx.subarray(xPtr[u], xPtr[u + 1]), mask, (k) => ids.push(k));
      const row = ids.slice(start).sort((a, b) => a - b);
      for (let t = 0; t < row.length; t++) ids[start + t] = row[t];
      indptr[u + 1] = ids.length;
    }
    return { indptr, indices: Int32Array.from(ids) };
  }

  /** Calls `visit` with every pair both of whose items are in `history` (kept indices, distinct). */
  private pairsOf(history: ArrayLike<number>, mask: Uint8Array, visit: (pair: number) => void): void {
    for (let t = 0; t < history.length; t++) mask[history[t]] = 1;
    for (let t = 0; t < history.length; t++) {
      const r = history[t];
      for (let a = this.pairPtr[r]; a < this.pairPtr[r + 1]; a++) {
        const k = this.pairIds[a];
        if (mask[this.pairItems[2 * k + 1]] !== 0) visit(k);
      }
    }
    for (let t = 0; t < history.length; t++) mask[history[t]] = 0;
  }

  /** For every kept item j, the pairs that contain it (their C[p, j] is held at 0). */
  private constrainedPairs(n: number): Int32Array[] {
    const lists: number[][] = Array.from({ length: n }, () => []);
    const m = this.pairItems.length / 2;
    for (let k = 0; k < m; k++) {
      lists[this.pairItems[2 * k]].push(k);
      lists[this.pairItems[2 * k + 1]].push(k);
    }
    return lists.map((l) => Int32Array.from(l));
  }

  score(query: UserQuery, out: Float32Array): void {
    out.fill(0);
    const n = this.kept.length;
    if (n === 0) return;
    if (this.acc.length !== n) {
      this.acc = new Float32Array(n);
      this.mask = new Uint8Array(n);
    }
    const acc = this.acc;
    acc.fill(0);
    const history: number[] = [];
    for (const i of query.items) {
      const r = i >= 0 && i < this.rowOf.length ? this.rowOf[i] : -1;
      if (r >= 0) history.push(r);
    }
    const w = this.weights;
    for (const r of history) {
      const row = r * n;
      for (let j = 0; j < n; j++) acc[j] += w[row + j];
    }
    const c = this.pairWeights;
    this.pairsOf(history, this.mask, (k) => {
      const row = k * n;
      for (let j = 0; j < n; j++) acc[j] += c[row + j];
    });
    for (let j = 0; j < n; j++) out[this.kept[j]] = acc[j];
  }

  similarItems(itemIdx: number, out: Float32Array): void {
    out.fill(0);
    const r = itemIdx >= 0 && itemIdx < this.rowOf.length ? this.rowOf[itemIdx] : -1;
    if (r < 0) return;
    const n = this.kept.length;
    for (let j = 0; j < n; j++) out[this.kept[j]] = this.weights[r * n + j];
  }

  snapshot(): ModelSnapshot {
    return {
      kind: this.kind,
      params: this.params,
      meta: { numItems: this.total, leftOut: this.leftOut },
      arrays: { kept: this.kept, weights: this.weights, pairItems: this.pairItems, pairWeights: this.pairWeights },
    };
  }

  /** Restores from {@link HigherEaseModel.snapshot}. */
  static fromSnapshot(s: ModelSnapshot): HigherEaseModel {
    const m = new HigherEaseModel({ ...DEFAULTS, ...(s.params as Partial<HigherEaseOptions>) });
    m.total = Number(s.meta.numItems);
    m.leftOut = Number(s.meta.leftOut ?? 0);
    m.kept = s.arrays.kept as Int32Array;
    m.weights = s.arrays.weights as Float32Array;
    m.pairWeights = s.arrays.pairWeights as Float32Array;
    m.rowOf = new Int32Array(m.total).fill(-1);
    m.kept.forEach((i, r) => (m.rowOf[i] = r));
    const items = s.arrays.pairItems as Int32Array;
    m.pairItems = items;
    const n = m.kept.length;
    const pairs = items.length / 2;
    m.pairPtr = new Int32Array(n + 1);
    for (let k = 0; k < pairs; k++) m.pairPtr[items[2 * k] + 1]++;
    for (let i = 0; i < n; i++) m.pairPtr[i + 1] += m.pairPtr[i];
    m.pairIds = new Int32Array(pairs);
    const fill = m.pairPtr.slice(0, n);
    for (let k = 0; k < pairs; k++) m.pairIds[fill[items[2 * k]]++] = k;
    return m;
  }
}

/**
 * Holds C[S, j] = 0 for each column j (S = the pairs containing j) in the ridge solution V = Q·Zᵀ R:
 * the constrained minimiser is V[:, j] − Q[:, S]·Q[S, S]⁻¹·V[S, j].
 */
function correctConstrained(c: Float64Array, q: Float64Array, m: number, n: number, constrained: Int32Array[]): void {
  for (let j = 0; j < n; j++) {
    const s = constrained[j];
    const k = s.length;
    if (k === 0) continue;
    const sub = new Float64Array(k * k);
    const rhs = new Float64Array(k);
    for (let a = 0; a < k; a++) {
      rhs[a] = c[s[a] * n + j];
      for (let b = 0; b < k; b++) sub[a * k + b] = q[s[a] * m + s[b]];
    }
    solveSpdSmall(sub, k, rhs);
    for (let i = 0; i < m; i++) {
      const row = i * m;
      let d = 0;
      for (let a = 0; a < k; a++) d += q[row + s[a]] * rhs[a];
      c[i * n + j] -= d;
    }
    for (let a = 0; a < k; a++) c[s[a] * n + j] = 0;
  }
}
