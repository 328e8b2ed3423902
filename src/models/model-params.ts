/**
 * The hyper-parameter schema of every model kind: which keys exist and which values are sensible
 * (k ≥ 1 and an integer, factors ≥ 1, learning rates > 0, regularisation ≥ 0, epochs ≥ 1, …).
 * {@link validateModelParams} checks a parameter set against its model's schema before anything is
 * trained, so `itemknn` with `k: 0` is refused with the field named instead of training a model that
 * recommends nothing. Each schema lists exactly the keys of the model's options type (checked by the
 * compiler), so the effective parameters of any stored version validate again when it is retrained.
 * @module
 */
import { z } from 'zod';
import { ValidationError } from '../core/errors.js';
import type { AlsOptions } from './als.js';
import type { BprOptions } from './bpr.js';
import type { EaseOptions } from './ease.js';
import type { EdlaeOptions } from './edlae.js';
import type { NeaseOptions } from './nease.js';
import type { HigherEaseOptions } from './higher-ease.js';
import type { InfiniteAeOptions } from './infinite-ae.js';
import type { MultVaeOptions } from './mult-vae.js';
import type { Gru4RecOptions } from './gru4rec.js';
import type { HybridOptions } from './hybrid.js';
import type { ItemKnnOptions } from './item-knn.js';
import type { RandomOptions } from './random.js';
import type { ModelParams } from './recommender.js';
import type { SasRecOptions } from './sasrec.js';
import type { SemanticOptions } from './semantic.js';
import type { UserKnnOptions } from './user-knn.js';

/** A model's parameter schema: one validator per key, plus checks across keys. */
export interface ModelParamSchema {
  /** Validator of each known key's value. */
  readonly fields: Readonly<Record<string, z.ZodTypeAny>>;
  /** A check over several keys of the merged parameters; returns the offending field and why, or undefined. */
  readonly across?: (params: ModelParams) => { field: string; message: string } | undefined;
}

const integer = (min: number): z.ZodNumber => z.number().int().min(min);
const positive = (): z.ZodNumber => z.number().finite().positive();
const nonNegative = (): z.ZodNumber => z.number().finite().min(0);
const seed = (): z.ZodNumber => z.number().int();
const unitInterval = (): z.ZodNumber => z.number().finite().min(0).max(1);
const rate = (): z.ZodNumber => z.number().finite().min(0).lt(1);

/** Every key of `T` must have a validator (so a new option cannot be forgotten); extra keys are allowed. */
function fields<T>(shape: { [K in keyof T]-?: z.ZodTypeAny } & Record<string, z.ZodTypeAny>): Readonly<Record<string, z.ZodTypeAny>> {
  return Object.freeze({ ...shape });
}

/** Parameter schemas by model kind. */
export const MODEL_PARAM_SCHEMAS: Readonly<Record<string, ModelParamSchema>> = Object.freeze({
  random: { fields: fields<RandomOptions>({ seed: seed() }) },
  pop: { fields: Object.freeze({}) },
  itemknn: { fields: fields<ItemKnnOptions>({ k: integer(1), shrink: nonNegative(), aggregate: z.enum(['candidate', 'history']) }) },
  userknn: { fields: fields<UserKnnOptions>({ k: integer(1), shrink: nonNegative() }) },
  als: {
    fields: fields<AlsOptions>({
      factors: integer(1),
      regularization: nonNegative(),
      alpha: nonNegative(),
      iterations: integer(1),
      cgSteps: integer(1),
      evalEvery: integer(1),
      patience: integer(1),
      seed: seed(),
    }),
  },
  bpr: {
    fields: fields<BprOptions>({
      factors: integer(1),
      learningRate: positive(),
      regularization: nonNegative(),
      epochs: integer(1),
      evalEvery: integer(1),
      patience: integer(1),
      initStd: positive(),
      seed: seed(),
    }),
  },
  ease: {
    // λ > 0: it is what makes XᵀX + λI invertible.
    fields: fields<EaseOptions>({ lambda: positive(), minSupport: integer(1), maxItems: integer(1), tailNeighbours: integer(0) }),
  },
  edlae: {
    fields: fields<EdlaeOptions>({ lambda: positive(), minSupport: integer(1), maxItems: integer(1), tailNeighbours: integer(0), dropout: rate() }),
  },
  nease: {
    fields: fields<NeaseOptions>({
      lambda: positive(),
      minSupport: integer(1),
      maxItems: integer(1),
      tailNeighbours: integer(0),
      dropout: rate(),
      userNorm: nonNegative(),
      popularity: nonNegative(),
    }),
  },
  hoease: {
    fields: fields<HigherEaseOptions>({ lambda: positive(), pairLambda: positive(), pairs: integer(0), iterations: integer(0), maxItems: integer(1) }),
  },
  infae: {
    fields: fields<InfiniteAeOptions>({ lambda: positive(), maxUsers: integer(1), maxEntries: integer(1), seed: integer(0) }),
  },
  multvae: {
    fields: fields<MultVaeOptions>({
      hidden: integer(1),
      latent: integer(1),
      dropout: rate(),
      beta: nonNegative(),
      annealEpochs: integer(0),
      learningRate: positive(),
      weightDecay: nonNegative(),
      batchSize: integer(1),
      epochs: integer(1),
      evalEvery: integer(1),
      patience: integer(1),
      seed: seed(),
    }),
  },
  semantic: { fields: fields<SemanticOptions>({ textWeight: nonNegative(), centre: z.boolean(), historyNorm: nonNegative() }) },
  hybrid: {
    fields: fields<HybridOptions>({
      textBlend: unitInterval(),
      easeLambda: positive(),
      easeMinSupport: integer(1),
      easeMaxItems: integer(1),
      factors: integer(1),
      learningRate: positive(),
      regularization: nonNegative(),
      adapterLearningRate: positive(),
      adapterDecay: nonNegative(),
      dropout: rate(),
      popularityPenalty: nonNegative(),
      epochs: integer(1),
      evalEvery: integer(1),
      patience: integer(1),
      seed: seed(),
    }),
  },
  sasrec: {
    fields: fields<SasRecOptions>({
      dim: integer(1),
      blocks: integer(1),
      heads: integer(1),
      maxLen: integer(1),
      // Negative: chosen from the data (see SasRecOptions.dropout).
      dropout: z.number().finite().lt(1),
      learningRate: positive(),
      weightDecay: nonNegative(),
      // 0: chosen from the data.
      batchSize: integer(0),
      epochs: integer(1),
      negatives: integer(0),
      allWindows: z.boolean(),
      evalEvery: integer(1),
      patience: integer(1),
      initStd: positive(),
      textInit: z.boolean(),
      attributes: z.boolean(),
      contrastive: nonNegative(),
      contrastiveTemperature: positive(),
      seed: seed(),
    }),
    across: (p) => {
      const dim = typeof p.dim === 'number' ? p.dim : 64;
      const heads = typeof p.heads === 'number' ? p.heads : 1;
      return dim % heads === 0 ? undefined : { field: 'heads', message: `heads (${heads}) must divide dim (${dim})` };
    },
  },
  gru4rec: {
    fields: fields<Gru4RecOptions>({
      dim: integer(1),
      maxLen: integer(1),
      dropout: rate(),
      learningRate: positive(),
      weightDecay: nonNegative(),
      batchSize: integer(1),
      epochs: integer(1),
      negatives: integer(0),
      allWindows: z.boolean(),
      evalEvery: integer(1),
      patience: integer(1),
      initStd: positive(),
      textInit: z.boolean(),
      seed: seed(),
    }),
  },
} satisfies Record<string, ModelParamSchema>);

/** The known parameter names of `kind` (empty for an unknown kind). */
export function modelParamNames(kind: string): string[] {
  const schema = MODEL_PARAM_SCHEMAS[kind];
  return schema === undefined ? [] : Object.keys(schema.fields);
}

/**
 * Checks `params` against the schema of model `kind` and returns them (a copy). `ValidationError`
 * naming the field (`details.field` is `params.<key>`) for an unknown key (the message lists the
 * known ones), a value of the wrong type or out of range, or keys that do not fit together.
 * @example
 * validateModelParams('itemknn', { k: 0 }); // ValidationError: itemknn: parameter "k" must be … ≥ 1, got 0
 */
export function validateModelParams(kind: string, params: unknown): ModelParams {
  const schema = MODEL_PARAM_SCHEMAS[kind];
  if (schema === undefined) throw new ValidationError(`unknown model "${kind}"`, { details: { model: kind } });
  if (typeof params !== 'object' || params === null || Array.isArray(params)) {
    throw new ValidationError(`${kind}: parameters must be an object of name → value`, { details: { model: kind, field: 'params' } });
  }
  const known = Object.keys(schema.fields);
  const out: ModelParams = {};
  for (const [key, value] of Object.entries(params as Record<string, unknown>)) {
    const field = schema.fields[key];
    if (field === undefined) {
      const list = known.length === 0 ? `${kind} takes no parameters` : `known parameters: ${known.join(', ')}`;
      throw new ValidationError(`${kind}: unknown parameter "${key}"; ${list}`, { details: { model: kind, field: `params.${key}`, known } });
    }
    const parsed = field.safeParse(value);
    if (!parsed.success) {
      throw new ValidationError(`${kind}: parameter "${key}" ${describeIssue(parsed.error.issues[0])}, got ${JSON.stringify(value)}`, {
        details: { model: kind, field: `params.${key}`, value: value as never },
      });
    }
    out[key] = parsed.data as ModelParams[string];
  }
  const crossing = schema.across?.(out);
  if (crossing !== undefined) {
    throw new ValidationError(`${kind}: ${crossing.message}`, { details: { model: kind, field: `params.${crossing.field}` } });
  }
  return out;
}

function describeIssue(issue: z.ZodIssue | undefined): string {
  if (issue === undefined) return 'is invalid';
  if (issue.code === 'invalid_type') return issue.expected === 'integer' ? 'must be an integer' : `must be a ${issue.expected}`;
  if (issue.code === 'too_small' && issue.type === 'number') return `must be ${issue.inclusive ? '≥' : '>'} ${String(issue.minimum)}`;
  if (issue.code === 'too_big' && issue.type === 'number') return `must be ${issue.inclusive ? '≤' : '<'} ${String(issue.maximum)}`;
  if (issue.code === 'not_finite') return 'must be a finite number';
  return issue.message.charAt(0).toLowerCase() + issue.message.slice(1);
}
