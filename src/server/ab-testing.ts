/**
 * Deterministic A/B bucketing: a user's variant is a pure function of the experiment salt and the
 * user id, so every replica agrees without storing assignments, and changing the salt reshuffles.
 * @module
 */
import { createHash } from 'node:crypto';
import { ValidationError } from '../index.js';

/** One arm of an experiment. */
export interface Variant {
  /** Recorded on impressions, e.g. `A`. */
  name: string;
  /** Model this arm serves; absent = the engine's (or pipeline's) default. */
  model?: string;
  /** Relative share of users (default 1). */
  weight?: number;
  /** LLM stages of this arm's lists (`rerank`, `explain`, or `off`); absent = the configured defaults. */
  llm?: readonly ('rerank' | 'explain' | 'off')[];
}

/** An experiment over all users. */
export interface Experiment {
  salt: string;
  variants: readonly Variant[];
}

/** Assigns users to variants. */
export interface VariantAssigner {
  /** The variant of `userId`. */
  assign(userId: string): Required<Pick<Variant, 'name'>> & Pick<Variant, 'model' | 'llm'>;
  /** Names of the variants in configuration order. */
  readonly names: readonly string[];
}

/** Variant recorded when no experiment is configured. */
export const DEFAULT_VARIANT = 'default';

/** A number in [0, 1) from the first 48 bits of SHA-256(salt + ':' + userId). */
export function bucketOf(salt: string, userId: string): number {
  const hash = createHash('sha256').update(`${salt}:${userId}`).digest();
  return hash.readUIntBE(0, 6) / 2 ** 48;
}

/** Builds the assigner; without an experiment everyone is in {@link DEFAULT_VARIANT}. */
export function createVariantAssigner(experiment?: Experiment): VariantAssigner {
  if (experiment === undefined) {
    return { assign: () => ({ name: DEFAULT_VARIANT }), names: [DEFAULT_VARIANT] };
  }
  const { salt, variants } = experiment;
  if (variants.length === 0) throw new ValidationError('an experiment needs at least one variant', { details: { field: 'variants' } });
  const seen = new Set<string>();
  for (const v of variants) {
    if (seen.has(v.name)) throw new ValidationError(`variant "${v.name}" is listed twice`, { details: { field: 'variants', name: v.name } });
    seen.add(v.name);
    if (v.weight !== undefined && !(v.weight > 0)) {
      throw new ValidationError(`variant "${v.name}" needs a positive weight`, { details: { field: 'weight', name: v.name } });
    }
  }
  const total = variants.reduce((sum, v) => sum + (v.weight ?? 1), 0);
  const bounds: number[] = [];
  let acc = 0;
  for (const v of variants) {
    acc += (v.weight ?? 1) / total;
    bounds.push(acc);
  }
  return {
    names: variants.map((v) => v.name),
    assign(userId) {
      const u = bucketOf(salt, userId);
      let i = bounds.findIndex((b) => u < b);
      if (i < 0) i = variants.length - 1;
      const v = variants[i];
      return { name: v.name, ...(v.model === undefined ? {} : { model: v.model }), ...(v.llm === undefined ? {} : { llm: v.llm }) };
    },
  };
}
