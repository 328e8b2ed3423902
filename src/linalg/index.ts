/**
 * Pure typed-array numeric kernels for the recommender models: dense vector ops, matrix
 * multiply, Gram matrices, Cholesky, SPD inverse and solve, top-k selection, a seeded RNG, and
 * the naive references they are tested and benchmarked against. Row-major throughout.
 * Imports nothing else from the project.
 * @module
 */
export type { FloatArray } from './float-array.js';
export { axpy, dot, norm2, scale } from './vector.js';
export { dotRows } from './dot-rows.js';
export { addDotsInt8AtRows, dotRowsInt8, quantiseRowsInt8 } from './dot-rows-int8.js';
export { gemm, type GemmOptions } from './gemm.js';
export { matmul, type MatmulOptions } from './matmul.js';
export { layerNorm, layerNormBackward } from './layer-norm.js';
export { attentionProbSize, causalAttention, causalAttentionBackward, type AttentionBlock } from './causal-attention.js';
export { gramianT } from './gramian-t.js';
export { sparseGram } from './sparse-gram.js';
export { choleskyInPlace, choleskySolve } from './cholesky.js';
export { spdInverse } from './spd-inverse.js';
export { solveSpdSmall } from './solve-spd-small.js';
export { topK, type TopKExclude, type TopKResult } from './top-k.js';
export { SparseScores } from './sparse-scores.js';
export { kthLargest } from './kth-largest.js';
export { selectTop } from './select-top.js';
export { createRng, shuffleInPlace, xoshiro128StarStar, type Rng } from './random.js';
export { naiveDot, naiveGemm, naiveInverse, naiveSparseGram, naiveTopK } from './naive.js';
