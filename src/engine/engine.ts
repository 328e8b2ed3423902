/**
 * The engine facade: one object that imports data into storage, trains and versions models, and
 * answers recommendation and similar-item requests by external id. The CLI and (later) the HTTP
 * server are thin layers over it.
 * @module
 */
import { csrFromCoo } from '../core/csr-matrix.js';
import { NotFoundError, ValidationError, throwIfAborted } from '../core/errors.js';
import { InteractionLogBuilder } from '../core/interaction-log.js';
import type { InteractionLog } from '../core/interaction-log.js';
import { silentLogger } from '../core/logger.js';
import type { Logger, ProgressCallback } from '../core/logger.js';
import type { Item, StoredEvent } from '../core/types.js';
import { importDataset } from '../ingest/import-dataset.js';
import type { ImportOptions } from '../ingest/import-dataset.js';
import type { ImportReport, ImportSource } from '../ingest/import-source.js';
import { topK } from '../linalg/index.js';
import { validateModelParams } from '../models/model-params.js';
import { alignItemAttributes } from '../models/item-attributes.js';
import type { ItemAttributes } from '../models/item-attributes.js';
import type { IdDictionary } from '../core/id-dictionary.js';
import { createModel, isModelKind, MODEL_KINDS } from '../models/registry.js';
import type { FitReport, ModelParams, UserQuery } from '../models/recommender.js';
import { PopularityModel } from '../models/popularity.js';
import type { Storage } from '../storage/storage.js';
import { createCachedEncoder } from '../encoders/cached-encoder.js';
import { seedFromEmbeddingPack } from '../encoders/embedding-pack.js';
import { textHash } from '../encoders/text-hash.js';
import type { EncodePriority, Encoder } from '../encoders/encoder.js';
import { alignItemVectors } from '../eval/protocol.js';
import type { ItemVectorSource } from '../eval/protocol.js';
import { SemanticModel } from '../models/semantic.js';
import { SEQUENCE_MODEL_KINDS, TEXT_MODEL_KINDS } from '../models/registry.js';
import { userSequences } from '../eval/split.js';
import { scrubPii } from '../text/scrub-pii.js';
import { createVerbalizer, MOVIE_TEMPLATE } from '../text/verbalizer.js';
import type { DomainTemplate, Verbalizer } from '../text/verbalizer.js';
import { catalogueText } from './catalogue-text.js';
import { explainQueryMatch } from './explain-query.js';
import type { QueryBecause, QueryExplanation } from './explain-query.js';
import { DEFAULT_FEEDBACK_POLICY, feedbackWeight, isNegativeFeedback, marksSeen } from './feedback-policy.js';
import type { FeedbackPolicy } from './feedback-policy.js';
import { ITEM_LINEAR_KINDS, checkHalfLife, recencyWeight, scoreWeighted } from './recency.js';
import type { RecencyOptions } from './recency.js';
import { HistoryTextVectors } from './history-text-vectors.js';
import { encodeTrainedModel } from './trained-model.js';
import type { RetrievalThreadStats } from './retrieval-threads.js';
import { DEFAULT_RETRIEVAL_MIN_ITEMS, ServedVersions } from './served-versions.js';
import type { LoadedModel } from './served-versions.js';
import type { TrainedModel } from './trained-model.js';

/** Options of {@link createEngine}. */
export interface EngineOptions {
  logger?: Logger;
  /** How events become training signal. */
  feedback?: FeedbackPolicy;
  /** Model used when a request names none (default `ease`, else the newest trained). */
  defaultModel?: string;
  /**
   * Text encoder for the language-model features (embedding the catalogue, text-aware models,
   * natural-language queries). The engine caches its vectors in storage and, when the encoder is
   * remote, scrubs personal data from every text before it leaves the process.
   */
  encoder?: Encoder;
  /** How items and behaviours are put into words (default: the movie template). */
  template?: DomainTemplate;
  /** Weight history events by 0.5^(age / half-life) when scoring a user (default: no decay). */
  recency?: RecencyOptions;
  /**
   * When the semantic model's user text vector (the encoded behaviour text) is computed: `inline`
   * (default; a command encodes it when asked) or `background` (a server: requests read the vector
   * of the current history when ready and never wait for an encoder; see `HistoryTextVectors`).
   */
  historyText?: 'inline' | 'background';
  /**
   * Most recent events of a user read per request (default {@link DEFAULT_HISTORY_LIMIT}), so that a
   * user with a million events costs a request no more than one with five thousand.
   */
  historyLimit?: number;
  /**
   * Search the retrieval indices of large model versions on worker threads (default: none). A
   * version of at least `minItems` items (default {@link DEFAULT_RETRIEVAL_MIN_ITEMS}) whose model has
   * an index is decoded into shared memory and restored in each of `threads` threads; requests for
   * it are searched there while the calling thread goes on with other work.
   */
  retrievalThreads?: { threads: number; minItems?: number };
}

/** Default of {@link EngineOptions.historyLimit}. */
export const DEFAULT_HISTORY_LIMIT = 5_000;

/** What {@link Engine.embedCatalogue} did. */
export interface EmbedReport {
  encoder: string;
  items: number;
  /** Texts sent to the encoder (not found in the cache). */
  encoded: number;
  /** Texts served from the cache. */
  cached: number;
  seconds: number;
}

/** Options of {@link Engine.query}. */
export interface QueryOptions {
  k?: number;
  /** Blend in this user's interests and leave out what they already know. */
  userId?: string;
  exclude?: readonly string[];
  signal?: AbortSignal;
}

/** One answer to {@link Engine.query}, with why it matches. */
export interface QueryItem extends RecommendedItem {
  explanation: QueryExplanation;
}

/** One recommended item. */
export interface RecommendedItem {
  id: string;
  score: number;
  title?: string;
  /** Which model or fallback proposed it. */
  sources: string[];
}

/** A recommendation answer. */
export interface Recommendations {
  userId: string;
  /** `<model>@<version>`, or `popularity@live` when nothing is trained. */
  modelVersion: string;
  /** Set when the list came from the popularity fallback, with the reason. */
  fallback?: string;
  items: RecommendedItem[];
}

/** Options of {@link Engine.recommend}. */
export interface RecommendOptions {
  k?: number;
  /** Model name; default the engine's default model. */
  model?: string;
  /** Item ids never to return. */
  exclude?: readonly string[];
  /** Also return items the user already interacted with. */
  includeSeen?: boolean;
  signal?: AbortSignal;
}

/** What {@link Engine.train} did. */
export interface TrainResult {
  model: string;
  version: number;
  params: ModelParams;
  fit: FitReport;
  users: number;
  items: number;
  interactions: number;
}

/** What {@link Engine.scoreUser} computed: a score per item of the model's item dictionary. */
export interface UserScores {
  model: string;
  version: number;
  /** The model's item dictionary (`scores[i]` belongs to `items.idAt(i)`). */
  items: TrainedModel['items'];
  scores: Float32Array;
  /** False when the user had no positive feedback on the model's items (scores are then zero). */
  usable: boolean;
  /**
   * False when part of the user's state was still being computed in the background (the semantic
   * model's history text vector): the scores are right but provisional, so callers do not cache them.
   */
  complete: boolean;
  /** The model version itself, for item similarities and popularity. */
  trained: TrainedModel;
}

/** What {@link Engine.retrieveForUser} answers: the best items of one model for one user. */
export interface UserCandidates {
  model: string;
  version: number;
  items: TrainedModel['items'];
  /** Item indices, best first. */
  indices: Int32Array;
  scores: Float32Array;
  /** False when the user had no positive feedback on the model's items (no candidates then). */
  usable: boolean;
  /** See {@link UserScores.complete}. */
  complete: boolean;
}

/** Training data built from stored events. */
export interface TrainingData {
  log: InteractionLog;
  /** Highest event seq included. */
  lastSeq: number;
}

export { DEFAULT_RETRIEVAL_MIN_ITEMS };
export type { LoadedModel };

const MAX_K = 1000;

/** Creates an engine over an open storage. The engine does not own the storage's lifetime unless asked. */
export function createEngine(storage: Storage, options: EngineOptions = {}): Engine {
  return new Engine(storage, options);
}

/** See the module description. */
export class Engine {
  private readonly logger: Logger;
  private readonly feedback: FeedbackPolicy;
  /** Which versions serve, the decoded ones, their scratch buffers and the retrieval threads. */
  private readonly versions: ServedVersions;
  /** How this engine puts items and behaviours into words (its domain template); LLM prompts use the same. */
  readonly verbalizer: Verbalizer;
  private cachedEncoder: Encoder | undefined;
  private readonly historyTexts = new HistoryTextVectors({
    encode: (history) => this.historyVector(history),
    onError: (error) => this.logger.log('warn', 'encoding a user history failed', { error: String(error) }),
  });

  constructor(
    readonly storage: Storage,
    private readonly options: EngineOptions = {},
  ) {
    this.logger = options.logger ?? silentLogger;
    this.feedback = options.feedback ?? DEFAULT_FEEDBACK_POLICY;
    this.verbalizer = createVerbalizer(options.template ?? MOVIE_TEMPLATE);
    if (options.recency) checkHalfLife(options.recency.halfLifeMs);
    const limit = options.historyLimit;
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) throw new ValidationError(`historyLimit must be a positive integer, got ${limit}`, { details: { field: 'historyLimit' } });
    this.versions = new ServedVersions(storage, { logger: this.logger, ...(options.retrievalThreads ? { retrievalThreads: options.retrievalThreads } : {}) });
  }

  /** Resolves once every version decoded so far is restored in the retrieval threads (or failed to be). */
  retrievalThreadsSettled(): Promise<void> {
    return this.versions.threadsSettled();
  }

  /** Whether requests for `kind` are searched on a retrieval thread now (its served version is held there). */
  searchesOffThread(kind: string): boolean {
    return this.versions.searchesOffThread(kind);
  }

  /** Counters of the retrieval threads; undefined when the engine has none. */
  retrievalThreadStats(): RetrievalThreadStats | undefined {
    return this.versions.threadStats();
  }

  /** Half-life of a user's interests in ms, or undefined when history events are not decayed. */
  recencyHalfLifeMs(): number | undefined {
    const h = this.options.recency?.halfLifeMs;
    return h === undefined || h === Infinity ? undefined : h;
  }

  /** Scores `query` with the model, honouring recency weights for models that ignore query values. */
  private scoreQuery(model: TrainedModel['model'], query: UserQuery, out: Float32Array): void {
    if (this.recencyHalfLifeMs() === undefined) model.score(query, out);
    else scoreWeighted(model, query, out);
  }

  /** The configured encoder behind the storage cache (and PII scrubbing when it is remote). */
  encoder(): Encoder {
    if (this.cachedEncoder) return this.cachedEncoder;
    const inner = this.options.encoder;
    if (!inner) {
      throw new ValidationError('no text encoder configured: set `encoder` in the config (use-lite, onnx or openai) to use language-model features', {
        details: { field: 'encoder' },
      });
    }
    const remote = inner.id.startsWith('openai:');
    const scrubbed: Encoder = remote
      ? { id: inner.id, dim: inner.dim, maxBatch: inner.maxBatch, encode: (texts, o) => inner.encode(texts.map((t) => scrubPii(t).text), o), close: () => inner.close() }
      : inner;
    const cached = createCachedEncoder(scrubbed, this.storage.embeddings);
    // Texts are clipped before the cache, so the cache key is the text actually encoded.
    this.cachedEncoder = {
      id: cached.id,
      get dim() {
        return cached.dim;
      },
      maxBatch: cached.maxBatch,
      encode: (texts, o) => cached.encode(texts.map(clipForEncoder), o),
      load: (o) => cached.load(o),
      close: () => cached.close(),
    };
    return this.cachedEncoder;
  }

  /** Encodes every catalogue item's text once; later runs find them in the cache and encode nothing. */
  async embedCatalogue(options: { signal?: AbortSignal; onProgress?: ProgressCallback } = {}): Promise<EmbedReport> {
    const t0 = performance.now();
    const encoder = this.encoder();
    const { texts } = await catalogueText(this.storage, this.verbalizer, options.signal);
    const before = await this.storage.embeddings.count(encoder.id, { signal: options.signal });
    await encoder.encode(texts, { signal: options.signal, onProgress: (done, total) => options.onProgress?.('embed items', done, total) });
    const after = await this.storage.embeddings.count(encoder.id, { signal: options.signal });
    return { encoder: encoder.id, items: texts.length, encoded: after - before, cached: texts.length - (after - before), seconds: (performance.now() - t0) / 1000 };
  }

  /**
   * Seeds the embedding cache from an embedding pack (see `encoders/embedding-pack.ts`) with the
   * vectors of the catalogue's current texts under this engine's encoder; returns how many were
   * written (0 when the pack is of another encoder or its texts changed since).
   */
  async seedEmbeddings(packDir: string, options: { signal?: AbortSignal } = {}): Promise<number> {
    const encoder = this.encoder();
    const { texts } = await catalogueText(this.storage, this.verbalizer, options.signal);
    const wanted = new Set(texts.map((t) => textHash(clipForEncoder(t))));
    const all = [...wanted];
    for (let start = 0; start < all.length; start += 500) {
      const cached = await this.storage.embeddings.get(encoder.id, all.slice(start, start + 500), { signal: options.signal });
      for (const hash of cached.keys()) wanted.delete(hash);
    }
    if (wanted.size === 0) return 0;
    return seedFromEmbeddingPack(packDir, this.storage.embeddings, encoder.id, wanted, options);
  }

  /** Item text vectors by id for the whole catalogue (encoding whatever is not cached yet). */
  async itemVectors(options: { signal?: AbortSignal; onProgress?: ProgressCallback } = {}): Promise<ItemVectorSource> {
    const { ids, texts } = await catalogueText(this.storage, this.verbalizer, options.signal);
    return this.vectorsOf(ids, texts, options);
  }

  /**
   * Text vectors for items that need not be stored (e.g. a dataset being evaluated offline): each is
   * verbalised with its tags and encoded through the cache.
   */
  async encodeItems(
    items: readonly Item[],
    tags: ReadonlyMap<string, readonly string[]> = new Map(),
    options: { signal?: AbortSignal; onProgress?: ProgressCallback; priority?: EncodePriority } = {},
  ): Promise<ItemVectorSource> {
    const texts = items.map((item) => this.verbalizer.item(item, { tags: tags.get(item.id) }));
    return this.vectorsOf(items.map((i) => i.id), texts, options);
  }

  private async vectorsOf(ids: readonly string[], texts: readonly string[], options: { signal?: AbortSignal; onProgress?: ProgressCallback; priority?: EncodePriority }): Promise<ItemVectorSource> {
    const encoder = this.encoder();
    const matrix = await encoder.encode(texts, {
      signal: options.signal,
      onProgress: (d, t) => options.onProgress?.('embed items', d, t),
      ...(options.priority === undefined ? {} : { priority: options.priority }),
    });
    const row = new Map(ids.map((id, i) => [id, i]));
    const dim = encoder.dim;
    return {
      dim,
      vectorOf: (id) => {
        const i = row.get(id);
        return i === undefined ? undefined : matrix.subarray(i * dim, (i + 1) * dim);
      },
    };
  }

  /**
   * Imports a dataset in one transaction (nothing is written when it fails). The same content twice
   * is refused unless `force`; events of generic CSV/JSONL files naming items the catalogue lacks are
   * refused unless `unknownItems: 'accept'` (see `importDataset`).
   */
  async import(source: ImportSource, options: ImportOptions = {}): Promise<ImportReport> {
    return importDataset(this.storage, source, options);
  }

  /** The stored items' `attributeIds` (integer attribute labels) aligned with `items`; undefined when none has any. */
  private async itemAttributeIds(items: IdDictionary, signal?: AbortSignal): Promise<ItemAttributes | undefined> {
    const byId = new Map<string, number[]>();
    for await (const page of this.storage.items.scan({ signal })) {
      for (const item of page) {
        const ids = item.attributes?.attributeIds;
        if (Array.isArray(ids) && ids.length > 0 && items.has(item.id)) byId.set(item.id, ids.filter((a): a is number => typeof a === 'number'));
      }
    }
    return byId.size === 0 ? undefined : alignItemAttributes(items.size, (i) => items.idAt(i), (id) => byId.get(id));
  }

  /** Positive feedback from all stored events, as an interaction log (value = weight). */
  async trainingData(options: { signal?: AbortSignal; onProgress?: ProgressCallback; includeCatalogue?: boolean; yieldBetweenPages?: boolean } = {}): Promise<TrainingData> {
    const builder = new InteractionLogBuilder();
    if (options.includeCatalogue) {
      // Every catalogue item gets an index, so text-aware models can score items nobody touched yet.
      for await (const page of this.storage.items.scan({ signal: options.signal })) for (const item of page) builder.addItem(item.id);
    }
    let lastSeq = 0;
    const total = await this.storage.events.count({ signal: options.signal });
    let seen = 0;
    for await (const page of this.storage.events.scan({ signal: options.signal, batchSize: 20_000 })) {
      for (const e of page) {
        lastSeq = Math.max(lastSeq, e.seq);
        const w = feedbackWeight(e, this.feedback);
        if (w > 0 && e.itemId !== undefined) builder.add(e.userId, e.itemId, w, e.timestamp);
      }
      seen += page.length;
      options.onProgress?.('read events', seen, total);
      // On a serving thread: let requests run between pages.
      if (options.yieldBetweenPages) await new Promise((resolve) => setImmediate(resolve));
    }
    return { log: builder.build(), lastSeq };
  }

  /**
   * Trains model `kind` on all stored positive feedback and stores it as a new version. `params` are
   * checked against the model's schema before any event is read (`ValidationError` naming the field).
   * `threads` bounds the threads a fit may use (`FitContext.threads`; the lifecycle's training worker
   * passes 1, so a serving process keeps a core for its requests).
   */
  async train(kind: string, params: ModelParams = {}, options: { signal?: AbortSignal; onProgress?: ProgressCallback; threads?: number } = {}): Promise<TrainResult> {
    if (!isModelKind(kind)) throw new ValidationError(`unknown model "${kind}"; known models: ${MODEL_KINDS.join(', ')}`, { details: { model: kind } });
    const checked = validateModelParams(kind, params);
    const textAware = TEXT_MODEL_KINDS.includes(kind);
    // Read before the events: a user deletion logged after this point may have been read in, so the
    // version counts as trained on that user's data (see lifecycle/erased-versions.ts).
    const erasureWatermark = await this.storage.erasures.lastId({ signal: options.signal });
    const { log, lastSeq } = await this.trainingData({ ...options, includeCatalogue: textAware });
    if (log.userIdx.length === 0) throw new ValidationError('no positive feedback stored: import or post events before training');
    const matrix = csrFromCoo(log.users.size, log.items.size, log.userIdx, log.itemIdx, log.value, 'max');
    const model = createModel(kind, checked);
    throwIfAborted(options.signal);
    const itemEmbeddings = textAware ? alignItemVectors(log.items, await this.itemVectors(options)) : undefined;
    // Sequence models train on each user's positive events in time order (ties in event order).
    const sequences = SEQUENCE_MODEL_KINDS.includes(kind) ? userSequences(log, Int32Array.from(log.userIdx.keys())) : undefined;
    // SASRec reads categorical item attributes (an S3-Rec import's `attributeIds`) as side information.
    const itemAttributes = kind === 'sasrec' ? await this.itemAttributeIds(log.items, options.signal) : undefined;
    const fit = await model.fit(matrix, { signal: options.signal, onProgress: options.onProgress, logger: this.logger, itemEmbeddings, sequences, ...(itemAttributes ? { itemAttributes } : {}), ...(options.threads === undefined ? {} : { threads: options.threads }) });
    const counts = new Float32Array(log.items.size);
    for (let e = 0; e < matrix.indices.length; e++) counts[matrix.indices[e]]++;
    const trained: TrainedModel = { model, users: log.users, items: log.items, itemCounts: counts, dataSeq: lastSeq, trainedAt: Date.now() };
    const record = await this.storage.models.save(
      kind,
      { params: model.params, fit, users: log.users.size, items: log.items.size, interactions: matrix.indices.length, dataSeq: lastSeq, erasureWatermark },
      encodeTrainedModel(trained),
      { signal: options.signal },
    );
    this.versions.add(kind, record.version, trained);
    // Without an activated version the latest serves, so a version trained here serves at once.
    if ((await this.storage.models.active(kind, { signal: options.signal })) === undefined) this.versions.serveLoaded(kind, { trained, version: record.version });
    this.logger.log('info', `trained ${kind} v${record.version}`, { seconds: fit.seconds });
    if (fit.itemCap) {
      const { maxItems, kept, leftOut } = fit.itemCap;
      // Said at info level: beyond the cap, items are ranked by EASE's cheaper co-occurrence fallback.
      this.logger.log('info', `${kind} v${record.version}: EASE kept ${kept} items in its weight matrix (maxItems ${maxItems}), ${leftOut} left out and scored by co-occurrence`, { maxItems, kept, leftOut });
    }
    return { model: kind, version: record.version, params: model.params, fit, users: log.users.size, items: log.items.size, interactions: matrix.indices.length };
  }

  /**
   * Loads a stored model version. Without a version it answers the version being served: the
   * activated one (`storage.models.active`) when set, else the latest; once resolved, that answer
   * comes from memory until {@link Engine.serveVersion} swaps it or {@link Engine.invalidate} drops it.
   * Undefined when nothing is stored.
   */
  loadModel(kind: string, version?: number, signal?: AbortSignal): Promise<LoadedModel | undefined> {
    return this.versions.load(kind, version, signal);
  }

  /** The version storage says should serve: the activated one, else the latest; undefined when none is stored. */
  storedServingVersion(kind: string, signal?: AbortSignal): Promise<number | undefined> {
    return this.versions.storedServingVersion(kind, signal);
  }

  /** The version of `kind` requests are answered with now, when one has been resolved in memory. */
  servingVersion(kind: string): number | undefined {
    return this.versions.servingVersion(kind);
  }

  /**
   * Makes `version` of `kind` the one requests use, decoding it first when needed (before the swap,
   * so no request waits for it). The swap is one assignment: requests already running finish on the
   * version they started with. Only memory changes; persisting the choice is `storage.models.activate`.
   * Keeps the previously served version decoded for a fast rollback and drops older ones.
   * `NotFoundError` when the version is not stored.
   */
  async serveVersion(kind: string, version: number, options: { signal?: AbortSignal } = {}): Promise<{ previous?: number }> {
    const loaded = await this.loadModel(kind, version, options.signal);
    if (!loaded) throw new NotFoundError(`model "${kind}" has no version ${version}`, { details: { model: kind, version } });
    const previous = this.versions.servingVersion(kind);
    this.versions.serveLoaded(kind, loaded);
    return previous === undefined ? {} : { previous };
  }

  /**
   * Drops a decoded version from memory once it was deleted from storage; when it is the version
   * serving, the next request resolves the serving version from storage again. A deleted version is
   * then never answered from a cache.
   */
  forgetVersion(kind: string, version: number): void {
    this.versions.forget(kind, version);
  }

  /**
   * Forgets which version serves (all models, or `kind`), so the next request resolves it from
   * storage again: for when another process activated or trained a version. Decoded versions stay
   * cached, so nothing is decoded again unless the answer changed.
   */
  invalidate(kind?: string): void {
    this.versions.invalidate(kind);
  }

  /**
   * A number that changes whenever the set of versions requests are answered with may have changed
   * (a version resolved, swapped, forgotten or invalidated): caches of answers key on it.
   */
  get servingEpoch(): number {
    return this.versions.epoch;
  }

  /** The model used when a request names none. */
  async resolveModelName(requested?: string, signal?: AbortSignal): Promise<string | undefined> {
    if (requested !== undefined) {
      if (!isModelKind(requested)) throw new ValidationError(`unknown model "${requested}"; known models: ${MODEL_KINDS.join(', ')}`, { details: { model: requested } });
      return requested;
    }
    const names: string[] = (await this.storage.models.names({ signal })).filter(isModelKind);
    const preferred = this.options.defaultModel ?? 'ease';
    if (names.includes(preferred)) return preferred;
    let newest: { name: string; at: number } | undefined;
    for (const name of names) {
      const v = (await this.storage.models.versions(name, { signal }))[0];
      if (v && (!newest || v.createdAt > newest.at)) newest = { name, at: v.createdAt };
    }
    return newest?.name;
  }

  /**
   * Top-k items for `userId`. Items the user already interacted with are left out unless asked; an
   * unknown user or one without usable history gets the popularity list, not an error. A user whose
   * events arrived after training is scored from the live history (fold-in).
   */
  async recommend(userId: string, options: RecommendOptions = {}): Promise<Recommendations> {
    const k = checkK(options.k ?? 10);
    const { signal } = options;
    const history = await this.userHistory(userId, signal);
    const name = await this.resolveModelName(options.model, signal);
    const loaded = name === undefined ? undefined : await this.loadModel(name, undefined, signal);
    if (options.model !== undefined && !loaded) throw new NotFoundError(`model "${options.model}" has no trained version; train it first`, { details: { model: options.model } });
    const excludeIds = new Set(options.exclude ?? []);
    if (!options.includeSeen) for (const e of history) if (marksSeen(e) && e.itemId !== undefined) excludeIds.add(e.itemId);

    if (!loaded) {
      const items = await this.livePopularity(k, excludeIds, signal);
      return { userId, modelVersion: 'popularity@live', fallback: 'no trained model', items };
    }
    const { trained, version } = loaded;
    const { items: dict } = trained;
    const query = userQuery(trained, userId, history, this.feedback, trained.model instanceof SemanticModel, this.recencyHalfLifeMs());
    let scores = new Float32Array(dict.size);
    let source = trained.model.kind;
    let fallback: string | undefined;
    if (!query.values.some((v) => v > 0)) {
      scores = trained.itemCounts.slice();
      source = 'popularity';
      fallback = trained.users.has(userId) || history.length > 0 ? 'no usable history' : 'unknown user';
    } else {
      if (trained.model instanceof SemanticModel && this.options.encoder) {
        const tv = await this.historyTextVector(userId, history);
        if (tv.vector) query.textVector = tv.vector;
      }
      this.scoreQuery(trained.model, query, scores);
    }
    const ranked = await this.rankAndFilter(scores, dict, k, excludeIds, signal);
    const out: Recommendations = {
      userId,
      modelVersion: `${trained.model.kind}@${version}`,
      items: ranked.map((r) => ({ ...r, sources: [source] })),
    };
    if (fallback) out.fallback = fallback;
    return out;
  }

  /** The feedback policy that turns this engine's events into training signal. */
  feedbackPolicy(): FeedbackPolicy {
    return this.feedback;
  }

  /** True when a text encoder is configured (language-model features are available). */
  hasEncoder(): boolean {
    return this.options.encoder !== undefined;
  }

  /**
   * Scores every item of model `kind` (the served version) for `userId` with `history` — the same
   * scoring as {@link Engine.recommend}: the stored row when nothing happened since training, else
   * the live history folded in. `usable` is false (and the scores all zero) when the history holds
   * no positive feedback on the model's items. Undefined when the model has no trained version.
   */
  async scoreUser(kind: string, userId: string, history: readonly StoredEvent[], options: { signal?: AbortSignal } = {}): Promise<UserScores | undefined> {
    const loaded = await this.loadModel(kind, undefined, options.signal);
    if (!loaded) return undefined;
    const { trained, version } = loaded;
    const semantic = trained.model instanceof SemanticModel;
    const query = userQuery(trained, userId, history, this.feedback, semantic, this.recencyHalfLifeMs());
    const scores = new Float32Array(trained.items.size);
    const usable = query.values.some((v) => v > 0);
    let complete = true;
    if (usable) {
      if (semantic && this.options.encoder) {
        const tv = await this.historyTextVector(userId, history);
        if (tv.vector) query.textVector = tv.vector;
        complete = tv.ready;
      }
      this.scoreQuery(trained.model, query, scores);
    }
    return { model: kind, version, items: trained.items, scores, usable, complete, trained };
  }

  /**
   * The `k` best items of model `kind` for `userId` with `history`, leaving out `seen` ids: what
   * {@link Engine.scoreUser} followed by a top-k gives, but a model with a retrieval index (the
   * semantic model over a large catalogue) answers from it without scoring every item exactly.
   */
  async retrieveForUser(kind: string, userId: string, history: readonly StoredEvent[], k: number, seen: Iterable<string>, options: { signal?: AbortSignal } = {}): Promise<UserCandidates | undefined> {
    const loaded = await this.loadModel(kind, undefined, options.signal);
    if (!loaded) return undefined;
    const { trained, version } = loaded;
    const model = trained.model;
    const semantic = model instanceof SemanticModel;
    const query = userQuery(trained, userId, history, this.feedback, semantic, this.recencyHalfLifeMs());
    const usable = query.values.some((v) => v > 0);
    if (!usable) return { model: kind, version, items: trained.items, indices: new Int32Array(0), scores: new Float32Array(0), usable, complete: true };
    let complete = true;
    if (semantic && this.options.encoder) {
      const tv = await this.historyTextVector(userId, history);
      if (tv.vector) query.textVector = tv.vector;
      complete = tv.ready;
    }
    // A model with a retrieval index answers from it (recency weights reach it through the query's
    // values, except for the item-linear models, which are scored bucket by bucket).
    const indexed = (model as { indexed?: boolean }).indexed === true && (semantic || this.recencyHalfLifeMs() === undefined || !ITEM_LINEAR_KINDS.has(model.kind));
    if (indexed && model.retrieve) {
      const excluded = (): Int32Array => {
        const at = new Set<number>();
        for (const id of seen) {
          const i = trained.items.indexOf(id);
          if (i >= 0) at.add(i);
        }
        return Int32Array.from(at);
      };
      const retrieved = await this.versions.retrieveOnThread(kind, version, query, k, excluded);
      if (retrieved) return { model: kind, version, items: trained.items, indices: retrieved.indices, scores: retrieved.scores, usable, complete };
    }
    // From here on nothing awaits, so this version's scratch buffers serve one request at a time.
    const scratch = this.versions.scratchOf(trained);
    const marked: number[] = [];
    for (const id of seen) {
      const i = trained.items.indexOf(id);
      if (i >= 0 && scratch.mask[i] === 0) {
        scratch.mask[i] = 1;
        marked.push(i);
      }
    }
    try {
      const retrieved = indexed && model.retrieve ? model.retrieve(query, k, scratch.mask) : undefined;
      if (retrieved) return { model: kind, version, items: trained.items, indices: retrieved.indices, scores: retrieved.scores, usable, complete };
      this.scoreQuery(model, query, scratch.scores);
      const top = topK(scratch.scores, k, scratch.mask);
      return { model: kind, version, items: trained.items, indices: top.indices, scores: top.scores, usable, complete };
    } finally {
      for (const i of marked) scratch.mask[i] = 0;
    }
  }

  /** The k items most similar to `itemId` under a model; NotFoundError when the item is unknown. */
  async similarItems(itemId: string, options: { k?: number; model?: string; signal?: AbortSignal } = {}): Promise<{ itemId: string; modelVersion: string; items: RecommendedItem[] }> {
    const k = checkK(options.k ?? 10);
    const { signal } = options;
    const item = await this.storage.items.get(itemId, { signal });
    const name = await this.resolveModelName(options.model, signal);
    const loaded = name === undefined ? undefined : await this.loadModel(name, undefined, signal);
    const idx = loaded ? loaded.trained.items.indexOf(itemId) : -1;
    if (!item && idx < 0) throw new NotFoundError(`item "${itemId}" not found`, { details: { itemId } });
    if (!loaded) throw new NotFoundError('no trained model: train one before asking for similar items', { details: { itemId } });
    const { trained, version } = loaded;
    const modelVersion = `${trained.model.kind}@${version}`;
    if (idx < 0) {
      // Known item without interactions: nothing collaborative to go on.
      return { itemId, modelVersion, items: [] };
    }
    const scores = new Float32Array(trained.items.size);
    trained.model.similarItems(idx, scores);
    const ranked = await this.rankAndFilter(scores, trained.items, k, new Set([itemId]), signal);
    return { itemId, modelVersion, items: ranked.filter((r) => r.score > 0).map((r) => ({ ...r, sources: [trained.model.kind] })) };
  }

  /**
   * The user's history text vector: read from memory when `historyText` is `background` (queued
   * for encoding when missing, so a request never waits for an encoder), encoded now when `inline`.
   */
  private async historyTextVector(userId: string, history: readonly StoredEvent[]): Promise<{ vector: Float32Array | undefined; ready: boolean }> {
    if ((this.options.historyText ?? 'inline') === 'background') return this.historyTexts.peek(userId, history);
    return { vector: await this.historyTexts.get(userId, history), ready: true };
  }

  /** Most recent events of a user read per request (see {@link EngineOptions.historyLimit}). */
  historyLimit(): number {
    return this.options.historyLimit ?? DEFAULT_HISTORY_LIMIT;
  }

  /** The user's latest events in time order, at most `historyLimit` of them. */
  async userHistory(userId: string, signal?: AbortSignal): Promise<StoredEvent[]> {
    return this.storage.events.forUser(userId, { signal, limit: this.options.historyLimit ?? DEFAULT_HISTORY_LIMIT });
  }

  /** History texts queued or being encoded now (see `historyText: 'background'`). */
  get historyTextsPending(): number {
    return this.historyTexts.pending;
  }

  /** Resolves when queued history-text encodings have finished (tests and benchmarks). */
  async historyTextsIdle(): Promise<void> {
    await this.historyTexts.idle();
  }

  /** Drops what the engine holds in memory about a deleted user. */
  forgetUser(userId: string): void {
    this.historyTexts.forget(userId);
  }

  /** Drops what the engine holds in memory about every user (users deleted by another process, unnamed). */
  forgetAllUsers(): void {
    this.historyTexts.clear();
  }

  /** The encoded verbalised history of a user (cached by text). */
  private async historyVector(history: readonly StoredEvent[], signal?: AbortSignal): Promise<Float32Array | undefined> {
    const ids = [...new Set(history.map((e) => e.itemId).filter((id): id is string => id !== undefined))];
    const items = new Map((await this.storage.items.getMany(ids, { signal })).map((it) => [it.id, it]));
    const text = this.verbalizer.history(history, items);
    if (!text) return undefined;
    return this.encoder().encode([text], { signal });
  }

  /**
   * Answers a natural-language request ("a heist movie with a twist") from the semantic model: the
   * request is encoded and items are ranked by similarity to it, blended with the user's interests
   * when a user is given (whose known items are then left out). Each item says why it matches (see
   * `explainQueryMatch`): the request's words its title, genres/tags or description share, and with
   * a user the liked item closest to it in the same text space.
   */
  async query(text: string, options: QueryOptions = {}): Promise<Omit<Recommendations, 'items'> & { query: string; items: QueryItem[] }> {
    const k = checkK(options.k ?? 10);
    const { signal } = options;
    if (typeof text !== 'string' || text.trim() === '') throw new ValidationError('query text must be a non-empty string', { details: { field: 'text' } });
    const loaded = await this.loadModel('semantic', undefined, signal);
    if (!loaded || !(loaded.trained.model instanceof SemanticModel)) {
      throw new NotFoundError('natural-language queries need a trained semantic model: run `lmrec embed` then `lmrec train semantic`', { details: { model: 'semantic' } });
    }
    const { trained, version } = loaded;
    const model = trained.model as SemanticModel;
    const [q] = [await this.encoder().encode([text], { signal })];
    const vector = Float32Array.from(q);
    const exclude = new Set(options.exclude ?? []);
    let liked: Int32Array = new Int32Array(0);
    if (options.userId !== undefined) {
      const history = await this.userHistory(options.userId, signal);
      for (const e of history) if (marksSeen(e) && e.itemId !== undefined) exclude.add(e.itemId);
      const uq = userQuery(trained, options.userId, history, this.feedback, true, this.recencyHalfLifeMs());
      liked = uq.items.filter((_, j) => uq.values[j] > 0).slice(-100);
      if (uq.items.length > 0) {
        // The request leads; the user's taste breaks ties among matching items.
        const interest = model.interest(uq);
        for (let d = 0; d < vector.length; d++) vector[d] = 0.8 * vector[d] + 0.2 * interest[d];
      }
    }
    const scores = new Float32Array(trained.items.size);
    model.scoreVector(vector, scores);
    const ranked = await this.rankAndFilter(scores, trained.items, k, exclude, signal);
    const ids = [...new Set([...ranked.map((r) => r.id), ...Array.from(liked, (i) => trained.items.idAt(i))])];
    const records = new Map((await this.storage.items.getMany(ids, { signal })).map((it) => [it.id, it]));
    const { vectors, dim } = model.itemVectors;
    /** The liked item whose (unit) text vector is closest to `id`'s, if any is close. */
    const closest = (id: string): QueryBecause | undefined => {
      const i = trained.items.indexOf(id);
      let best: QueryBecause | undefined;
      for (const j of liked) {
        if (j === i) continue;
        let c = 0;
        for (let d = 0; d < dim; d++) c += vectors[i * dim + d] * vectors[j * dim + d];
        if (c > 0 && (!best || c > best.similarity)) {
          const itemId = trained.items.idAt(j);
          best = { itemId, title: records.get(itemId)?.title ?? itemId, similarity: Math.round(c * 1e4) / 1e4 };
        }
      }
      return best;
    };
    return {
      query: text,
      userId: options.userId ?? '',
      modelVersion: `semantic@${version}`,
      items: ranked.map((r) => ({ ...r, sources: ['semantic'], explanation: explainQueryMatch(text, records.get(r.id), closest(r.id), r.score) })),
    };
  }

  private async rankAndFilter(
    scores: Float32Array,
    dict: TrainedModel['items'],
    k: number,
    exclude: ReadonlySet<string>,
    signal?: AbortSignal,
  ): Promise<Omit<RecommendedItem, 'sources'>[]> {
    const mask = new Uint8Array(dict.size);
    for (const id of exclude) {
      const i = dict.indexOf(id);
      if (i >= 0) mask[i] = 1;
    }
    // Over-fetch so that items removed from the catalogue or unavailable can be dropped.
    const out: Omit<RecommendedItem, 'sources'>[] = [];
    let want = k;
    for (let round = 0; round < 4 && out.length < k; round++) {
      want = Math.min(dict.size, want * 2 + 10);
      const top = topK(scores, want, mask);
      const ids = Array.from(top.indices, (i) => dict.idAt(i));
      const items = new Map((await this.storage.items.getMany(ids, { signal })).map((it) => [it.id, it]));
      out.length = 0;
      for (let r = 0; r < ids.length && out.length < k; r++) {
        const it = items.get(ids[r]);
        if (it && it.available === false) continue;
        const row: Omit<RecommendedItem, 'sources'> = { id: ids[r], score: top.scores[r] };
        if (it) row.title = it.title;
        out.push(row);
      }
      if (top.indices.length < want) break;
    }
    return out;
  }

  /**
   * Popularity over the stored events, for when no model is trained. Counted once per state of the
   * event log, not per request: a request reads the counts of the latest finished count, and a newer
   * event log starts one count in the background (one at a time); only the very first request waits.
   */
  private async livePopularity(k: number, exclude: ReadonlySet<string>, signal?: AbortSignal): Promise<RecommendedItem[]> {
    const lastSeq = await this.storage.events.lastSeq({ signal });
    if (this.livePop?.lastSeq !== lastSeq) {
      const counting = (this.livePopCounting ??= this.countPopularity(lastSeq).finally(() => (this.livePopCounting = undefined)));
      if (this.livePop === undefined) await counting;
      else counting.catch((error: unknown) => this.options.logger?.log('warn', 'counting live popularity failed', { error: String(error) }));
    }
    const held = this.livePop;
    if (held === undefined) return [];
    const ranked = await this.rankAndFilter(held.scores, held.items, k, exclude, signal);
    return ranked.map((r) => ({ ...r, sources: ['popularity'] }));
  }

  private livePop: { lastSeq: number; scores: Float32Array; items: TrainedModel['items'] } | undefined;
  private livePopCounting: Promise<void> | undefined;

  private async countPopularity(lastSeq: number): Promise<void> {
    const { log } = await this.trainingData({ yieldBetweenPages: true });
    const pop = new PopularityModel();
    await pop.fit(csrFromCoo(log.users.size, log.items.size, log.userIdx, log.itemIdx, null, 'max'));
    const scores = new Float32Array(log.items.size);
    pop.score({ userIdx: -1, items: new Int32Array(0), values: new Float32Array(0) }, scores);
    if (this.livePop === undefined || this.livePop.lastSeq < lastSeq) this.livePop = { lastSeq, scores, items: log.items };
  }

  /** Closes the storage. */
  async close(): Promise<void> {
    await this.versions.close();
    await this.options.encoder?.close();
    await this.storage.close();
  }
}

function checkK(k: number): number {
  if (!Number.isInteger(k) || k < 1 || k > MAX_K) throw new ValidationError(`k must be an integer between 1 and ${MAX_K}, got ${k}`, { details: { field: 'k', value: k } });
  return k;
}

/**
 * The model query for a user: the stored row when nothing happened since training, otherwise the
 * live positive history with userIdx −1 so that factor models fold it in. With a recency half-life
 * every event's weight decays with its age before the user's latest event, and the weighted history
 * is always folded in.
 */
function userQuery(trained: TrainedModel, userId: string, history: readonly StoredEvent[], policy: FeedbackPolicy, withNegatives = false, halfLifeMs?: number): UserQuery {
  const weights = new Map<number, number>();
  let newer = halfLifeMs !== undefined;
  let latest = -Infinity;
  for (const e of history) latest = Math.max(latest, e.timestamp);
  for (const e of history) {
    if (e.seq > trained.dataSeq) newer = true;
    if (e.itemId === undefined) continue;
    const i = trained.items.indexOf(e.itemId);
    if (i < 0) continue;
    const w = feedbackWeight(e, policy) * recencyWeight(latest - e.timestamp, halfLifeMs);
    if (w > 0) weights.set(i, Math.max(weights.get(i) ?? 0, w));
    else if (withNegatives && isNegative(e, policy) && !weights.has(i)) weights.set(i, -NEGATIVE_WEIGHT);
  }
  const items = Int32Array.from(weights.keys()).sort();
  const values = new Float32Array(items.length);
  items.forEach((i, k) => (values[k] = weights.get(i) ?? 0));
  const known = trained.users.indexOf(userId);
  return { userIdx: newer || withNegatives ? -1 : known, items, values, sequence: positiveSequence(trained, history, policy) };
}

/** Positive history items in time order (ties by event seq), for sequence models. */
function positiveSequence(trained: TrainedModel, history: readonly StoredEvent[], policy: FeedbackPolicy): Int32Array {
  const ordered = history.filter((e) => e.itemId !== undefined && feedbackWeight(e, policy) > 0).sort((a, b) => a.timestamp - b.timestamp || a.seq - b.seq);
  const out: number[] = [];
  for (const e of ordered) {
    const i = e.itemId === undefined ? -1 : trained.items.indexOf(e.itemId);
    if (i >= 0) out.push(i);
  }
  return Int32Array.from(out);
}

/** How strongly a dislike pulls a text-space interest vector away, relative to a like. */
const NEGATIVE_WEIGHT = 0.5;

function isNegative(e: StoredEvent, policy: FeedbackPolicy): boolean {
  return isNegativeFeedback(e, policy);
}

/**
 * Most characters of one text sent to an encoder. Sentence encoders read a few hundred tokens at
 * most, and their cost grows with the length: a longer text (a 64,000-character title) is cut here,
 * at a word boundary when one is near, rather than stalling the encoder.
 */
export const MAX_ENCODED_CHARS = 2_000;

/** `text` cut to {@link MAX_ENCODED_CHARS}. */
export function clipForEncoder(text: string): string {
  if (text.length <= MAX_ENCODED_CHARS) return text;
  const cut = text.slice(0, MAX_ENCODED_CHARS);
  const space = cut.lastIndexOf(' ');
  return space > MAX_ENCODED_CHARS * 0.8 ? cut.slice(0, space) : cut;
}
