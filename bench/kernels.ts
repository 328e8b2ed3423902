/**
 * Kernel benchmark: each optimised linalg kernel against its naive reference on recommender-sized
 * inputs, in one run, with an agreement check. Run with `npx tsx bench/kernels.ts` (add `--quick`
 * for small sizes); a bench runner can call {@link runKernelBench}.
 * @module
 */
import { pathToFileURL } from 'node:url';
import {
  createRng,
  dot,
  gemm,
  gramianT,
  naiveDot,
  naiveGemm,
  naiveInverse,
  naiveSparseGram,
  naiveTopK,
  solveSpdSmall,
  sparseGram,
  spdInverse,
  topK,
} from '../src/linalg/index.js';
import { consume, formatTable, maxAbsDiff, sink, syntheticCsr, timeMs, type Row } from './bench-util.js';

export type { Row } from './bench-util.js';

/** Options of {@link runKernelBench}. */
export interface KernelBenchOptions {
  /** Small sizes for a smoke run (seconds instead of about a minute). Default false. */
  quick?: boolean;
  /** Called with each row as soon as it is measured (progress reporting). */
  onRow?: (row: Row) => void;
}

/** What the GFLOP/s columns of the kernel table count. */
export const KERNEL_TABLE_NOTE = 'GFLOP/s: gemm counts 2·m·n·k flops; spdInverse counts n³ for both columns (potrf + potri convention).';

/** EASE-style ridge added to the Gram diagonal: the SPD matrices inverted are XᵀX + λI. */
const LAMBDA = 250;

/**
 * Times every kernel against its naive reference and returns one row per comparison:
 * dot, gemm, gramianT, sparseGram, spdInverse, solveSpdSmall and topK.
 */
export async function runKernelBench(options: KernelBenchOptions = {}): Promise<Row[]> {
  const quick = options.quick ?? false;
  const rows: Row[] = [];
  const emit = (row: Row): void => {
    rows.push(row);
    options.onRow?.(row);
  };
  const rng = createRng(2024);
  const fmtDiff = (d: number): string => `max |Δ| ${d.toExponential(1)}`;

  // dot: the scoring inner loop, 64-dim factors read straight out of factor matrices.
  {
    const dim = 64;
    const calls = quick ? 100_000 : 1_000_000;
    const numRows = 1024;
    const u = Float32Array.from({ length: numRows * dim }, () => rng.normal());
    const v = Float32Array.from({ length: numRows * dim }, () => rng.normal());
    let optSum = 0;
    let naiveSum = 0;
    const opt = timeMs(() => {
      let s = 0;
      for (let c = 0; c < calls; c++) s += dot(u, (c & 1023) * dim, v, ((c * 7) & 1023) * dim, dim);
      optSum = s;
      consume(s);
    });
    const naive = timeMs(() => {
      let s = 0;
      for (let c = 0; c < calls; c++) s += naiveDot(u, (c & 1023) * dim, v, ((c * 7) & 1023) * dim, dim);
      naiveSum = s;
      consume(s);
    });
    emit(makeRow('dot', `n=${dim} ×${calls.toExponential(0)} calls`, opt, naive, null, fmtDiff(Math.abs(optSum - naiveSum))));
  }

  // gemm: square dense product.
  {
    const n = quick ? 256 : 512;
    const a = Float64Array.from({ length: n * n }, () => rng.normal());
    const b = Float64Array.from({ length: n * n }, () => rng.normal());
    const c1 = new Float64Array(n * n);
    const c2 = new Float64Array(n * n);
    const opt = timeMs(() => gemm(a, b, c1, n, n, n), { repeats: 5 });
    const naive = timeMs(() => naiveGemm(a, b, c2, n, n, n), { warmup: 1, repeats: 2 });
    emit(makeRow('gemm', `${n}×${n}×${n}`, opt, naive, 2 * n ** 3, fmtDiff(maxAbsDiff(c1, c2))));
  }

  // gramianT: ALS YᵀY for the item factors.
  {
    const items = quick ? 1000 : 3700;
    const dim = 64;
    const f = Float32Array.from({ length: items * dim }, () => rng.normal());
    let got: Float64Array = new Float64Array(0);
    const ref = new Float64Array(dim * dim);
    const opt = timeMs(() => (got = gramianT(f, items, dim)), { repeats: 7 });
    const naive = timeMs(() => naiveGemm(f, f, ref, dim, items, dim, { transA: true }), { repeats: 3 });
    emit(makeRow('gramianT', `${items}×${dim} → ${dim}×${dim}`, opt, naive, 2 * items * dim * dim, fmtDiff(maxAbsDiff(got, ref))));
  }

  // sparseGram: the EASE / item-kNN co-occurrence matrix of a MovieLens-1M-shaped matrix.
  const csr = quick ? syntheticCsr(7, 1500, 900, 60_000) : syntheticCsr(7, 6000, 3700, 1_000_000);
  let gram: Float64Array = new Float64Array(0);
  {
    const { indptr, indices, numRows, numCols } = csr;
    let ref: Float64Array = new Float64Array(0);
    const opt = timeMs(() => (gram = sparseGram(indptr, indices, null, numRows, numCols)), { repeats: 3 });
    const naive = timeMs(() => (ref = naiveSparseGram(indptr, indices, null, numRows, numCols)), { warmup: 0, repeats: 1 });
    const nnz = indices.length;
    const size = `${numRows}×${numCols}, ${(nnz / 1e6).toFixed(2)}M nnz`;
    emit(makeRow('sparseGram', size, opt, naive, null, fmtDiff(maxAbsDiff(gram, ref))));
    ref = new Float64Array(0);
  }

  // spdInverse: EASE's (XᵀX + λI)⁻¹, on a leading block and on the full item set.
  {
    const full = csr.numCols;
    const sizes = quick ? [300, full] : [1000, full];
    let naiveRef: { n: number; ms: number } | null = null;
    for (const n of sizes) {
      const g = new Float64Array(n * n);
      for (let i = 0; i < n; i++) g.set(gram.subarray(i * full, i * full + n), i * n);
      for (let i = 0; i < n; i++) g[i * n + i] += LAMBDA;
      const runNaive = n <= 1000;
      let inv: Float64Array = new Float64Array(0);
      const opt = timeMs(
        (work: Float64Array) => {
          spdInverse(work, n);
          inv = work;
        },
        { setup: () => g.slice(), warmup: runNaive ? 1 : 0, repeats: runNaive ? 3 : 1 },
      );
      if (runNaive) {
        let ref: Float64Array = new Float64Array(0);
        const naive = timeMs(() => (ref = naiveInverse(g, n)), { warmup: 0, repeats: 1 });
        naiveRef = { n, ms: naive };
        emit(makeRow('spdInverse', `n=${n}`, opt, naive, n ** 3, fmtDiff(maxAbsDiff(inv, ref))));
      } else {
        const residual = inverseResidualSample(g, inv, n, 64);
        const estimate =
          naiveRef === null ? '' : `, est. ${((naiveRef.ms * (n / naiveRef.n) ** 3) / 1000).toFixed(0)} s from n=${naiveRef.n} × (n/${naiveRef.n})³`;
        const check = `|A·A⁻¹ − I| ${residual.toExponential(1)} on 64 rows`;
        emit(makeRow('spdInverse', `n=${n}`, opt, null, n ** 3, `naive not run: too slow${estimate}; ${check}`));
      }
    }
  }

  // solveSpdSmall: the per-user ALS solve, 64×64, against inverting then multiplying.
  {
    const dim = 64;
    const solves = quick ? 200 : 2000;
    const base = gramianT(Float32Array.from({ length: 500 * dim }, () => rng.normal()), 500, dim);
    for (let i = 0; i < dim; i++) base[i * dim + i] += 1;
    const rhs = Float64Array.from({ length: dim }, () => rng.normal());
    const work = new Float64Array(dim * dim);
    const x = new Float64Array(dim);
    const xRef = new Float64Array(dim);
    const opt = timeMs(() => {
      for (let s = 0; s < solves; s++) {
        x.set(rhs);
        solveSpdSmall(base, dim, x, work);
      }
      consume(x[0]);
    });
    const naive = timeMs(() => {
      for (let s = 0; s < solves; s++) naiveGemm(naiveInverse(base, dim), rhs, xRef, dim, dim, 1);
      consume(xRef[0]);
    });
    emit(makeRow('solveSpdSmall', `${dim}×${dim} ×${solves} solves`, opt, naive, null, `${fmtDiff(maxAbsDiff(x, xRef))}; naive = inverse·b`));
  }

  // topK: top-10 of an item score vector with the user's seen items masked out.
  for (const n of quick ? [10_000, 100_000] : [10_000, 1_000_000]) {
    const k = 10;
    const scores = Float32Array.from({ length: n }, () => rng.normal());
    const mask = Uint8Array.from({ length: n }, () => (rng.next() < 0.05 ? 1 : 0));
    const reps = Math.max(1, Math.round(1e6 / n));
    let got: number[] = [];
    let ref: number[] = [];
    const opt = timeMs(() => {
      for (let r = 0; r < reps; r++) got = Array.from(topK(scores, k, mask).indices);
    });
    const naive = timeMs(() => {
      for (let r = 0; r < reps; r++) ref = Array.from(naiveTopK(scores, k, mask).indices);
    });
    const same = got.length === ref.length && got.every((v, i) => v === ref[i]);
    const size = `${n >= 1e6 ? `${n / 1e6}M` : `${n / 1e3}k`} scores, k=${k}`;
    emit(makeRow('topK', reps > 1 ? `${size} ×${reps}` : size, opt, naive, null, same ? 'same indices; naive = full sort' : 'MISMATCH'));
  }

  consume(sink());
  return rows;
}

function makeRow(kernel: string, size: string, optimisedMs: number, naiveMs: number | null, flops: number | null, note: string): Row {
  const gflops = (ms: number | null): number | null => (flops === null || ms === null ? null : flops / (ms * 1e6));
  return {
    kernel,
    size,
    optimisedMs,
    naiveMs,
    speedUp: naiveMs === null ? null : naiveMs / optimisedMs,
    optimisedGflops: gflops(optimisedMs),
    naiveGflops: gflops(naiveMs),
    note,
  };
}

/** max |(A·A⁻¹ − I)[i][j]| over `sampleRows` evenly spaced rows i (a full check is another n³). */
function inverseResidualSample(a: Float64Array, inv: Float64Array, n: number, sampleRows: number): number {
  let worst = 0;
  const step = Math.max(1, Math.floor(n / sampleRows));
  for (let i = 0; i < n; i += step) {
    const row = new Float64Array(n);
    gemm(a.subarray(i * n, (i + 1) * n), inv, row, 1, n, n);
    row[i] -= 1;
    for (let j = 0; j < n; j++) worst = Math.max(worst, Math.abs(row[j]));
  }
  return worst;
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  console.log(`linalg kernel benchmark (${quick ? 'quick' : 'full'} sizes), Node ${process.version}`);
  const rows = await runKernelBench({
    quick,
    onRow: (row) => console.error(`  done: ${row.kernel} ${row.size}`),
  });
  console.log(formatTable(rows));
  console.log(KERNEL_TABLE_NOTE);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}
