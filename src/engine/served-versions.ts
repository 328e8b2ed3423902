/**
 * The engine's serving state: which version of each model requests are answered with, the decoded
 * versions kept in memory (the served one, the one before it for a rollback, new ones being
 * warmed), the per-version scratch buffers of a request, and the retrieval threads that search large
 * versions beside the serving thread. Training writes versions to storage; this module only reads
 * them back and swaps what serves.
 * @module
 */
import { ValidationError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { isModelKind } from '../models/registry.js';
import type { UserQuery } from '../models/recommender.js';
import type { Storage } from '../storage/storage.js';
import { RetrievalThreads } from './retrieval-threads.js';
import type { RetrievalThreadStats, ThreadRetrieval } from './retrieval-threads.js';
import { decodeSharedTrainedModel, decodeTrainedModel } from './trained-model.js';
import type { TrainedModel } from './trained-model.js';

/** A decoded model version. */
export interface LoadedModel {
  trained: TrainedModel;
  version: number;
}

/** Default of `EngineOptions.retrievalThreads.minItems`: below it, a search costs less than the hop to a thread. */
export const DEFAULT_RETRIEVAL_MIN_ITEMS = 50_000;

/** Options of {@link ServedVersions}. */
export interface ServedVersionsOptions {
  logger: Logger;
  /** See `EngineOptions.retrievalThreads`. */
  retrievalThreads?: { threads: number; minItems?: number };
}

/** See the module description. */
export class ServedVersions {
  /** Decoded versions by `<kind>@<version>`. */
  private readonly cache = new Map<string, TrainedModel>();
  /** The version each model name serves now; requests read it without touching storage. */
  private readonly serving = new Map<string, LoadedModel>();
  /** Changes of `serving` (see {@link ServedVersions.epoch}). */
  private changes = 0;
  /** Scratch buffers per decoded version (see `scratchOf`); dropped with the version. */
  private readonly scratch = new WeakMap<TrainedModel, { scores: Float32Array; mask: Uint8Array }>();
  /** Decodes in flight, so concurrent first requests decode a version once. */
  private readonly decoding = new Map<string, Promise<TrainedModel | undefined>>();
  private readonly threads: RetrievalThreads | undefined;
  private readonly threadMinItems: number;
  /** Restores in the retrieval threads not yet answered. */
  private readonly threadLoads = new Set<Promise<unknown>>();

  constructor(
    private readonly storage: Storage,
    options: ServedVersionsOptions,
  ) {
    const threads = options.retrievalThreads;
    this.threadMinItems = threads?.minItems ?? DEFAULT_RETRIEVAL_MIN_ITEMS;
    if (!Number.isInteger(this.threadMinItems) || this.threadMinItems < 0) throw new ValidationError(`retrievalThreads.minItems must be an integer ≥ 0, got ${threads?.minItems}`, { details: { field: 'retrievalThreads.minItems' } });
    if (threads !== undefined && (!Number.isInteger(threads.threads) || threads.threads < 0)) throw new ValidationError(`retrievalThreads.threads must be an integer ≥ 0, got ${threads.threads}`, { details: { field: 'retrievalThreads.threads' } });
    this.threads = threads !== undefined && threads.threads > 0 ? new RetrievalThreads({ threads: threads.threads, logger: options.logger }) : undefined;
  }

  /** See `Engine.loadModel`. */
  async load(kind: string, version?: number, signal?: AbortSignal): Promise<LoadedModel | undefined> {
    // Storage also keeps artefacts that are not recommenders (e.g. the pipeline's `ranker`).
    if (!isModelKind(kind)) return undefined;
    if (version === undefined) {
      const served = this.serving.get(kind);
      if (served) return served;
      const wanted = await this.storedServingVersion(kind, signal);
      if (wanted === undefined) return undefined;
      const loaded = await this.load(kind, wanted, signal);
      // A swap that landed while this request was decoding wins.
      if (loaded && !this.serving.has(kind)) {
        this.serving.set(kind, loaded);
        this.changes++;
      }
      return this.serving.get(kind) ?? loaded;
    }
    const key = `${kind}@${version}`;
    const hit = this.cache.get(key);
    if (hit) return { trained: hit, version };
    let pending = this.decoding.get(key);
    if (!pending) {
      pending = this.decode(kind, version, signal).finally(() => this.decoding.delete(key));
      this.decoding.set(key, pending);
    }
    const trained = await pending;
    return trained ? { trained, version } : undefined;
  }

  private async decode(kind: string, version: number, signal?: AbortSignal): Promise<TrainedModel | undefined> {
    // In chunks: the decoded arrays view them, so the payload is never held twice.
    const record = await this.storage.models.loadChunks(kind, version, { signal });
    if (!record) return undefined;
    const key = `${kind}@${version}`;
    const items = Number(record.meta.items);
    if (this.threads && Number.isFinite(items) && items >= this.threadMinItems) {
      const { trained, snapshot } = await decodeSharedTrainedModel(record.chunks);
      this.cache.set(key, trained);
      // Restored in the threads in the background: until they answer, the serving thread searches it.
      if ((trained.model as { indexed?: boolean }).indexed === true && trained.model.retrieve) {
        const load = this.threads.load(key, snapshot).then((ok) => {
          // Dropped (or replaced) while the threads restored it.
          if (ok && this.cache.get(key) !== trained) this.threads?.drop(key);
        });
        this.threadLoads.add(load);
        void load.finally(() => this.threadLoads.delete(load));
      }
      return trained;
    }
    const trained = await decodeTrainedModel(record.chunks);
    this.cache.set(key, trained);
    return trained;
  }

  /** Keeps a version trained in this process, as decoded. */
  add(kind: string, version: number, trained: TrainedModel): void {
    this.cache.set(`${kind}@${version}`, trained);
  }

  /** The version storage says should serve: the activated one, else the latest; undefined when none is stored. */
  async storedServingVersion(kind: string, signal?: AbortSignal): Promise<number | undefined> {
    const active = await this.storage.models.active(kind, { signal });
    if (active !== undefined) return active;
    return (await this.storage.models.versions(kind, { signal }))[0]?.version;
  }

  /** The version of `kind` requests are answered with now, when one has been resolved in memory. */
  servingVersion(kind: string): number | undefined {
    return this.serving.get(kind)?.version;
  }

  /**
   * Makes `loaded` the version of `kind` requests use (one assignment: requests already running
   * finish on theirs); keeps the previously served version decoded for a rollback and drops older ones.
   */
  serveLoaded(kind: string, loaded: LoadedModel): void {
    const previous = this.serving.get(kind)?.version;
    this.serving.set(kind, loaded);
    this.changes++;
    const keep = new Set([`${kind}@${loaded.version}`, `${kind}@${previous}`]);
    for (const key of [...this.cache.keys()]) if (key.startsWith(`${kind}@`) && !keep.has(key)) this.drop(key);
  }

  /** See `Engine.forgetVersion`. */
  forget(kind: string, version: number): void {
    this.drop(`${kind}@${version}`);
    if (this.serving.get(kind)?.version === version) {
      this.serving.delete(kind);
      this.changes++;
    }
  }

  /** See `Engine.invalidate`. */
  invalidate(kind?: string): void {
    if (kind === undefined) this.serving.clear();
    else this.serving.delete(kind);
    this.changes++;
  }

  /** See `Engine.servingEpoch`. */
  get epoch(): number {
    return this.changes;
  }

  /** Per-version buffers of a request's scores and exclusion mask (one n-sized pair per version, not per request). */
  scratchOf(trained: TrainedModel): { scores: Float32Array; mask: Uint8Array } {
    let s = this.scratch.get(trained);
    if (!s) {
      s = { scores: new Float32Array(trained.items.size), mask: new Uint8Array(trained.items.size) };
      this.scratch.set(trained, s);
    }
    return s;
  }

  /** Whether requests for `kind` are searched on a retrieval thread now (its served version is held there). */
  searchesOffThread(kind: string): boolean {
    const served = this.serving.get(kind);
    return served !== undefined && this.threads !== undefined && this.threads.holds(`${kind}@${served.version}`);
  }

  /**
   * The `k` best items of version `version` of `kind` for `query` from a retrieval thread, without
   * the item indices in `exclude`; undefined when no thread holds it (search on the calling thread).
   */
  async retrieveOnThread(kind: string, version: number, query: UserQuery, k: number, exclude: () => Int32Array): Promise<ThreadRetrieval | undefined> {
    const key = `${kind}@${version}`;
    if (!this.threads?.holds(key)) return undefined;
    return this.threads.retrieve(key, query, k, exclude());
  }

  /** Resolves once every version decoded so far is restored in the retrieval threads (or failed to be). */
  async threadsSettled(): Promise<void> {
    while (this.threadLoads.size > 0) await Promise.all(this.threadLoads);
  }

  /** Counters of the retrieval threads; undefined without threads. */
  threadStats(): RetrievalThreadStats | undefined {
    return this.threads?.stats();
  }

  /** Drops every decoded version and stops the threads. */
  async close(): Promise<void> {
    this.cache.clear();
    this.serving.clear();
    await this.threads?.close();
  }

  /** Drops decoded version `key` from memory and from the retrieval threads. */
  private drop(key: string): void {
    this.cache.delete(key);
    this.threads?.drop(key);
  }
}
