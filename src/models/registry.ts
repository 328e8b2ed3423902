/**
 * Model registry: creates models by name with hyper-parameters, restores them from snapshots, and
 * holds each model's default hyper-parameter grid for the evaluation harness.
 * @module
 */
import { ValidationError } from '../core/errors.js';
import { AlsModel, createAls } from './als.js';
import { BprModel, createBpr } from './bpr.js';
import { EaseModel, createEase } from './ease.js';
import { createEdlae } from './edlae.js';
import { createNease } from './nease.js';
import { HigherEaseModel, createHigherEase } from './higher-ease.js';
import { InfiniteAeModel, createInfiniteAe } from './infinite-ae.js';
import { MultVaeModel, createMultVae } from './mult-vae.js';
import { HybridModel, createHybrid } from './hybrid.js';
import { ItemKnnModel, createItemKnn } from './item-knn.js';
import { PopularityModel, createPopularity } from './popularity.js';
import { validateModelParams } from './model-params.js';
import type { ModelParams, Recommender } from './recommender.js';
import { decodeSnapshot, encodeSnapshot } from './snapshot.js';
import { RandomModel, createRandom } from './random.js';
import { Gru4RecModel, createGru4Rec } from './gru4rec.js';
import { SasRecModel, createSasRec } from './sasrec.js';
import { SemanticModel, createSemantic } from './semantic.js';
import type { ModelSnapshot } from './snapshot.js';
import { UserKnnModel, createUserKnn } from './user-knn.js';

/** Registered model names. */
export const MODEL_KINDS = ['random', 'pop', 'itemknn', 'userknn', 'als', 'bpr', 'ease', 'edlae', 'nease', 'hoease', 'infae', 'multvae', 'semantic', 'hybrid', 'sasrec', 'gru4rec'] as const;

/** Pure collaborative-filtering models (no text needed). */
export const CF_MODEL_KINDS: readonly string[] = ['pop', 'itemknn', 'userknn', 'als', 'bpr', 'ease'];

/** Sequence models: they read `FitContext.sequences` and `UserQuery.sequence` (chronological histories). */
export const SEQUENCE_MODEL_KINDS: readonly string[] = ['sasrec', 'gru4rec'];

/** Models that need item text embeddings to fit. */
export const TEXT_MODEL_KINDS: readonly string[] = ['semantic', 'hybrid'];

/** One of {@link MODEL_KINDS}. */
export type ModelKind = (typeof MODEL_KINDS)[number];

interface Entry {
  create: (params: ModelParams) => Recommender;
  restore: (s: ModelSnapshot) => Recommender;
  /** Hyper-parameter grid searched by the protocol runner (each key's values are crossed). */
  grid: Record<string, (number | string | boolean)[]>;
  description: string;
  /**
   * Iterative models: the parameter that caps epochs or iterations, and the cap the protocol runner
   * gives it when it validates (early stopping with patience ends the fit, not the cap).
   */
  iterations?: { key: string; bound: number };
}

const REGISTRY: Record<ModelKind, Entry> = {
  random: { create: (p) => createRandom(p), restore: (s) => RandomModel.fromSnapshot(s), grid: {}, description: 'uniformly random scores (chance baseline)' },
  pop: { create: (p) => createPopularity(p as never), restore: (s) => PopularityModel.fromSnapshot(s), grid: {}, description: 'most interacted items' },
  itemknn: {
    create: (p) => createItemKnn(p),
    restore: (s) => ItemKnnModel.fromSnapshot(s),
    grid: { k: [50, 100, 200, 400, 800, 1600], shrink: [0, 10, 50] },
    description: 'item-based kNN, cosine with shrinkage',
  },
  userknn: {
    create: (p) => createUserKnn(p),
    restore: (s) => UserKnnModel.fromSnapshot(s),
    grid: { k: [25, 50, 100, 200], shrink: [0, 10] },
    description: 'user-based kNN, cosine with shrinkage',
  },
  als: {
    create: (p) => createAls(p),
    restore: (s) => AlsModel.fromSnapshot(s),
    grid: { factors: [64], alpha: [1, 4, 16], regularization: [1, 10, 50] },
    description: 'implicit ALS (conjugate gradient)',
    iterations: { key: 'iterations', bound: 300 },
  },
  bpr: {
    create: (p) => createBpr(p),
    restore: (s) => BprModel.fromSnapshot(s),
    grid: { factors: [64], learningRate: [0.02, 0.05], regularization: [0.01, 0.03, 0.06] },
    description: 'BPR matrix factorisation (SGD)',
    iterations: { key: 'epochs', bound: 2000 },
  },
  ease: {
    create: (p) => createEase(p),
    restore: (s) => EaseModel.fromSnapshot(s),
    grid: { lambda: [50, 100, 250, 500, 1000, 2000] },
    description: 'EASE closed-form item autoencoder',
  },
  edlae: {
    create: (p) => createEdlae(p),
    restore: (s) => EaseModel.fromSnapshot(s),
    grid: { dropout: [0.1, 0.2, 0.33, 0.5], lambda: [10, 50, 200] },
    description: 'EDLAE: EASE with dropout emphasis, penalty λ + p/(1−p)·diag(XᵀX) (Steck 2020)',
  },
  nease: {
    create: (p) => createNease(p),
    restore: (s) => EaseModel.fromSnapshot(s),
    grid: { lambda: [100, 250, 500, 1000], userNorm: [0, 0.25, 0.5], dropout: [0, 0.25], popularity: [0, 0.1, 0.2] },
    description: 'degree-normalised EASE: EDLAE with user weights |u|^−β and item-popularity scaling count^−δ of B',
  },
  hoease: {
    create: (p) => createHigherEase(p),
    restore: (s) => HigherEaseModel.fromSnapshot(s),
    grid: { lambda: [100, 250, 500], pairLambda: [1000, 10000, 100000], pairs: [1000] },
    description: 'higher-order EASE: item-item weights plus rows for the most co-occurring item pairs (Steck & Liang 2021)',
  },
  infae: {
    create: (p) => createInfiniteAe(p),
    restore: (s) => InfiniteAeModel.fromSnapshot(s),
    // The paper's grid (1e-5 … 50) less its two smallest points, which only lower the ridge below float rounding.
    grid: { lambda: [0.1, 1, 5, 50] },
    description: '∞-AE: kernel ridge regression with the NTK of an infinitely wide ReLU autoencoder (Sachdeva et al. 2022)',
  },
  multvae: {
    create: (p) => createMultVae(p),
    restore: (s) => MultVaeModel.fromSnapshot(s),
    grid: { beta: [0.1, 0.2, 0.4] },
    description: 'Mult-VAE: variational autoencoder with a multinomial likelihood (Liang et al. 2018)',
    iterations: { key: 'epochs', bound: 1000 },
  },
  semantic: {
    create: (p) => createSemantic(p),
    restore: (s) => SemanticModel.fromSnapshot(s),
    grid: { historyNorm: [0, 1], centre: [true] },
    description: 'text-embedding interest vector, cosine scoring',
  },
  hybrid: {
    create: (p) => createHybrid(p),
    restore: (s) => HybridModel.fromSnapshot(s),
    grid: { textBlend: [0.15, 0.3, 0.5], easeLambda: [250], popularityPenalty: [0, 0.1, 0.2, 0.3] },
    description: 'EASE backbone blended with a BPR-trained text adapter (v + A·e)',
    iterations: { key: 'epochs', bound: 1000 },
  },
  sasrec: {
    create: (p) => createSasRec(p),
    restore: (s) => SasRecModel.fromSnapshot(s),
    // Dropout chosen on validation: on Amazon Beauty 0.3 beats the paper's 0.5 for short histories,
    // and the search widens below 0.3 (to 0.18, …) when 0.3 is the best, as for long histories.
    grid: { dropout: [0.3, 0.5] },
    description: 'SASRec-style self-attention over the user\'s recent items (next-item prediction)',
    iterations: { key: 'epochs', bound: 1000 },
  },
  gru4rec: {
    create: (p) => createGru4Rec(p),
    restore: (s) => Gru4RecModel.fromSnapshot(s),
    grid: {},
    description: 'GRU4Rec-style recurrent model over the user\'s recent items (next-item prediction)',
    iterations: { key: 'epochs', bound: 1000 },
  },
};

/** True when `kind` names a registered model. */
export function isModelKind(kind: string): kind is ModelKind {
  return (MODEL_KINDS as readonly string[]).includes(kind);
}

function entry(kind: string): Entry {
  if (!isModelKind(kind)) {
    throw new ValidationError(`unknown model "${kind}"; known models: ${MODEL_KINDS.join(', ')}`, { details: { model: kind } });
  }
  return REGISTRY[kind];
}

/**
 * Creates an untrained model of `kind` with `params` (defaults for the rest). The parameters are
 * checked against the model's schema first (`model-params.ts`): `ValidationError` naming the field
 * for an unknown key or a value out of range.
 */
export function createModel(kind: string, params: ModelParams = {}): Recommender {
  const model = entry(kind);
  return model.create(validateModelParams(kind, params));
}

/** The default hyper-parameter grid of `kind`. */
export function defaultGrid(kind: string): Record<string, (number | string | boolean)[]> {
  return entry(kind).grid;
}

/**
 * For iterative models, the parameter capping epochs or iterations and the cap to give it when a
 * validator stops the fit (see `runProtocol`); undefined for closed-form and one-pass models.
 */
export function iterationBound(kind: string): { key: string; bound: number } | undefined {
  return entry(kind).iterations;
}

/** One-line description of `kind`. */
export function describeModel(kind: string): string {
  return entry(kind).description;
}

/** Restores a model from its snapshot. */
export function modelFromSnapshot(snapshot: ModelSnapshot): Recommender {
  return entry(snapshot.kind).restore(snapshot);
}

/** Serialises a trained model to bytes. */
export function serializeModel(model: Recommender): Uint8Array {
  return encodeSnapshot(model.snapshot());
}

/** Restores a model from bytes made by {@link serializeModel}. */
export function deserializeModel(bytes: Uint8Array): Recommender {
  return modelFromSnapshot(decodeSnapshot(bytes));
}

/** Every combination of a grid's values, in a stable order. */
export function expandGrid(grid: Record<string, readonly (number | string | boolean)[]>): ModelParams[] {
  let combos: ModelParams[] = [{}];
  for (const [key, values] of Object.entries(grid)) {
    const next: ModelParams[] = [];
    for (const c of combos) for (const v of values) next.push({ ...c, [key]: v });
    combos = next;
  }
  return combos;
}
