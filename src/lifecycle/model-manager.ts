/**
 * Which version of each model serves, in memory and in storage. Activating a version decodes it
 * first (so no request waits for a decode), persists the choice (`storage.models.activate`, so a
 * restart serves the same version), then swaps the engine's reference in one assignment: requests
 * already running finish on the old version, new ones get the new one.
 *
 * Rollback goes to the version that served before the current one in this process; after a
 * restart (when that history is gone) it goes to the newest stored version older than the current.
 *
 * A version trained on data of a deleted user (see `erased-versions.ts`) is never put into service:
 * activation refuses it with `ConflictError`, rollback passes over it. After every change of the
 * served version the model's tainted versions that no longer serve are purged.
 *
 * Other processes (`lmrec train`, another replica) train and activate versions in the same storage:
 * {@link ModelManager.followStorage} notices them from one small read of every model's latest and
 * activated version, and puts them into service by the same rules as a version trained here.
 * @module
 */
import { ConflictError, NotFoundError, throwIfAborted } from '../core/errors.js';
import { silentLogger } from '../core/logger.js';
import type { Logger } from '../core/logger.js';
import type { Engine } from '../engine/engine.js';
import { isModelKind } from '../models/registry.js';
import type { ModelHead } from '../storage/storage.js';
import { isTrainedOnErasedData, purgeErasedVersions } from './erased-versions.js';
import type { ErasurePurge } from './erased-versions.js';

/** One stored version as listed by {@link ModelManager.versions}. */
export interface ModelVersionInfo {
  version: number;
  createdAt: number;
  meta: Record<string, unknown>;
}

/** The versions of one model. */
export interface ModelVersions {
  name: string;
  /** The version that serves: the activated one, else the latest. */
  active?: number;
  /** Newest first. */
  versions: ModelVersionInfo[];
}

/** Options of {@link ModelManager}. */
export interface ModelManagerOptions {
  logger?: Logger;
}

/** Options of {@link ModelManager.followStorage}. */
export interface FollowStorageOptions {
  /**
   * Put a version newer than any seen before into service even when an older version is activated
   * (the lifecycle's `autoActivate`: what a job of this process does with the version it trained).
   * Without it such a version serves only when nothing is activated (then the latest serves).
   */
  autoActivate: boolean;
  /** Models being trained by this process: skipped until their job has put its version into service. */
  busy?: (name: string) => boolean;
  signal?: AbortSignal;
}

/** A change {@link ModelManager.followStorage} found: a model now serving another version, or a new stored artefact. */
export interface StorageChange {
  name: string;
  version: number;
}

/** See the module description. */
export class ModelManager {
  private readonly logger: Logger;
  /** Versions that served before the current one, most recent last, per model. */
  private readonly history = new Map<string, number[]>();
  /** Serialises activations per model so two swaps never interleave. */
  private readonly locks = new Map<string, Promise<unknown>>();
  /** What {@link ModelManager.followStorage} saw last, by name; undefined before its first call. */
  private seen: Map<string, ModelHead> | undefined;

  constructor(
    private readonly engine: Engine,
    options: ModelManagerOptions = {},
  ) {
    this.logger = options.logger ?? silentLogger;
  }

  /**
   * Puts `version` of `name` into service and persists the choice, then purges the model's versions
   * trained on data of deleted users. `NotFoundError` when the version is not stored, `ConflictError`
   * when it was trained on data of a deleted user; nothing changes then.
   */
  async activate(name: string, version: number, options: { signal?: AbortSignal } = {}): Promise<void> {
    await this.exclusive(name, async () => {
      const { signal } = options;
      const stored = (await this.engine.storage.models.versions(name, { signal })).find((v) => v.version === version);
      if (stored === undefined) throw new NotFoundError(`model "${name}" has no version ${version}`, { details: { model: name, version } });
      if (isTrainedOnErasedData(stored, await this.engine.storage.erasures.list({ signal }))) {
        throw new ConflictError(`model "${name}" v${version} was trained on data of a deleted user; it cannot be served again (train a new version)`, {
          details: { model: name, version, reason: 'trained_on_deleted_user_data' },
        });
      }
      const previous = await this.current(name, signal);
      await this.swap(name, version, signal);
      if (previous !== undefined && previous !== version) this.pushHistory(name, previous);
      await this.purgeAfterSwap(name, signal);
    });
  }

  /**
   * Serves the version before the current one again (see the module description) and persists it,
   * passing over versions trained on data of deleted users; then purges those that no longer serve.
   */
  async rollback(name: string, options: { signal?: AbortSignal } = {}): Promise<{ name: string; version: number }> {
    return this.exclusive(name, async () => {
      const { signal } = options;
      const versions = await this.engine.storage.models.versions(name, { signal });
      if (versions.length === 0) throw new NotFoundError(`model "${name}" has no stored versions`, { details: { model: name } });
      const erasures = await this.engine.storage.erasures.list({ signal });
      const tainted = new Set(versions.filter((v) => isTrainedOnErasedData(v, erasures)).map((v) => v.version));
      const stored = versions.map((v) => v.version).filter((v) => !tainted.has(v));
      const current = await this.current(name, signal);
      const history = this.history.get(name) ?? [];
      let target: number | undefined;
      while (history.length > 0 && target === undefined) {
        const v = history.pop();
        if (v !== undefined && v !== current && stored.includes(v)) target = v;
      }
      target ??= stored.find((v) => current === undefined || v < current);
      if (target === undefined) {
        const passed = [...tainted].filter((v) => v !== current && (current === undefined || v < current));
        const why =
          passed.length > 0
            ? `older versions (${passed.map((v) => `v${v}`).join(', ')}) were trained on data of a deleted user and are not served again`
            : `serving v${current ?? '?'}, the oldest stored`;
        throw new NotFoundError(`model "${name}" has no version to roll back to (${why})`, { details: { model: name, version: current, ...(passed.length > 0 ? { refused: passed } : {}) } });
      }
      await this.swap(name, target, signal);
      await this.purgeAfterSwap(name, signal);
      return { name, version: target };
    });
  }

  /**
   * Deletes the stored versions trained on data of deleted users that do not serve (of every model,
   * or of `names`), each model under its activation lock; reports them and the tainted versions still
   * serving (see `purgeErasedVersions`).
   */
  async purgeErased(options: { names?: readonly string[]; signal?: AbortSignal } = {}): Promise<ErasurePurge> {
    const { signal } = options;
    const names = options.names ?? (await this.engine.storage.models.names({ signal }));
    const out: ErasurePurge = { purged: [], serving: [] };
    for (const name of names) {
      const one = await this.exclusive(name, () => this.purgeLocked(name, signal));
      out.purged.push(...one.purged);
      out.serving.push(...one.serving);
    }
    return out;
  }

  /** Every stored model with its versions and the one that serves. */
  async versions(options: { signal?: AbortSignal } = {}): Promise<ModelVersions[]> {
    const { signal } = options;
    const { models } = this.engine.storage;
    const out: ModelVersions[] = [];
    for (const name of await models.names({ signal })) {
      const versions = (await models.versions(name, { signal })).map((v) => ({ version: v.version, createdAt: v.createdAt, meta: v.meta }));
      const active = (await models.active(name, { signal })) ?? versions[0]?.version;
      out.push(active === undefined ? { name, versions } : { name, active, versions });
    }
    return out;
  }

  /**
   * Decodes the serving version of every stored model (or of `names`), so first requests do not
   * decode; returns the names warmed.
   */
  async warm(options: { names?: readonly string[]; signal?: AbortSignal } = {}): Promise<string[]> {
    const names = options.names ?? (await this.engine.storage.models.names({ signal: options.signal }));
    const warmed: string[] = [];
    for (const name of names) {
      throwIfAborted(options.signal);
      if (await this.engine.loadModel(name, undefined, options.signal)) warmed.push(name);
    }
    return warmed;
  }

  /**
   * Brings the engine in line with storage: a model whose stored serving version (activated, else
   * latest) differs from the one in memory is swapped. Picks up versions activated or trained by
   * another process. Returns the models swapped.
   */
  async sync(options: { signal?: AbortSignal } = {}): Promise<{ name: string; version: number }[]> {
    const { signal } = options;
    const swapped: { name: string; version: number }[] = [];
    for (const name of await this.engine.storage.models.names({ signal })) {
      const one = await this.syncOne(name, signal);
      if (one !== undefined) swapped.push(one);
    }
    return swapped;
  }

  /**
   * One cheap look at storage (`models.heads`: every model's latest and activated version) compared
   * with the previous look; the first call only takes that baseline. For a model that changed since:
   * a version newer than any seen before is activated when `autoActivate` is set and an older one is
   * activated (as a job of this process would; a version trained on data of a deleted user is
   * refused and logged); otherwise the engine is brought in line with storage as {@link ModelManager.sync}
   * does (a new activation, or the latest when nothing is activated). Returns the models whose
   * served version changed, models stored for the first time and new versions of other artefacts
   * (e.g. the pipeline's `ranker`), so the caller can reload what depends on them.
   */
  async followStorage(options: FollowStorageOptions): Promise<StorageChange[]> {
    const { signal } = options;
    const heads = await this.engine.storage.models.heads({ signal });
    const seen = this.seen;
    this.seen = new Map(heads.map((head) => [head.name, head]));
    if (seen === undefined) return [];
    const changes: StorageChange[] = [];
    for (const head of heads) {
      const before = seen.get(head.name);
      if (before !== undefined && before.latest === head.latest && before.active === head.active) continue;
      if (!isModelKind(head.name)) {
        if (before === undefined || head.latest !== before.latest) changes.push({ name: head.name, version: head.latest });
        continue;
      }
      if (options.busy?.(head.name)) {
        // Its job puts its version into service; look again next time.
        if (before === undefined) this.seen.delete(head.name);
        else this.seen.set(head.name, before);
        continue;
      }
      const newer = before === undefined || head.latest > before.latest;
      if (newer && options.autoActivate && head.active !== undefined && head.active < head.latest) {
        try {
          await this.activate(head.name, head.latest, { signal });
          this.logger.log('info', `serving ${head.name} v${head.latest} (trained by another process)`);
          changes.push({ name: head.name, version: head.latest });
        } catch (error) {
          this.logger.log('warn', `${head.name} v${head.latest} (trained by another process) not put into service`, { error: error instanceof Error ? error.message : String(error) });
        }
        continue;
      }
      const swapped = await this.syncOne(head.name, signal);
      if (swapped !== undefined) changes.push(swapped);
      else if (before === undefined) changes.push({ name: head.name, version: head.active ?? head.latest });
    }
    return changes;
  }

  /** {@link ModelManager.sync} for one model: swaps when storage's serving version differs from the one in memory. */
  private async syncOne(name: string, signal?: AbortSignal): Promise<{ name: string; version: number } | undefined> {
    if (this.engine.servingVersion(name) === undefined) return undefined; // resolved from storage on first use anyway
    return this.exclusive(name, async () => {
      const wanted = await this.engine.storedServingVersion(name, signal);
      const now = this.engine.servingVersion(name);
      if (wanted === undefined || wanted === now) return undefined;
      await this.engine.serveVersion(name, wanted, { signal });
      if (now !== undefined) this.pushHistory(name, now);
      this.logger.log('info', `serving ${name} v${wanted} (changed in storage)`);
      await this.purgeAfterSwap(name, signal);
      return { name, version: wanted };
    });
  }

  /** The version serving now: in memory, else what storage says. */
  private async current(name: string, signal?: AbortSignal): Promise<number | undefined> {
    return this.engine.servingVersion(name) ?? (await this.engine.storedServingVersion(name, signal));
  }

  /** Decode, persist, swap: a failure in the first two leaves everything as it was. */
  private async swap(name: string, version: number, signal?: AbortSignal): Promise<void> {
    const loaded = await this.engine.loadModel(name, version, signal);
    if (!loaded) throw new NotFoundError(`model "${name}" has no version ${version}`, { details: { model: name, version } });
    await this.engine.storage.models.activate(name, version, { signal });
    await this.engine.serveVersion(name, version, { signal });
    this.logger.log('info', `serving ${name} v${version}`);
  }

  /** {@link ModelManager.purgeErased} for one model whose lock the caller holds. */
  private async purgeLocked(name: string, signal?: AbortSignal): Promise<ErasurePurge> {
    const result = await purgeErasedVersions(this.engine, { models: [name], signal });
    if (result.purged.length > 0) {
      this.logger.log('info', `deleted ${name} ${result.purged.map((p) => `v${p.version}`).join(', ')}: trained on data of a deleted user`);
      const gone = new Set(result.purged.map((p) => p.version));
      const history = this.history.get(name);
      if (history) this.history.set(name, history.filter((v) => !gone.has(v)));
    }
    return result;
  }

  /**
   * The purge after a swap that already happened: a failure is logged rather than reported as a
   * failed activation (the next activation, purge or start deletes those versions).
   */
  private async purgeAfterSwap(name: string, signal?: AbortSignal): Promise<void> {
    try {
      await this.purgeLocked(name, signal);
    } catch (error) {
      this.logger.log('error', `deleting ${name} versions trained on deleted users failed`, { error: error instanceof Error ? error.message : String(error) });
    }
  }

  private pushHistory(name: string, version: number): void {
    const list = this.history.get(name) ?? [];
    list.push(version);
    // A bounded trail: rollback rarely goes back more than a few steps.
    if (list.length > 20) list.shift();
    this.history.set(name, list);
  }

  private async exclusive<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const before = this.locks.get(name) ?? Promise.resolve();
    const run = before.then(fn, fn);
    const settled = run.catch(() => undefined);
    this.locks.set(name, settled);
    try {
      return await run;
    } finally {
      if (this.locks.get(name) === settled) this.locks.delete(name);
    }
  }
}
