/**
 * Model versions trained on data of deleted users, and their purge (SPEC C22). The erasure log
 * (`storage.erasures`) says where each deleted user's events began and when they went, never who
 * the user was; a stored version is *tainted* by an erasure when its training read the event log
 * while those events were still in it and read far enough to reach them:
 *
 * - it read the log before the erasure: its `meta.erasureWatermark` (the highest erasure id when
 *   training began reading) is below the erasure's id, or, for versions stored without a watermark,
 *   it was saved before the erasure (`createdAt < at`);
 * - and it read up to the user's first event: `meta.dataSeq >= firstSeq`.
 *
 * The watermark matters for a job that was already reading when the user was deleted: it saves its
 * version after the erasure, so its `createdAt` alone would pass it as clean.
 *
 * Versions without `dataSeq` are artefacts that are not per-user models. The learned `ranker` is kept
 * on purpose: it holds a few dozen weights over aggregate features (source scores, popularity,
 * freshness), no per-user parameter and no user id, so one user's deletion is not traceable in it
 * and it is neither purged nor retrained. Any other version without `dataSeq` is treated as tainted
 * by every erasure after it was saved (its data range is unknown).
 *
 * {@link purgeErasedVersions} deletes every tainted version except the one serving (the activated
 * version, else the latest): that one goes once its retrained replacement serves.
 * @module
 */
import type { Engine } from '../engine/engine.js';
import type { Erasure, ModelRecord } from '../storage/storage.js';

/** Stored artefacts kept after a user deletion by design, with the reason the deletion report gives. */
export const KEPT_ON_ERASURE: Readonly<Record<string, string>> = Object.freeze({
  ranker:
    'the learned ranker holds a few dozen weights over aggregate features (source scores, popularity, freshness), no per-user parameters or ids; it is kept and not retrained',
});

/** One stored model version. */
export interface ModelVersionRef {
  model: string;
  version: number;
}

/** What {@link purgeErasedVersions} did. */
export interface ErasurePurge {
  /** Tainted versions deleted now. */
  purged: ModelVersionRef[];
  /** Tainted versions kept because they serve; each is deleted once a clean replacement serves. */
  serving: ModelVersionRef[];
}

/** Options of {@link purgeErasedVersions}. */
export interface PurgeErasedVersionsOptions {
  /** Only these models (default: every stored name). */
  models?: readonly string[];
  /** The erasure log, when the caller has just read it (default: read from storage). */
  erasures?: readonly Erasure[];
  signal?: AbortSignal;
}

/** The erasures whose user's events `version` was trained on (empty when it is clean or kept by design). */
export function erasuresTainting(version: Omit<ModelRecord, 'payload'>, erasures: readonly Erasure[]): Erasure[] {
  if (Object.hasOwn(KEPT_ON_ERASURE, version.name)) return [];
  const { dataSeq, erasureWatermark } = version.meta;
  return erasures.filter((e) => {
    const readBefore = typeof erasureWatermark === 'number' ? erasureWatermark < e.id : version.createdAt < e.at;
    if (!readBefore) return false;
    return typeof dataSeq === 'number' ? dataSeq >= e.firstSeq : true;
  });
}

/** True when `version` was trained on data of a deleted user (see the module description). */
export function isTrainedOnErasedData(version: Omit<ModelRecord, 'payload'>, erasures: readonly Erasure[]): boolean {
  return erasuresTainting(version, erasures).length > 0;
}

/**
 * Deletes every stored version trained on data of a deleted user that is not serving, and drops it
 * from the engine's memory (a purged version is never answered from a cache). The serving version
 * (activated, else latest) is kept even when tainted and reported in `serving`: deleting it would
 * serve an older version, and its retrained replacement, once it serves, lets the next purge take it.
 */
export async function purgeErasedVersions(engine: Engine, options: PurgeErasedVersionsOptions = {}): Promise<ErasurePurge> {
  const { signal } = options;
  const { storage } = engine;
  const out: ErasurePurge = { purged: [], serving: [] };
  const erasures = options.erasures ?? (await storage.erasures.list({ signal }));
  if (erasures.length === 0) return out;
  for (const model of options.models ?? (await storage.models.names({ signal }))) {
    const versions = await storage.models.versions(model, { signal });
    if (versions.length === 0) continue;
    const served = (await storage.models.active(model, { signal })) ?? versions[0].version;
    for (const v of versions) {
      if (!isTrainedOnErasedData(v, erasures)) continue;
      if (v.version === served) {
        out.serving.push({ model, version: v.version });
        continue;
      }
      if (await storage.models.delete(model, v.version, { signal })) out.purged.push({ model, version: v.version });
      engine.forgetVersion(model, v.version);
    }
  }
  return out;
}
