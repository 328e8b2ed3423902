/**
 * The hyper-parameters a model is trained with when none are given, in one place for every path
 * that trains: `lmrec train`, `lmrec demo`, the demo preparation of `lmrec serve`, the server's
 * `POST /v1/models/:name/train` without a body, scheduled retraining and retraining after a user
 * deletion. The rule is the same everywhere: the parameters of the newest stored version of the
 * model, else {@link DEFAULT_TRAIN_PARAMS}, else the model's own defaults.
 * @module
 */
import type { ModelParams } from '../models/recommender.js';
import { modelParamNames } from '../models/model-params.js';
import type { Storage } from '../storage/storage.js';

/**
 * Parameters used when a model has no stored version: chosen for serving on a catalogue like the
 * demo's (EASE on items with at least 5 interactions trains in seconds where every item takes a minute).
 */
export const DEFAULT_TRAIN_PARAMS: Readonly<Record<string, Readonly<ModelParams>>> = Object.freeze({
  // Each like lifts the liked item's own neighbours at once (see ItemKnnOptions.aggregate).
  itemknn: Object.freeze({ k: 100, shrink: 10, aggregate: 'history' }),
  ease: Object.freeze({ lambda: 500, minSupport: 5 }),
});

/** Parameters resolved by {@link resolveTrainParams}, and where they came from. */
export interface ResolvedTrainParams {
  params: ModelParams;
  /** `given`, `version <n>` (the newest stored version's), `defaults` ({@link DEFAULT_TRAIN_PARAMS}) or `model defaults`. */
  source: string;
}

/**
 * The parameters to train `model` with: `given` when there are any, else the newest stored
 * version's (without keys this build no longer knows), else {@link DEFAULT_TRAIN_PARAMS}.
 */
export async function resolveTrainParams(storage: Storage, model: string, given?: ModelParams, signal?: AbortSignal): Promise<ResolvedTrainParams> {
  if (given !== undefined && Object.keys(given).length > 0) return { params: { ...given }, source: 'given' };
  const newest = (await storage.models.versions(model, signal === undefined ? {} : { signal }))[0];
  const stored = newest?.meta.params;
  if (newest !== undefined && stored !== null && typeof stored === 'object') {
    // A version stored by an older build may carry a parameter this one no longer has.
    const known = new Set(modelParamNames(model));
    return { params: Object.fromEntries(Object.entries(stored as ModelParams).filter(([key]) => known.has(key))), source: `version ${newest.version}` };
  }
  const defaults = DEFAULT_TRAIN_PARAMS[model];
  return defaults === undefined ? { params: {}, source: 'model defaults' } : { params: { ...defaults }, source: 'defaults' };
}

/** `lambda=500, minSupport=5`, or `model defaults` for none. */
export function describeParams(params: ModelParams): string {
  const entries = Object.entries(params);
  return entries.length === 0 ? 'model defaults' : entries.map(([key, value]) => `${key}=${String(value)}`).join(', ');
}
