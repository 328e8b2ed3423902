/**
 * The semantic model's retrieval index: every item's vector in a nested principal basis
 * (`rank` directions, the leading `listRank` first), scalar-quantised to one signed byte per
 * direction, and — in a large catalogue — filed in IVF lists built on the leading directions
 * (`ivf-index.ts`). The codes are kept in bands of directions (0–63, 64–127, 128–255 by default),
 * each band's rows side by side in list order, so that a stage reads only the bytes it needs. A
 * search runs stages over fewer items and more directions:
 *
 * 1. the nearest lists' items (every item without lists), scored on the first band; the best
 *    `candidates` go on;
 * 2. those candidates, completed band by band: after each middle band the best `middle` go on,
 *    after the last band the best `shortlist`;
 * 3. the shortlist, scored exactly on the float item vectors.
 *
 * In a catalogue of many similar items the leading directions alone rank poorly (they miss the
 * directions of rarer topics), so a one-stage index had to rescore exactly many thousands of
 * candidates; the codes complete the ranking at a quarter of float32's memory, and exact scoring
 * is left to a short list. The codes of n items take n·rank bytes: at 256 directions as much as
 * the 64 float32 directions the lists held before.
 * @module
 */
import { throwIfAborted } from '../core/errors.js';
import { addDotsInt8AtRows, createRng, dot, dotRows, dotRowsInt8, gemm, gramianT, quantiseRowsInt8, selectTop, topK } from '../linalg/index.js';
import { buildIvfIndex, listsToScan } from './ivf-index.js';
import { principalSubspaceOfGram, projectOnBasis } from './principal-subspace.js';

/** A built index; plain typed arrays, so a model snapshot stores them as they are. */
export interface SemanticIndex {
  /** Dimensions of the item vectors. */
  dim: number;
  /** Directions of the codes. */
  rank: number;
  /** Leading directions the list centroids live in. */
  listRank: number;
  /** `dim × rank`, row-major, orthonormal columns: the leading principal directions first. */
  basis: Float32Array;
  /** Per direction: code × scale ≈ the item's coordinate. */
  scales: Float32Array;
  /** Directions where each band of codes starts, and `rank` last (band b spans `bandEdges[b]` to `bandEdges[b + 1]`). */
  bandEdges: Int32Array;
  /** Per band, `n × width` codes in position order (list by list). */
  bands: Int8Array[];
  /** Number of lists (1 without IVF lists). */
  lists: number;
  /** `lists × listRank`. */
  centroids: Float32Array;
  /** List `l` holds positions `offsets[l]` to `offsets[l + 1]`. */
  offsets: Int32Array;
  /** Item index at each position. */
  items: Int32Array;
}

/** Options of {@link buildSemanticIndex}. */
export interface SemanticIndexBuildOptions {
  /** Directions of the codes (at most the vectors' dimensions). */
  rank: number;
  /** Leading directions the IVF lists are built on and the first pass reads. */
  listRank: number;
  /** File the items in IVF lists (else one list holds every item, in item order). */
  lists: boolean;
  /** Rows the principal directions are estimated from (default {@link GRAM_SAMPLE_ROWS}). */
  gramSampleRows?: number;
  seed?: number;
  signal?: AbortSignal;
}

/** Options of {@link searchSemanticIndex}. */
export interface SemanticSearchOptions {
  /** First-pass candidates completed to every direction. */
  candidates: number;
  /** Candidates kept after each middle band of the second stage. */
  middle: number;
  /** Candidates of the second stage scored exactly. */
  shortlist: number;
  /** Lists scanned at least. */
  probes: number;
  /** Lists are scanned until at least this many items were scored. */
  minScanned: number;
  /** 1 = leave the item out (a mask over item indices). */
  exclude?: Uint8Array;
}

/**
 * A code spans this many root-mean-square coordinates on either side of zero (rarer values are
 * clamped): a step of 1/21 of the coordinate's spread, far below the differences the second stage
 * ranks by, and no clamping on the topic-mixture catalogues of `bench/scale.ts`.
 */
const CODE_SPAN_RMS = 6;
/** Items projected per block while building (bounds the scratch memory). */
const PROJECT_BLOCK = 4_096;
/**
 * Items the principal directions are estimated from: a seeded sample beyond this many (512 per
 * direction of a 256-direction basis), so the Gramian of a 1,000,000-item catalogue costs an
 * eighth of the full one.
 */
export const GRAM_SAMPLE_ROWS = 131_072;

/** Builds the index over unit item vectors (`n × dim`, row-major); deterministic for a seed. */
export function buildSemanticIndex(vectors: Float32Array, n: number, dim: number, options: SemanticIndexBuildOptions): SemanticIndex {
  const rank = Math.min(options.rank, dim);
  const listRank = Math.min(options.listRank, rank);
  const { gram, rows: gramRows } = sampledGramian(vectors, n, dim, options.gramSampleRows ?? GRAM_SAMPLE_ROWS, options.seed ?? 1);
  throwIfAborted(options.signal);
  const leading = principalSubspaceOfGram(gram, dim, listRank);
  const following = rank > listRank ? principalSubspaceOfGram(gram, dim, rank - listRank, 12, 2, { basis: leading, rank: listRank }) : new Float64Array(0);
  const basis64 = new Float64Array(dim * rank);
  for (let d = 0; d < dim; d++) {
    for (let c = 0; c < listRank; c++) basis64[d * rank + c] = leading[d * listRank + c];
    for (let c = listRank; c < rank; c++) basis64[d * rank + c] = following[d * (rank - listRank) + c - listRank];
  }
  // The spread of each coordinate from the Gramian: qᵀ(VᵀV)q / n is its mean square.
  const scales = new Float32Array(rank);
  const gq = new Float64Array(dim);
  for (let c = 0; c < rank; c++) {
    gq.fill(0);
    for (let i = 0; i < dim; i++) {
      const qi = basis64[i * rank + c];
      if (qi === 0) continue;
      for (let j = 0; j < dim; j++) gq[j] += gram[i * dim + j] * qi;
    }
    let ms = 0;
    for (let j = 0; j < dim; j++) ms += gq[j] * basis64[j * rank + c];
    const rms = Math.sqrt(Math.max(ms, 0) / Math.max(gramRows, 1));
    scales[c] = rms > 0 ? (CODE_SPAN_RMS * rms) / 127 : 1;
  }
  const bandEdges = Int32Array.from(new Set([0, listRank, Math.min(rank, 2 * listRank), rank]));
  const widths = Array.from({ length: bandEdges.length - 1 }, (_, b) => bandEdges[b + 1] - bandEdges[b]);
  const bands = widths.map((w) => new Int8Array(n * w));
  const codes = new Int8Array(Math.min(PROJECT_BLOCK, n) * rank);
  const reduced = options.lists ? new Float32Array(n * listRank) : undefined;
  const block = new Float64Array(Math.min(PROJECT_BLOCK, n) * rank);
  for (let start = 0; start < n; start += PROJECT_BLOCK) {
    throwIfAborted(options.signal);
    const rows = Math.min(PROJECT_BLOCK, n - start);
    gemm(vectors.subarray(start * dim, (start + rows) * dim), basis64, block, rows, dim, rank);
    quantiseRowsInt8(block, rows, rank, scales, codes);
    for (let r = 0; r < rows; r++) {
      for (let b = 0; b < bands.length; b++) bands[b].set(codes.subarray(r * rank + bandEdges[b], r * rank + bandEdges[b + 1]), (start + r) * widths[b]);
      if (reduced) for (let c = 0; c < listRank; c++) reduced[(start + r) * listRank + c] = block[r * rank + c];
    }
  }
  const basis = Float32Array.from(basis64);
  if (!reduced) return { dim, rank, listRank, basis, scales, bandEdges, bands, ...oneList(n, listRank) };
  const ivf = buildIvfIndex(reduced, n, listRank, { seed: options.seed ?? 1, signal: options.signal });
  const ordered = bands.map((codesOfBand, b) => inListOrder(codesOfBand, widths[b], ivf.items));
  return { dim, rank, listRank, basis, scales, bandEdges, bands: ordered, lists: ivf.lists, centroids: ivf.centroids, offsets: ivf.offsets, items: ivf.items };
}

/**
 * The `k` best items for the query `u` among the scanned lists, best first, with their exact
 * scores (inner products with `vectors`, the `n × dim` item vectors the index was built on).
 */
export function searchSemanticIndex(index: SemanticIndex, u: Float32Array, vectors: Float32Array, k: number, options: SemanticSearchOptions): { indices: Int32Array; scores: Float32Array } {
  const { dim, rank, listRank, basis, scales, bandEdges, bands, lists, centroids, offsets, items } = index;
  const ur = projectOnBasis(u, basis, dim, rank);
  // Lists in order of their centroid's score, as many as needed.
  let ranked: Int32Array;
  if (lists > 1) {
    const centroidScores = new Float32Array(lists);
    dotRows(ur.subarray(0, listRank), centroids, listRank, 0, lists, centroidScores);
    ranked = topK(centroidScores, lists).indices;
  } else ranked = new Int32Array(1);
  // The scales are folded into the query: q·(codes × scales) = (q × scales)·codes.
  const qs = new Float32Array(rank);
  for (let c = 0; c < rank; c++) qs[c] = ur[c] * scales[c];
  const probes = Math.min(lists, Math.max(1, options.probes));
  const { probed, scanned } = listsToScan(ranked, offsets, probes, options.minScanned);
  const scores = new Float32Array(scanned);
  const at = new Int32Array(scanned);
  const exclude = options.exclude;
  let c = 0;
  for (let p = 0; p < probed; p++) {
    const l = ranked[p];
    const start = offsets[l];
    const count = offsets[l + 1] - start;
    dotRowsInt8(qs, bands[0], bandEdges[1], 0, bandEdges[1], start, count, scores, c);
    for (let pos = start; pos < start + count; pos++) {
      at[c] = pos;
      if (exclude !== undefined && exclude[items[pos]]) scores[c] = -Infinity;
      c++;
    }
  }
  // Stage 2: the first pass's best, completed band by band to every direction of the codes.
  let kept = selectTop(scores, Math.max(k, options.candidates));
  const shortlist = Math.max(k, options.shortlist);
  if (kept.length > shortlist) {
    let positions = new Int32Array(kept.length);
    let partial = new Float32Array(kept.length);
    for (let j = 0; j < kept.length; j++) {
      positions[j] = at[kept[j]];
      partial[j] = scores[kept[j]];
    }
    for (let b = 1; b < bands.length; b++) {
      const from = bandEdges[b];
      const width = bandEdges[b + 1] - from;
      addDotsInt8AtRows(qs.subarray(from, from + width), bands[b], width, 0, width, positions, partial);
      const keep = b === bands.length - 1 ? shortlist : Math.max(shortlist, options.middle);
      if (partial.length <= keep) continue;
      const best = selectTop(partial, keep);
      const nextPositions = new Int32Array(best.length);
      const nextPartial = new Float32Array(best.length);
      const nextKept = new Int32Array(best.length);
      for (let j = 0; j < best.length; j++) {
        nextPositions[j] = positions[best[j]];
        nextPartial[j] = partial[best[j]];
        nextKept[j] = kept[best[j]];
      }
      positions = nextPositions;
      partial = nextPartial;
      kept = nextKept;
    }
    if (kept.length > shortlist) kept = Int32Array.from(selectTop(partial, shortlist), (j) => kept[j]);
  }
  // Stage 3, exact, in item order: the rows are read front to back, and equal scores go to the
  // lower item index.
  const candidates = new Int32Array(kept.length);
  for (let j = 0; j < kept.length; j++) candidates[j] = items[at[kept[j]]];
  candidates.sort();
  const exact = new Float32Array(candidates.length);
  for (let j = 0; j < exact.length; j++) exact[j] = dot(u, 0, vectors, candidates[j] * dim, dim);
  const best = topK(exact, k);
  const indices = new Int32Array(best.indices.length);
  for (let j = 0; j < indices.length; j++) indices[j] = candidates[best.indices[j]];
  return { indices, scores: best.scores };
}

/** The index as named arrays for a model snapshot (the codes as bytes), and its shape for `meta`. */
export function semanticIndexArrays(index: SemanticIndex): { arrays: Record<string, Float32Array | Int32Array | Uint8Array>; meta: Record<string, number> } {
  const arrays: Record<string, Float32Array | Int32Array | Uint8Array> = {
    indexBasis: index.basis,
    indexScales: index.scales,
    indexBandEdges: index.bandEdges,
  };
  index.bands.forEach((codes, b) => (arrays[`indexCodes${b}`] = bytesOf(codes)));
  if (index.lists > 1) Object.assign(arrays, { ivfCentroids: index.centroids, ivfOffsets: index.offsets, ivfItems: index.items });
  return { arrays, meta: { indexRank: index.listRank, indexCodeRank: index.rank } };
}

/** Restores an index from {@link semanticIndexArrays}; undefined when the arrays are missing or do not fit. */
export function semanticIndexFromArrays(arrays: Record<string, unknown>, meta: Record<string, unknown>, n: number, dim: number): SemanticIndex | undefined {
  const { indexBasis: basis, indexScales: scales, indexBandEdges: bandEdges, ivfCentroids, ivfOffsets, ivfItems } = arrays;
  const rank = meta.indexCodeRank;
  const listRank = meta.indexRank;
  if (typeof rank !== 'number' || typeof listRank !== 'number' || !(basis instanceof Float32Array) || !(scales instanceof Float32Array) || !(bandEdges instanceof Int32Array)) return undefined;
  if (basis.length !== dim * rank || scales.length !== rank || bandEdges[0] !== 0 || bandEdges[bandEdges.length - 1] !== rank) return undefined;
  const bands: Int8Array[] = [];
  for (let b = 0; b + 1 < bandEdges.length; b++) {
    const bytes = arrays[`indexCodes${b}`];
    if (!(bytes instanceof Uint8Array) || bytes.length !== n * (bandEdges[b + 1] - bandEdges[b])) return undefined;
    bands.push(new Int8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  }
  if (ivfCentroids instanceof Float32Array && ivfOffsets instanceof Int32Array && ivfItems instanceof Int32Array) {
    return { dim, rank, listRank, basis, scales, bandEdges, bands, lists: ivfOffsets.length - 1, centroids: ivfCentroids, offsets: ivfOffsets, items: ivfItems };
  }
  return { dim, rank, listRank, basis, scales, bandEdges, bands, ...oneList(n, listRank) };
}

/** VᵀV over every row of `vectors`, or over a seeded sample of `max` of them (selection sampling, in order). */
function sampledGramian(vectors: Float32Array, n: number, dim: number, max: number, seed: number): { gram: Float64Array; rows: number } {
  if (n <= max) return { gram: gramianT(vectors, n, dim), rows: n };
  const rng = createRng(seed);
  const gram = new Float64Array(dim * dim);
  const part = new Float64Array(dim * dim);
  const block = new Float32Array(PROJECT_BLOCK * dim);
  let filled = 0;
  let taken = 0;
  for (let i = 0; i < n && taken < max; i++) {
    if ((n - i) * rng.next() >= max - taken) continue;
    taken++;
    block.set(vectors.subarray(i * dim, (i + 1) * dim), filled * dim);
    if (++filled === PROJECT_BLOCK || taken === max) {
      gramianT(block, filled, dim, part);
      for (let p = 0; p < gram.length; p++) gram[p] += part[p];
      filled = 0;
    }
  }
  return { gram, rows: taken };
}

/** The list structure of an index without IVF lists: one list of every item, in item order. */
function oneList(n: number, listRank: number): Pick<SemanticIndex, 'lists' | 'centroids' | 'offsets' | 'items'> {
  return { lists: 1, centroids: new Float32Array(listRank), offsets: Int32Array.from([0, n]), items: Int32Array.from({ length: n }, (_, i) => i) };
}

/** Rows of `codes` (`width` bytes each) rearranged so that position p holds item `items[p]`'s row. */
function inListOrder(codes: Int8Array, width: number, items: Int32Array): Int8Array {
  const ordered = new Int8Array(codes.length);
  for (let p = 0; p < items.length; p++) ordered.set(codes.subarray(items[p] * width, (items[p] + 1) * width), p * width);
  return ordered;
}

function bytesOf(codes: Int8Array): Uint8Array {
  return new Uint8Array(codes.buffer, codes.byteOffset, codes.byteLength);
}
