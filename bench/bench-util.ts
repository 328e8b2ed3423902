/**
 * Shared helpers for the benchmarks: timing, result rows, plain-text and Markdown tables, a forced
 * garbage collection for memory readings, and synthetic inputs shaped like real recommender data.
 * @module
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createRng, type Rng } from '../src/linalg/index.js';

/** One benchmark result: an optimised kernel against its naive reference, timed in the same run. */
export interface Row {
  /** Kernel name, e.g. `gemm`. */
  kernel: string;
  /** Problem size in words, e.g. `512×512×512`. */
  size: string;
  /** Median wall time of the optimised kernel, in milliseconds. */
  optimisedMs: number;
  /** Median wall time of the naive reference, or null when it was not run. */
  naiveMs: number | null;
  /** naiveMs / optimisedMs, or null when the reference was not run. */
  speedUp: number | null;
  /** Throughput of the optimised kernel in GFLOP/s, where a flop count is meaningful. */
  optimisedGflops: number | null;
  /** Throughput of the naive reference in GFLOP/s (same nominal flop count). */
  naiveGflops: number | null;
  /** Agreement check between the two results, or why the reference was skipped. */
  note: string;
}

/** Options of {@link timeMs}. */
export interface TimeOptions<T> {
  /** Builds a fresh input before every run, outside the timed region (for in-place kernels). */
  setup?: () => T;
  /** Untimed runs first, to let the JIT optimise (default 1). */
  warmup?: number;
  /** Timed runs; the median is reported (default 3). */
  repeats?: number;
}

let sinkValue = 0;

/** Feeds a result to a global sink so the JIT cannot drop the computation that produced it. */
export function consume(value: number): void {
  sinkValue += value;
}

/** The accumulated sink (read it once at the end so it stays live). */
export function sink(): number {
  return sinkValue;
}

/** Median wall time in milliseconds of `run(setup())` over `repeats` runs after `warmup` runs. */
export function timeMs<T>(run: (input: T) => void, options: TimeOptions<T> = {}): number {
  const setup = options.setup ?? ((): T => undefined as T);
  for (let w = 0; w < (options.warmup ?? 1); w++) run(setup());
  const times: number[] = [];
  for (let r = 0; r < (options.repeats ?? 3); r++) {
    const input = setup();
    const start = performance.now();
    run(input);
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

/** How {@link renderTable} lays a table out. */
export type TableStyle = 'text' | 'markdown';

/**
 * Renders a table: `text` pads columns (numbers right-aligned) under a rule of dashes; `markdown`
 * writes a GitHub pipe table with the numeric columns right-aligned.
 */
export function renderTable(header: readonly string[], numeric: readonly boolean[], body: readonly string[][], style: TableStyle = 'text'): string {
  if (style === 'markdown') {
    const cell = (s: string): string => s.replace(/\|/g, '\\|');
    const line = (cells: readonly string[]): string => `| ${cells.map(cell).join(' | ')} |`;
    const rule = `|${header.map((_, c) => (numeric[c] ? ' ---: ' : ' --- ')).join('|')}|`;
    return [line(header), rule, ...body.map(line)].join('\n');
  }
  const all = [header, ...body];
  const widths = header.map((_, c) => Math.max(...all.map((line) => line[c].length)));
  const render = (line: readonly string[]): string =>
    line
      .map((cell, c) => (numeric[c] ? cell.padStart(widths[c]) : cell.padEnd(widths[c])))
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [render(header), rule, ...body.map(render)].join('\n');
}

/** Milliseconds with precision that shrinks as they grow: `0.012`, `3.4`, `250`. */
export function fmtMs(ms: number): string {
  return ms >= 100 ? ms.toFixed(0) : ms >= 1 ? ms.toFixed(1) : ms.toFixed(3);
}

/** Renders kernel rows as a table with padded columns (or as Markdown). */
export function formatTable(rows: readonly Row[], style: TableStyle = 'text'): string {
  const header = ['kernel', 'size', 'optimised ms', 'naive ms', 'speed-up', 'GFLOP/s opt', 'GFLOP/s naive', 'note'];
  const fmtNum = (v: number | null, digits: number, suffix = ''): string => (v === null ? '—' : `${v.toFixed(digits)}${suffix}`);
  const body = rows.map((r) => [
    r.kernel,
    r.size,
    fmtMs(r.optimisedMs),
    r.naiveMs === null ? '—' : fmtMs(r.naiveMs),
    fmtNum(r.speedUp, 1, '×'),
    fmtNum(r.optimisedGflops, 2),
    fmtNum(r.naiveGflops, 2),
    r.note,
  ]);
  return renderTable(header, [false, false, true, true, true, true, true, false], body, style);
}

/** A way to force a full garbage collection, and how it was obtained. */
export interface GcHandle {
  /** Runs a full collection, or null when none could be obtained. */
  run: (() => void) | null;
  /** `global.gc (--expose-gc)`, `v8.setFlagsFromString('--expose-gc')`, or why there is none. */
  how: string;
}

let gcHandle: GcHandle | undefined;

/**
 * `global.gc` when Node runs with `--expose-gc`; otherwise the flag is turned on at run time and
 * `gc` is fetched from a fresh V8 context. Memory deltas are only meaningful with a collection
 * before each reading, so callers should print {@link GcHandle.how}.
 */
export function gcHandleOf(): GcHandle {
  if (gcHandle) return gcHandle;
  const exposed = (globalThis as { gc?: unknown }).gc;
  if (typeof exposed === 'function') {
    gcHandle = { run: () => void (exposed as () => unknown)(), how: 'global.gc (--expose-gc)' };
    return gcHandle;
  }
  try {
    setFlagsFromString('--expose-gc');
    const fn: unknown = runInNewContext('gc');
    if (typeof fn === 'function') {
      gcHandle = { run: () => void (fn as () => unknown)(), how: "global.gc not exposed; gc via v8.setFlagsFromString('--expose-gc')" };
      return gcHandle;
    }
  } catch {
    // fall through: no collection available
  }
  gcHandle = { run: null, how: 'no gc available (run node with --expose-gc): memory deltas include garbage' };
  return gcHandle;
}

/** Largest |a[i] − b[i]| (Infinity when lengths differ). */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= worst)) worst = d;
  }
  return worst;
}

/** A CSR matrix with sorted, unique column indices per row. */
export interface SyntheticCsr {
  indptr: Int32Array;
  indices: Int32Array;
  numRows: number;
  numCols: number;
}

/**
 * An implicit-feedback matrix shaped like MovieLens-1M: log-normal row lengths (a few heavy
 * users), Zipf-like column popularity (a few blockbuster items), about `targetNnz` nonzeros.
 */
export function syntheticCsr(seed: number, numRows: number, numCols: number, targetNnz: number): SyntheticCsr {
  const rng: Rng = createRng(seed);
  const cdf = new Float64Array(numCols);
  let total = 0;
  for (let j = 0; j < numCols; j++) total += (cdf[j] = 1 / Math.pow(j + 10, 0.9));
  let acc = 0;
  for (let j = 0; j < numCols; j++) cdf[j] = (acc += cdf[j] / total);

  const weights = new Float64Array(numRows);
  let weightSum = 0;
  for (let i = 0; i < numRows; i++) weightSum += (weights[i] = Math.exp(rng.normal()));
  const maxLen = Math.floor(numCols / 2); // keeps rejection sampling of unique columns cheap
  const indptr = new Int32Array(numRows + 1);
  const chunks: Int32Array[] = [];
  const seen = new Uint8Array(numCols);
  for (let i = 0; i < numRows; i++) {
    const len = Math.min(maxLen, Math.max(1, Math.round((weights[i] / weightSum) * targetNnz)));
    const row = new Int32Array(len);
    let filled = 0;
    while (filled < len) {
      const u = rng.next();
      let lo = 0;
      let hi = numCols - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (cdf[mid] < u) lo = mid + 1;
        else hi = mid;
      }
      if (seen[lo] === 0) {
        seen[lo] = 1;
        row[filled++] = lo;
      }
    }
    row.sort();
    for (let p = 0; p < len; p++) seen[row[p]] = 0;
    chunks.push(row);
    indptr[i + 1] = indptr[i] + len;
  }
  const indices = new Int32Array(indptr[numRows]);
  chunks.forEach((row, i) => indices.set(row, indptr[i]));
  return { indptr, indices, numRows, numCols };
}

/**
 * Runs `work`, timing it and the longest pause of the event loop meanwhile (a 1 ms timer: the
 * longest stretch between two of its ticks, or from the last tick to the end).
 */
export async function withLongestPause<T>(work: () => Promise<T>): Promise<{ value: T; ms: number; pauseMs: number }> {
  let last = performance.now();
  let pause = 0;
  const timer = setInterval(() => {
    const t = performance.now();
    pause = Math.max(pause, t - last);
    last = t;
  }, 1);
  const started = performance.now();
  try {
    const value = await work();
    return { value, ms: performance.now() - started, pauseMs: Math.max(pause, performance.now() - last) };
  } finally {
    clearInterval(timer);
  }
}
