/**
 * The seeded synthetic catalogue of `bench/scale.ts`: items as noisy mixtures of ~200 topic
 * centroids in 512 dimensions (a main topic by a power law, a secondary topic uniform), a global
 * popularity order and per-topic item lists, and users who prefer three topics. Shared by the
 * benchmarks that need the same vectors without the database (`bench/semantic-retrieval.ts`).
 * @module
 */
import { createRng, shuffleInPlace } from '../src/linalg/index.js';
import type { Rng } from '../src/linalg/index.js';

/** Sizes of the synthetic data set at `scale`. */
export interface ScaleShape {
  items: number;
  users: number;
  events: number;
  topics: number;
  dim: number;
}

/** The data set's shape: 1M items, 100k users, 10M events and 200 topics at scale 1. */
export function shapeAt(scale: number): ScaleShape {
  const items = Math.max(1_000, Math.round(1_000_000 * scale));
  return { items, users: Math.max(100, Math.round(100_000 * scale)), events: Math.max(10_000, Math.round(10_000_000 * scale)), topics: Math.min(200, Math.max(10, Math.round(items / 50))), dim: 512 };
}

/**
 * A power-law index in [0, n): continuous Pareto inverse CDF over [1, n + 1) with exponent
 * `a` ≠ 1, minus one, so index i has probability about ∝ (i + 1)^-a.
 */
export function powerLawIndex(rng: Rng, n: number, a: number): number {
  const e = 1 - a;
  const x = Math.pow((Math.pow(n + 1, e) - 1) * rng.next() + 1, 1 / e) - 1;
  return Math.min(n - 1, Math.floor(x));
}

/** Unit-length rows of `count` × `dim` Gaussian vectors. */
export function unitGaussians(rng: Rng, count: number, dim: number): Float32Array {
  const out = new Float32Array(count * dim);
  for (let r = 0; r < count; r++) {
    let s = 0;
    for (let d = 0; d < dim; d++) s += (out[r * dim + d] = rng.normal()) ** 2;
    const inv = 1 / Math.sqrt(s);
    for (let d = 0; d < dim; d++) out[r * dim + d] *= inv;
  }
  return out;
}

/** The catalogue's latent structure: topics per item, popularity order, and items per topic by popularity. */
export interface Catalogue {
  shape: ScaleShape;
  centroids: Float32Array;
  mainTopic: Int32Array;
  secondTopic: Int32Array;
  /** Items ordered by global popularity (most popular first). */
  byPopularity: Int32Array;
  /** Per topic, its items (main topic) by popularity. */
  topicItems: Int32Array[];
}

/** The latent structure of a catalogue of `shape`, deterministic for `seed`. */
export function buildCatalogue(shape: ScaleShape, seed: number): Catalogue {
  const rng = createRng(seed);
  const centroids = unitGaussians(rng, shape.topics, shape.dim);
  const mainTopic = new Int32Array(shape.items);
  const secondTopic = new Int32Array(shape.items);
  for (let i = 0; i < shape.items; i++) {
    mainTopic[i] = powerLawIndex(rng, shape.topics, 0.5);
    secondTopic[i] = rng.int(shape.topics);
  }
  const byPopularity = Int32Array.from({ length: shape.items }, (_, i) => i);
  shuffleInPlace(byPopularity, rng);
  const lists: number[][] = Array.from({ length: shape.topics }, () => []);
  for (const i of byPopularity) lists[mainTopic[i]].push(i);
  return { shape, centroids, mainTopic, secondTopic, byPopularity, topicItems: lists.map((l) => Int32Array.from(l)) };
}
/** Item i's text vector: 0.8 × its main topic + 0.35 × its second topic + noise, unit length. */
export function itemVector(c: Catalogue, i: number, rng: Rng): Float32Array {
  const { dim } = c.shape;
  const v = new Float32Array(dim);
  const a = c.mainTopic[i] * dim;
  const b = c.secondTopic[i] * dim;
  const noise = 0.6 / Math.sqrt(dim);
  let s = 0;
  for (let d = 0; d < dim; d++) {
    const x = 0.8 * c.centroids[a + d] + 0.35 * c.centroids[b + d] + noise * rng.normal();
    v[d] = x;
    s += x * x;
  }
  const inv = 1 / Math.sqrt(s);
  for (let d = 0; d < dim; d++) v[d] *= inv;
  return v;
}

/** Three preferred topics of user u (weights 0.5, 0.3, 0.2), from the user's own seeded stream. */
export function userTopics(c: Catalogue, u: number, seed: number): Int32Array {
  const rng = createRng(seed * 1_000_003 + u);
  return Int32Array.from([0, 1, 2], () => powerLawIndex(rng, c.shape.topics, 0.5));
}

/**
 * Every item's text vector (items × dim), drawn in item order from the stream seeded `seed + 5`:
 * the vectors `bench/scale.ts` writes into the embedding cache for the same seed.
 */
export function catalogueVectors(c: Catalogue, seed: number): Float32Array {
  const rng = createRng(seed + 5);
  const { items, dim } = c.shape;
  const out = new Float32Array(items * dim);
  for (let i = 0; i < items; i++) out.set(itemVector(c, i, rng), i * dim);
  return out;
}
