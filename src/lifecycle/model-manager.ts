/**
 * Which version of each model serves, in memory and in storage. Activating a version decodes it
 * first (so no request waits for a decode), persists the choice (`storage.models.activate`, so a
 * restart serves the same version), then swaps the engine's reference in one assignment: requests
 * already running finish on the old version, new ones get the new one.
 *
 * Rollback goes to the version that served before the current one in this process; after a
 * restart (when that history is gone) it goes to the newest stored version older than the current.
 * @module
 */
import { NotFoundError, throwIfAborted } from '../core/errors.js';
import { silentLogger } from '../core/logger.js';
import type { Logger } from '../core/logger.js';
import type { Engine } from '../engine/engine.js';

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

/** See the module description. */
export class ModelManager {
  private readonly logger: Logger;
  /** Versions that served before the current one, most recent last, per model. */
  private readonly history = new Map<string, number[]>();
  /** Serialises activations per model so two swaps never interleave. */
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(
    private readonly engine: Engine,
    options: ModelManagerOptions = {},
  ) {
    this.logger = options.logger ?? silentLogger;
  }

  /**
   * Puts `version` of `name` into service and persists the choice. `NotFoundError` when the
   * version is not stored; nothing changes then.
   */
  async activate(name: string, version: number, options: { signal?: AbortSignal } = {}): Promise<void> {
    await this.exclusive(name, async () => {
      const previous = await this.current(name, options.signal);
      await this.swap(name, version, options.signal);
      if (previous !== undefined && previous !== version) this.pushHistory(name, previous);
    });
  }

  /** Serves the version before the current one again (see the module description) and persists it. */
  async rollback(name: string, options: { signal?: AbortSignal } = {}): Promise<{ name: string; version: number }> {
    return this.exclusive(name, async () => {
      const { signal } = options;
      const stored = (await this.engine.storage.models.versions(name, { signal })).map((v) => v.version);
      if (stored.length === 0) throw new NotFoundError(`model "${name}" has no stored versions`, { details: { model: name } });
      const current = await this.current(name, signal);
      const history = this.history.get(name) ?? [];
      let target: number | undefined;
      while (history.length > 0 && target === undefined) {
        const v = history.pop();
        if (v !== undefined && v !== current && stored.includes(v)) target = v;
      }
      target ??= stored.find((v) => current === undefined || v < current);
      if (target === undefined) {
        throw new NotFoundError(`model "${name}" has no version to roll back to (serving v${current ?? '?'}, the oldest stored)`, { details: { model: name, version: current } });
      }
      await this.swap(name, target, signal);
      return { name, version: target };
    });
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
      const serving = this.engine.servingVersion(name);
      if (serving === undefined) continue; // resolved from storage on first use anyway
      await this.exclusive(name, async () => {
        const wanted = await this.engine.storedServingVersion(name, signal);
        const now = this.engine.servingVersion(name);
        if (wanted === undefined || wanted === now) return;
        await this.engine.serveVersion(name, wanted, { signal });
        if (now !== undefined) this.pushHistory(name, now);
        swapped.push({ name, version: wanted });
        this.logger.log('info', `serving ${name} v${wanted} (changed in storage)`);
      });
    }
    return swapped;
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
