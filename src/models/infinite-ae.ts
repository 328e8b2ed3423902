/**
 * ∞-AE (kind `infae`; Sachdeva, Dhaliwal, Wu, McAuley, "Infinite Recommendation Networks: A
 * Data-Centric Approach", NeurIPS 2022): an autoencoder with one infinitely wide ReLU hidden layer,
 * trained to convergence by gradient descent on the squared error, is kernel ridge regression with
 * its neural tangent kernel (NTK), which has a closed form. Over the binary histories X of a support
 * set of users:
 *
 *   K = NTK(X, X),  α = (K + λ·(trace K / U)·I)⁻¹ X,  scores(h) = NTK(h, X) · α.
 *
 * The NTK of Dense(W_std = √2, b_std = 0.1) → ReLU → Dense, NTK parameterisation (the paper's
 * network, depth 1), depends on two users only through their overlap and history lengths:
 * Σ(a, b) = 2·|a ∩ b| / n + 0.01 (n items); with c = Σ(a, b) / √(Σ(a, a)·Σ(b, b)) and θ = arccos c,
 * the ReLU layer gives E[relu·relu] = √(Σ(a, a)·Σ(b, b)) / 2π · (sin θ + (π − θ)·c) and
 * E[relu′·relu′] = (π − θ) / 2π, and the output layer
 * NTK(a, b) = 2·E[relu·relu] + 0.01 + 2·Σ(a, b)·(π − θ) / 2π.
 *
 * A history scores against the support users it overlaps and the ones it does not (their kernel
 * is not 0), so new users and live histories need no refit; a query costs O(U·n). The support set
 * is every training user up to `maxUsers`, else a seeded random sample of them (as the paper does
 * for Netflix): the fit is O(U³) and holds U² + U·n numbers. A fit whose α would exceed `maxEntries`
 * numbers is refused, naming the sizes: this is a model for catalogues of thousands of items.
 * @module
 */
import { EMPTY_CSR, binarize, transposeCsr } from '../core/csr-matrix.js';
import type { CsrMatrix } from '../core/csr-matrix.js';
import { ValidationError, throwIfAborted } from '../core/errors.js';
import { createRng, shuffleInPlace, spdInverse } from '../linalg/index.js';
import type { FitContext, FitReport, ModelParams, Recommender, UserQuery } from './recommender.js';
import type { ModelSnapshot } from './snapshot.js';

/** Hyper-parameters of {@link InfiniteAeModel}. */
export interface InfiniteAeOptions {
  /** Ridge λ, relative to the mean of the kernel's diagonal. */
  lambda: number;
  /** Most training users in the support set (a seeded sample beyond it). */
  maxUsers: number;
  /** Most entries of α (support users × items) a fit may hold. */
  maxEntries: number;
  /** Seed of the support-set sample. */
  seed: number;
}

const DEFAULTS: InfiniteAeOptions = { lambda: 5, maxUsers: 5000, maxEntries: 100_000_000, seed: 42 };

/** Creates an ∞-AE recommender. */
export function createInfiniteAe(options: Partial<InfiniteAeOptions> = {}): InfiniteAeModel {
  return new InfiniteAeModel({ ...DEFAULTS, ...options });
}

const INV_2PI = 1 / (2 * Math.PI);

/**
 * The depth-1 ReLU autoencoder's NTK of two binary histories from their overlap, their lengths and
 * the number of items (see the module description).
 */
export function reluNtk(overlap: number, lengthA: number, lengthB: number, numItems: number): number {
  const scale = 2 / numItems;
  const sab = scale * overlap + 0.01;
  const saa = scale * lengthA + 0.01;
  const sbb = scale * lengthB + 0.01;
  const norm = Math.sqrt(saa * sbb);
  const c = Math.min(1, Math.max(-1, sab / norm));
  const theta = Math.acos(c);
  const relu = norm * INV_2PI * (Math.sin(theta) + (Math.PI - theta) * c);
  return 2 * relu + 0.01 + 2 * sab * (Math.PI - theta) * INV_2PI;
}

/** ∞-AE over binary interactions. */
export class InfiniteAeModel implements Recommender {
  readonly kind = 'infae';
  readonly params: ModelParams;
  /** Support users' histories (binary CSR) and its transpose for overlaps. */
  private support: CsrMatrix = EMPTY_CSR;
  private itemUsers: CsrMatrix = EMPTY_CSR;
  /** α, support users × items, row-major. */
  private alpha: Float32Array = new Float32Array(0);
  private items = 0;
  private overlap = new Int32Array(0);
  private kernelRow = new Float32Array(0);

  constructor(private readonly options: InfiniteAeOptions) {
    this.params = { ...options };
  }

  get numItems(): number {
    return this.items;
  }

  async fit(train: CsrMatrix, context: FitContext = {}): Promise<FitReport> {
    const t0 = performance.now();
    const o = this.options;
    const bin = binarize(train);
    let users = Int32Array.from({ length: bin.numRows }, (_, u) => u).filter((u) => bin.indptr[u + 1] > bin.indptr[u]);
    if (users.length > o.maxUsers) {
      const all = users.length;
      users = shuffleInPlace(users, createRng(o.seed)).slice(0, o.maxUsers).sort();
      context.logger?.log('info', 'infae support set sampled', { users: o.maxUsers, of: all });
    }
    const U = users.length;
    const n = bin.numCols;
    if (U * n > o.maxEntries) {
      throw new ValidationError(`infae: ${U} support users × ${n} items = ${U * n} entries of α exceeds maxEntries ${o.maxEntries}; lower maxUsers or raise maxEntries`, {
        details: { users: U, items: n, maxEntries: o.maxEntries },
      });
    }
    this.setSupport(supportRows(bin, users), n);
    const lengths = this.lengths();
    // K over the support set, from the overlaps of each user with every other.
    const K = new Float64Array(U * U);
    for (let a = 0; a < U; a++) {
      this.overlapsOf(this.support.indices.subarray(this.support.indptr[a], this.support.indptr[a + 1]));
      for (let b = 0; b < U; b++) K[a * U + b] = reluNtk(this.overlap[b], lengths[a], lengths[b], n);
      if ((a & 255) === 255) {
        throwIfAborted(context.signal);
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    }
    let trace = 0;
    for (let a = 0; a < U; a++) trace += K[a * U + a];
    const ridge = (o.lambda * trace) / Math.max(U, 1);
    for (let a = 0; a < U; a++) K[a * U + a] += ridge;
    context.onProgress?.('infae inverse', 0, 1);
    spdInverse(K, U, (done, total) => context.onProgress?.('infae inverse', done, total));
    throwIfAborted(context.signal);
    // α = K⁻¹ X: row a is the sum, over support users b, of K⁻¹[a, b] times b's history.
    const alpha = new Float32Array(U * n);
    const { indptr, indices } = this.support;
    for (let a = 0; a < U; a++) {
      const row = a * n;
      for (let b = 0; b < U; b++) {
        const w = K[a * U + b];
        for (let p = indptr[b]; p < indptr[b + 1]; p++) alpha[row + indices[p]] += w;
      }
    }
    this.alpha = alpha;
    return { seconds: (performance.now() - t0) / 1000, epochs: 1 };
  }

  score(query: UserQuery, out: Float32Array): void {
    const n = this.items;
    out.fill(0, 0, n);
    const U = this.support.numRows;
    const history = distinctItems(query.items, n);
    if (U === 0 || history.length === 0) return;
    this.overlapsOf(history);
    const lengths = this.lengths();
    const k = this.kernelRow;
    for (let b = 0; b < U; b++) k[b] = reluNtk(this.overlap[b], history.length, lengths[b], n);
    const alpha = this.alpha;
    for (let b = 0; b < U; b++) {
      const w = k[b];
      const row = b * n;
      for (let j = 0; j < n; j++) out[j] += w * alpha[row + j];
    }
  }

  /** The scores of a history holding only `itemIdx`: what the model recommends beside it. */
  similarItems(itemIdx: number, out: Float32Array): void {
    this.score({ userIdx: -1, items: Int32Array.of(itemIdx), values: Float32Array.of(1) }, out);
    out[itemIdx] = 0;
  }

  snapshot(): ModelSnapshot {
    return {
      kind: this.kind,
      params: this.params,
      meta: { numItems: this.items, supportUsers: this.support.numRows },
      arrays: { supportIndptr: this.support.indptr, supportIndices: this.support.indices, alpha: this.alpha },
    };
  }

  /** Restores from {@link InfiniteAeModel.snapshot}. */
  static fromSnapshot(s: ModelSnapshot): InfiniteAeModel {
    const m = createInfiniteAe(s.params);
    const n = Number(s.meta.numItems);
    const indptr = s.arrays.supportIndptr as Int32Array;
    const indices = s.arrays.supportIndices as Int32Array;
    const alpha = s.arrays.alpha as Float32Array;
    const U = indptr.length - 1;
    if (alpha.length !== U * n || indptr[U] !== indices.length) throw new ValidationError('infae snapshot does not match its sizes', { details: { users: U, items: n, alpha: alpha.length } });
    m.setSupport({ numRows: U, numCols: n, indptr, indices, values: new Float32Array(indices.length).fill(1) }, n);
    m.alpha = alpha;
    return m;
  }

  private setSupport(support: CsrMatrix, numItems: number): void {
    this.support = support;
    this.itemUsers = transposeCsr(support);
    this.items = numItems;
    this.overlap = new Int32Array(support.numRows);
    this.kernelRow = new Float32Array(support.numRows);
  }

  private lengths(): Int32Array {
    const { indptr, numRows } = this.support;
    const out = new Int32Array(numRows);
    for (let u = 0; u < numRows; u++) out[u] = indptr[u + 1] - indptr[u];
    return out;
  }

  /** Fills `overlap[b]` with |history ∩ items(b)| for every support user b (history distinct). */
  private overlapsOf(history: Int32Array): void {
    const overlap = this.overlap;
    overlap.fill(0);
    const { indptr, indices } = this.itemUsers;
    for (let h = 0; h < history.length; h++) {
      const j = history[h];
      for (let p = indptr[j]; p < indptr[j + 1]; p++) overlap[indices[p]]++;
    }
  }
}

/** The rows `users` of `bin`, as a CSR matrix of their own. */
function supportRows(bin: CsrMatrix, users: Int32Array): CsrMatrix {
  const indptr = new Int32Array(users.length + 1);
  for (let a = 0; a < users.length; a++) indptr[a + 1] = indptr[a] + bin.indptr[users[a] + 1] - bin.indptr[users[a]];
  const indices = new Int32Array(indptr[users.length]);
  for (let a = 0; a < users.length; a++) indices.set(bin.indices.subarray(bin.indptr[users[a]], bin.indptr[users[a] + 1]), indptr[a]);
  return { numRows: users.length, numCols: bin.numCols, indptr, indices, values: new Float32Array(indices.length).fill(1) };
}

/** The distinct in-range items of a history. */
function distinctItems(items: Int32Array, numItems: number): Int32Array {
  const seen = new Set<number>();
  for (const j of items) if (j >= 0 && j < numItems) seen.add(j);
  return Int32Array.from(seen);
}
