/**
 * The per-request recommendation pipeline: user state (stored history + live session) → candidate
 * sources (every trained model, trending, popularity, fresh items, session; plus any extra source
 * such as a sequential model) → learned ranker over the sources' scores and item features →
 * re-rank stages (exclusions, business rules, freshness, long tail, MMR diversity) → explanations.
 *
 * An event changes the user's next list at once: the live history is folded into every model, the
 * item is excluded, and the session source proposes its neighbours. Unknown users get trending and
 * popular items, never an error.
 *
 * @example
 * const pipeline = await createPipeline(engine, { freshness: { weight: 0.2 } });
 * const recs = await pipeline.recommend('42', { k: 10, filters: { genres: 'Comedy' } });
 * recs.items[0].explanation?.sentence; // "Because you liked Heat (1995) and … (liked by the same people); popular this week."
 * @module
 */
import { ValidationError, throwIfAborted } from '../core/errors.js';
import { silentLogger } from '../core/logger.js';
import type { Logger } from '../core/logger.js';
import type { Attributes, Event, Item, StoredEvent } from '../core/types.js';
import type { Engine } from '../engine/engine.js';
import type { ChatModel } from '../llm/chat-model.js';
import { llmExplain } from '../llm/llm-explain.js';
import type { ExplainInput } from '../llm/llm-explain.js';
import { llmRerank } from '../llm/llm-rerank.js';
import type { RerankOutcome } from '../llm/llm-rerank.js';
import { truncateText } from '../text/verbalizer.js';
import { applyBusinessRules } from './business-rules.js';
import type { AttributeBoost, AttributeFilter } from './business-rules.js';
import type { Candidate, CandidateSource, SourceOutput } from './candidate-source.js';
import { excludeItems } from './exclude-items.js';
import { TEXT_SOURCES, UNPERSONAL_SOURCES, explainItems, facetProfile } from './explain-item.js';
import type { Explanation, SimilarityKind } from './explain-item.js';
import { createFreshSource } from './fresh-source.js';
import { boostFreshness } from './freshness-boost.js';
import type { FreshnessOptions } from './freshness-boost.js';
import { attributeSimilarity, itemFacets, modelSimilarity, textSimilarity } from './item-similarity.js';
import { LearnedRanker } from './learned-ranker.js';
import { placeByText } from './place-by-text.js';
import { ItemCache } from './item-cache.js';
import { LiveItemSignals } from './live-item-signals.js';
import { LiveSessions } from './live-sessions.js';
import { UserHistoryCache } from './user-history-cache.js';
import type { LiveSessionsOptions } from './live-sessions.js';
import { enforceTailQuota, longTailExposure } from './long-tail-exposure.js';
import type { LongTailOptions } from './long-tail-exposure.js';
import { mmrDiversify } from './mmr-diversify.js';
import type { ItemSimilarity } from './mmr-diversify.js';
import { createModelSource } from './model-source.js';
import { buildFeatureRows } from './ranker-features.js';
import { ServedListCache } from './served-list-cache.js';
import { BackgroundRefresher } from './background-refresher.js';
import type { ServedListCacheOptions } from './served-list-cache.js';
import { servedScores } from './served-scores.js';
import type { ScoredItem } from './scored-item.js';
import { sortByScore } from './scored-item.js';
import { SEQUENTIAL_SOURCE_MODELS, createSequentialSource } from './sequential-source.js';
import type { ServingRules } from './serving-rules.js';
import { createSessionSource } from './session-source.js';
import { TextVectors, cosine, interestKey } from './text-vectors.js';
import { engineModelSpecs } from './train-ranker.js';
import { createTrendingSource } from './trending-source.js';
import type { TrendingTopic, TrendingTopicsOptions } from './trending-topics.js';
import { buildUserState, historyStamp, mergeLiveEvents } from './user-state.js';

/** Options of {@link createPipeline}. */
export interface PipelineOptions {
  /** Engine models used as sources (default: every trained model except `pop` and `random`). */
  models?: readonly string[];
  /** Extra sources (e.g. a sequential model), added after the built-in ones. */
  sources?: readonly CandidateSource[];
  /** Candidates requested from each source (default 100). */
  candidatesPerSource?: number;
  /** Trending half-life in ms (default 7 days). */
  trendingHalfLifeMs?: number;
  /** Trending topics (short vs baseline half-lives, topic attributes); `false` turns them off. */
  trendingTopics?: false | Omit<TrendingTopicsOptions, 'policy'>;
  /**
   * Half-life of a user's interests in ms for the pipeline's own use of the history (the fresh
   * source's text interest); default the engine's `recency`, which model sources use. `Infinity` = off.
   */
  recencyHalfLifeMs?: number;
  /** Built-in sources to leave out by name (e.g. `['trending']` to measure what it adds). */
  omitSources?: readonly string[];
  /** Session window in ms (default 30 minutes). */
  sessionWindowMs?: number;
  /** At most this many latest events form the session (default 10). */
  sessionMaxEvents?: number;
  /**
   * The ranker: a trained one, `stored` (the latest stored `ranker` version; default) or `none`.
   * Without a ranker the lists are merged by reciprocal-rank fusion until one is trained.
   */
  ranker?: LearnedRanker | 'stored' | 'none';
  /** MMR λ (1 = no diversification; default 0.8). */
  diversity?: number;
  /** Similarity for MMR and explanations (default `auto`: item-kNN model, else text, else attributes). */
  similarity?: 'auto' | 'model' | 'text' | 'attributes';
  /** Long-tail exposure (default none). */
  longTail?: LongTailOptions;
  /** Freshness boost (default weight 0.1, half-life 3 days). */
  freshness?: FreshnessOptions;
  /**
   * How long `observeItems` waits for new items' text to be encoded before returning (default
   * 1,000 ms; 0 = never wait). Encoding goes on in the background either way.
   */
  encodeWaitMs?: number;
  /** Users whose stored history is kept in memory (default 10,000); see `UserHistoryCache`. */
  historyCache?: { capacity?: number; maxCatchUp?: number };
  /**
   * Answers kept per user and reused while nothing they depend on changed, for at most `ttlMs`
   * (default 30 s, 10,000 users; `{ ttlMs: 0 }` = every request computes its list); see `ServedListCache`.
   * Lists with exposure caps in force or with an LLM stage are always computed.
   */
  listCache?: ServedListCacheOptions;
  /** Bounds of the live per-user event buffers (capacity, idle time); see `LiveSessions`. */
  liveSessions?: Omit<LiveSessionsOptions, 'clock' | 'perUser'>;
  /** Blocklists and exposure caps, applied after the business rules (see `serving-rules.ts`). */
  servingRules?: Pick<ServingRules, 'apply'> & Partial<Pick<ServingRules, 'reuseKey'>>;
  /** Generative-model stages (C19): without them, or with them off, lists are the engine's own. */
  llm?: PipelineLlmOptions;
  /** Receives warnings of background work (default silent). */
  logger?: Logger;
  /**
   * The live counts' start from their stored snapshot and the storing of a new one
   * (`signals-snapshot.ts`; `minEvents`: events read beyond it before a new one is stored, default
   * `SNAPSHOT_MIN_EVENTS`). On unless `false`.
   */
  signalsSnapshot?: false | { minEvents?: number };
  /** Clock, ms since epoch (default `Date.now`). */
  clock?: () => number;
  signal?: AbortSignal;
}

/**
 * The pipeline's LLM stages: listwise re-ranking of the top N after the ranker and the re-rank
 * stages, and written explanations; each off unless enabled here or asked for by the request.
 */
export interface PipelineLlmOptions {
  model: ChatModel;
  rerank?: {
    /** On for every request that does not say otherwise (default false). */
    enabled?: boolean;
    /** Candidates re-ranked (default 20; the list keeps its first k). */
    topN?: number;
    strategy?: 'shuffle' | 'window';
    passes?: number;
    window?: number;
    stride?: number;
    /** Past this many ms the ranker's order is served with the reason (default 1,500). */
    budgetMs?: number;
    /** Latest behaviour events verbalised into the prompt (default 20). */
    historyEvents?: number;
  };
  explanations?: { enabled?: boolean; budgetMs?: number };
}

/** What the LLM stages did for one list. */
export interface PipelineLlmReport {
  rerank?: Omit<RerankOutcome, 'order' | 'usage'> & { promptTokens: number; completionTokens: number };
  explanations?: { llm: number; template: number; reason?: string; latencyMs: number; promptVersion: string };
}

/** Options of {@link Pipeline.recommend}. */
export interface PipelineRecommendOptions {
  k?: number;
  /** Keep only items matching every condition (e.g. `{ genres: 'Comedy', price: { max: 20 } }`). */
  filters?: AttributeFilter;
  /** Multiply the scores of matching items. */
  boosts?: readonly AttributeBoost[];
  /** Item ids never to return. */
  exclude?: readonly string[];
  /** Request context (passed to the sources). */
  context?: Attributes;
  /** Attach explanations (default true). */
  includeExplanations?: boolean;
  /** MMR λ for this request (overrides the pipeline's). */
  diversity?: number;
  /** LLM stages for this request (default: the pipeline's `llm` settings); ignored without a model. */
  llm?: { rerank?: boolean; explain?: boolean };
  signal?: AbortSignal;
}

/** One recommended item with its reasons. */
export interface PipelineItem {
  id: string;
  title?: string;
  /**
   * The final re-ranked score relative to this list (see `servedScores`): in [0, 1] and
   * non-increasing down the list, unknown users included. Not comparable across lists.
   */
  score: number;
  /** Sources that proposed it. */
  sources: string[];
  explanation?: Explanation;
}

/** A pipeline answer. */
export interface PipelineRecommendations {
  userId: string;
  /** `pipeline@<ranker>` plus the versions of the sources that answered, e.g. `pipeline@ranker-2[ease@1,trending@live]`. */
  modelVersion: string;
  /** Set for users without history (`unknown user`). */
  fallback?: string;
  items: PipelineItem[];
  /** Present when an LLM stage ran: who ordered the list and wrote the sentences, and why not. */
  llm?: PipelineLlmReport;
}

/** The per-request pipeline. */
export interface Pipeline {
  /**
   * Top-k items for a user, with explanations. A repeated request may get the very object an earlier
   * one got (see `PipelineOptions.listCache`): treat it as read-only.
   */
  recommend(userId: string, options?: PipelineRecommendOptions): Promise<PipelineRecommendations>;
  /**
   * Feeds a live event into trending, popularity and the user's session (append it to storage too).
   * An event storage already holds (one with a `seq`, as the server passes them) is read back with the
   * user's history on the next request, so only events without one are kept in the live buffer.
   */
  observe(event: Event | StoredEvent): void;
  /** Users with events in the live buffer now (events observed that storage does not hold). */
  readonly liveUsers: number;
  /**
   * Makes new or changed items known at once (item cache, fresh source) and queues their text for
   * encoding (when an encoder is configured), waiting at most `encodeWaitMs` for it.
   */
  observeItems(items: readonly Item[], options?: { signal?: AbortSignal }): Promise<void>;
  /** Items whose text is still being encoded. */
  readonly pendingEncodings: number;
  /**
   * Drops everything the pipeline holds about a deleted user: their live session, and their share of
   * the trending and popularity counts. With `events`, the user's events storage deleted, those are
   * taken out of the counts (`LiveItemSignals.forget`: the user's events, and for the items first
   * seen in one of them, those items' events); without them, or when they cannot be taken out
   * exactly, the counts are rebuilt from every stored event.
   */
  forgetUser(userId: string, options?: { signal?: AbortSignal; events?: readonly Event[] }): Promise<void>;
  /**
   * Drops what the pipeline holds per user — live sessions, held histories, history vectors — and
   * rebuilds trending and popularity from storage: after another process deleted users (the erasure
   * log does not name them). What is dropped is read again from storage when a request needs it.
   */
  forgetHeldUsers(options?: { signal?: AbortSignal }): Promise<void>;
  /**
   * Drops what the pipeline holds of events older than `timestamp` after storage deleted them
   * (retention): held histories lose them, and trending and popularity are read again from storage.
   */
  forgetEventsBefore(timestamp: number, options?: { signal?: AbortSignal }): Promise<void>;
  /** Drops deleted items from the pipeline's in-memory catalogue, so they are never served again. */
  forgetItems(itemIds: readonly string[]): void;
  /** Re-resolves the model sources and the stored ranker (after training). */
  reload(options?: { signal?: AbortSignal }): Promise<void>;
  /** The most trending catalogue items now (time-decayed counts), available ones only. */
  trendingItems(k?: number, options?: { signal?: AbortSignal }): Promise<TrendingItem[]>;
  /** The topics (genres, categories, tags) bursting now, each with its hottest items. */
  trendingTopics(k?: number, options?: { itemsPerTopic?: number; signal?: AbortSignal }): Promise<TrendingTopicAnswer[]>;
  /** Names of the sources in use. */
  readonly sourceNames: readonly string[];
  /** Label of the ranker in use (`ranker-<version>`, `custom`, or `fusion`). */
  readonly rankerLabel: string;
  /** Answers kept for reuse now, look-ups answered from them or not, and renewals, since the start. */
  readonly listCache: PipelineListCacheStats;
}

/** Counters of the kept lists (`Pipeline.listCache`). */
export interface PipelineListCacheStats {
  /** Users with a kept list now. */
  users: number;
  /** Requests answered with a kept list, and those computed. */
  hits: number;
  misses: number;
  /** Kept lists renewed in the background before they expired. */
  renewed: number;
  /** Renewals not done (the queue was full, or the computation failed): those lists are computed on request. */
  renewalsDropped: number;
}

/** A trending item with its title. */
export interface TrendingItem {
  id: string;
  title?: string;
  /** Decayed count of positive events at the request time. */
  score: number;
}

/** A trending topic with its items' titles. */
export interface TrendingTopicAnswer extends Omit<TrendingTopic, 'items'> {
  items: TrendingItem[];
}

const MAX_K = 1000;
const DEFAULT_ENCODE_WAIT_MS = 1_000;
const LIVE_PER_USER = 50;
/** Items younger than this (by `createdAt`, else first event) are explained as new arrivals. */
const NEW_ARRIVAL_MS = 30 * 24 * 3600 * 1000;
/** Items younger than this that no model knows yet are placed by their text (`placeByText`). */
const FRESH_PLACEMENT_MS = 7 * 86_400_000;

/** Creates the pipeline and reads trending, popularity and item ages from storage once. */
export async function createPipeline(engine: Engine, options: PipelineOptions = {}): Promise<Pipeline> {
  const policy = engine.feedbackPolicy();
  const clock = options.clock ?? Date.now;
  const signalOptions = { policy, trendingHalfLifeMs: options.trendingHalfLifeMs, topics: options.trendingTopics === false ? false : (options.trendingTopics ?? true) };
  const itemCache = new ItemCache(engine.storage);
  const snapshot = options.signalsSnapshot === false ? undefined : { ...options.signalsSnapshot, onError: (error: unknown) => (options.logger ?? silentLogger).log('warn', 'storing the snapshot of the live counts failed; the next start reads every event', { error: String(error) }) };
  let signals = new LiveItemSignals(signalOptions);
  const loaded = await signals.load(engine.storage, { signal: options.signal, snapshot });
  if (loaded.snapshot !== 'off') (options.logger ?? silentLogger).log('info', `live counts loaded: ${loaded.snapshot === 'used' ? 'from their snapshot and ' : ''}${loaded.eventsRead} events read`, { snapshot: loaded.snapshot, eventsRead: loaded.eventsRead });
  const recencyHalfLifeMs = options.recencyHalfLifeMs ?? engine.recencyHalfLifeMs();
  const omitted = new Set(options.omitSources ?? []);
  const textVectors = engine.hasEncoder() ? new TextVectors(engine) : undefined;
  const histories = new UserHistoryCache(engine.storage, { historyLimit: engine.historyLimit(), read: (id, signal) => engine.userHistory(id, signal), ...options.historyCache });
  const live = new LiveSessions({ perUser: LIVE_PER_USER, clock, ...options.liveSessions });
  const perSource = options.candidatesPerSource ?? 100;
  const answers = new ServedListCache<PipelineRecommendations>(options.listCache);
  const renewals = new BackgroundRefresher({
    onError: (_userId, error) => (options.logger ?? silentLogger).log('warn', 'renewing a kept list failed; it is computed on request when it expires', { error: String(error) }),
  });
  let sources: CandidateSource[] = [];
  let ranker: LearnedRanker | undefined;
  let rankerLabel = 'fusion';

  async function reload(o: { signal?: AbortSignal } = {}): Promise<void> {
    const kinds = (options.models ?? (await engineModelSpecs(engine, o.signal)).map((m) => m.kind)).filter((kind) => !SEQUENTIAL_SOURCE_MODELS.includes(kind));
    // Each source's serving version is decoded now, before the pipeline answers, not by its first request.
    for (const kind of kinds) await engine.loadModel(kind, undefined, o.signal);
    const sequenceKinds: string[] = [];
    for (const kind of SEQUENTIAL_SOURCE_MODELS) if (await engine.loadModel(kind, undefined, o.signal)) sequenceKinds.push(kind);
    sources = [
      ...kinds.map((kind) => createModelSource(engine, kind)),
      ...(sequenceKinds.length > 0 ? [createSequentialSource(engine, { models: sequenceKinds })] : []),
      createTrendingSource(signals.popularityCounts, 'popularity'),
      createTrendingSource(signals.trending, 'trending'),
      createSessionSource(engine),
      createFreshSource({ signals, textVectors }),
      ...(options.sources ?? []),
    ].filter((s) => !omitted.has(s.name));
    const wanted = options.ranker ?? 'stored';
    if (wanted instanceof LearnedRanker) {
      ranker = wanted;
      rankerLabel = 'custom';
    } else if (wanted === 'stored') {
      const record = await engine.storage.models.load('ranker', undefined, { signal: o.signal });
      ranker = record ? LearnedRanker.decode(record.payload) : undefined;
      rankerLabel = record ? `ranker-${record.version}` : 'fusion';
    } else {
      ranker = undefined;
      rankerLabel = 'fusion';
    }
    answers.clear();
  }
  await reload({ signal: options.signal });

  /**
   * What a request's answer depends on besides the user's history and time: the request itself, the
   * versions served and the blocklist. Undefined when the answer must be computed every time.
   */
  function reuseKey(k: number, o: PipelineRecommendOptions, llmOn: boolean): string | undefined {
    if (!answers.enabled || llmOn) return undefined;
    const rules = options.servingRules === undefined ? '' : options.servingRules.reuseKey?.();
    if (rules === undefined) return undefined;
    const request = JSON.stringify([k, o.filters ?? null, o.boosts ?? null, o.exclude ?? null, o.context ?? null, o.includeExplanations ?? true, o.diversity ?? null]);
    return `${engine.servingEpoch}|${rules}|${request}`;
  }

  async function recommend(userId: string, o: PipelineRecommendOptions = {}): Promise<PipelineRecommendations> {
    const k = o.k ?? 10;
    if (!Number.isInteger(k) || k < 1 || k > MAX_K) throw new ValidationError(`k must be an integer between 1 and ${MAX_K}, got ${k}`, { details: { field: 'k', value: k } });
    if (typeof userId !== 'string' || userId === '') throw new ValidationError('userId must be a non-empty string', { details: { field: 'userId' } });
    return answerFor(userId, k, o, false);
  }

  /**
   * The list for `userId`: the kept one while it may be reused (its successor computed in the
   * background once it is old enough), else computed now. `renewing` computes it even when one is
   * kept (the background renewal itself).
   */
  async function answerFor(userId: string, k: number, o: PipelineRecommendOptions, renewing: boolean): Promise<PipelineRecommendations> {
    const { signal } = o;
    const now = clock();
    const llm = options.llm;
    const rerankOn = llm !== undefined && (o.llm?.rerank ?? llm.rerank?.enabled ?? false);
    const explainWanted = llm !== undefined && o.includeExplanations !== false && (o.llm?.explain ?? llm.explanations?.enabled ?? false);
    const stored = await histories.get(userId, signal);
    const events = mergeLiveEvents(stored, live.get(userId));
    const requestKey = reuseKey(k, o, rerankOn || explainWanted);
    const key = requestKey === undefined ? undefined : `${requestKey}|${historyStamp(events)}`;
    if (key !== undefined && !renewing) {
      const kept = answers.lookup(userId, key, now);
      if (kept !== undefined) {
        if (kept.refresh) {
          // The renewal outlives this request: it does not take its abort signal.
          const background: PipelineRecommendOptions = { ...o, signal: undefined };
          renewals.enqueue(userId, () => answerFor(userId, k, background, true));
        }
        return kept.value;
      }
    }
    const epoch = answers.currentEpoch;
    const state = buildUserState(userId, events, {
      policy,
      now,
      sessionWindowMs: options.sessionWindowMs,
      sessionMaxEvents: options.sessionMaxEvents,
      recencyHalfLifeMs,
    });
    const request = { userId, state, k: Math.max(perSource, k), now, context: o.context, signal };
    // Sources searched on a retrieval thread (the engine's `retrievalThreads`) start first and run
    // while this thread builds the others, one after the other: a model source scores in a turn of
    // its own (`model-source.ts`), so the requests waiting meanwhile are answered between two
    // sources. (Interleaving this thread's sources of many requests instead delays them all.)
    const offThread = sources.map((s) => (s.runsOffThread?.() === true ? s.generate(request) : undefined));
    for (const p of offThread) p?.catch(() => undefined);
    const outputs: SourceOutput[] = new Array<SourceOutput>(sources.length);
    for (let i = 0; i < sources.length; i++) if (offThread[i] === undefined) outputs[i] = await sources[i].generate(request);
    for (let i = 0; i < sources.length; i++) if (offThread[i] !== undefined) outputs[i] = await (offThread[i] as Promise<SourceOutput>);
    throwIfAborted(signal);
    const lists = new Map<string, Candidate[]>();
    const versions: string[] = [];
    sources.forEach((s, i) => {
      lists.set(s.name, outputs[i].candidates);
      if (outputs[i].candidates.length > 0) versions.push(s.name.includes('@') || outputs[i].version.startsWith(`${s.name}@`) ? outputs[i].version : `${s.name}@${outputs[i].version}`);
    });
    const rankSources = ranker ? [...ranker.sources] : sources.map((s) => s.name);
    const rows = buildFeatureRows(rankSources, lists, { historyLength: state.positives.length, sessionLength: state.session.length, now, signals });
    const n = rows.itemIds.length;
    const scores = new Float32Array(n);
    if (ranker) ranker.score(rows.features, n, scores);
    else {
      const at = new Map(rows.itemIds.map((id, r) => [id, r]));
      for (const list of lists.values()) list.forEach((c, r) => (scores[at.get(c.itemId) as number] += 1 / (60 + r + 1)));
    }
    const historyIds = state.positives.slice(-100);
    const records = await itemCache.getMany([...new Set([...rows.itemIds, ...historyIds])], signal);
    const items = new Map(records.map((it) => [it.id, it]));
    let list: ScoredItem[] = rows.itemIds.map((itemId, r) => {
      const c: ScoredItem = { itemId, score: scores[r], sources: rows.proposedBy[r], sourceScores: rows.sourceScores[r] };
      const item = items.get(itemId);
      if (item) c.item = item;
      return c;
    });
    // Items no longer in the catalogue are not served.
    list = list.filter((c) => c.item !== undefined);
    list = excludeItems(list, state.seen, new Set(o.exclude ?? []));
    list = applyBusinessRules(list, { filters: o.filters, boosts: o.boosts });
    if (options.servingRules) list = options.servingRules.apply(list, k);
    list = await placeFreshByText(list, state, signal);
    list = boostFreshness(list, (id) => signals.ageMs(id, now), options.freshness ?? { weight: 0.1 });
    list = longTailExposure(list, k, (id) => signals.isTail(id), { boost: options.longTail?.boost ?? 0 });
    const lambda = o.diversity ?? options.diversity ?? 0.8;
    const topN = llm?.rerank?.topN ?? 20;
    // With LLM re-ranking the stages pick the ranker's top N (greedy MMR: its first k are the same).
    const pick = rerankOn ? Math.max(k, topN) : k;
    const { similarity, kind } = await chooseSimilarity(options.similarity ?? 'auto', items, [...list.slice(0, Math.max(3 * k, pick)).map((c) => c.itemId), ...historyIds], signal);
    // The window is the one of k alone, so a re-rank that falls back serves the very list it would have.
    const window = list.slice(0, Math.max(3 * k, k + 20, pick));
    let chosen = lambda < 1 ? mmrDiversify(window, pick, similarity, lambda) : list.slice(0, pick);
    if ((options.longTail?.minShare ?? 0) > 0) {
      const picked = new Set(chosen.map((c) => c.itemId));
      chosen = enforceTailQuota([...chosen, ...sortByScore(list.filter((c) => !picked.has(c.itemId)))], pick, (id) => signals.isTail(id), options.longTail?.minShare ?? 0).slice(0, pick);
    }
    const report: PipelineLlmReport = {};
    if (rerankOn && llm !== undefined) {
      const outcome = await rerankWithLlm(llm, chosen.slice(0, topN), state, items, signal);
      const { order, usage, ...rest } = outcome;
      report.rerank = { ...rest, promptTokens: usage.promptTokens, completionTokens: usage.completionTokens };
      if (outcome.provenance === 'llm') {
        const byId = new Map(chosen.map((c) => [c.itemId, c]));
        chosen = [...order.map((id) => byId.get(id) as ScoredItem), ...chosen.slice(topN)];
      }
    }
    chosen = chosen.slice(0, k);
    // The served score is the final re-ranked one, in [0, 1] and non-increasing down the list.
    const served = servedScores(chosen, window, similarity, lambda);
    const explanations = o.includeExplanations === false ? undefined : await explain(chosen, historyIds, items, { similarity, kind }, now, signal);
    const explainOn = explanations !== undefined && llm !== undefined && (o.llm?.explain ?? llm.explanations?.enabled ?? false);
    if (explainOn && llm !== undefined && explanations !== undefined) {
      const written = await writeExplanations(llm, chosen, explanations, items, signal);
      written.sentences.forEach((w, i) => {
        explanations[i] = { ...explanations[i], sentence: w.sentence, provenance: w.provenance };
      });
      report.explanations = {
        llm: written.sentences.filter((w) => w.provenance === 'llm').length,
        template: written.sentences.filter((w) => w.provenance === 'template').length,
        ...(written.reason === undefined ? {} : { reason: written.reason }),
        latencyMs: written.latencyMs,
        promptVersion: written.promptVersion,
      };
    }
    const out: PipelineItem[] = chosen.map((c, i) => {
      const row: PipelineItem = { id: c.itemId, score: served[i], sources: c.sources };
      if (c.item) row.title = c.item.title;
      if (explanations) row.explanation = explanations[i];
      return row;
    });
    // The order's provenance is part of the served version, so impressions (and CTR) tell them apart.
    const llmOrdered = report.rerank?.provenance === 'llm' ? '+llm-rerank' : '';
    const answer: PipelineRecommendations = { userId, modelVersion: `pipeline@${rankerLabel}[${versions.join(',')}]${llmOrdered}`, items: out };
    if (state.events.length === 0) answer.fallback = 'unknown user';
    if (report.rerank !== undefined || report.explanations !== undefined) answer.llm = report;
    if (key !== undefined && !outputs.some((out) => out.partial === true)) answers.set(userId, key, answer, now, epoch);
    return answer;
  }

  /** The LLM re-rank stage over `top` (the ranker's order after the re-rank stages). */
  async function rerankWithLlm(llm: PipelineLlmOptions, top: readonly ScoredItem[], state: ReturnType<typeof buildUserState>, items: Map<string, Item>, signal?: AbortSignal): Promise<RerankOutcome> {
    const recent = state.events.slice(-(llm.rerank?.historyEvents ?? 20));
    const missing = [...new Set(recent.map((e) => e.itemId).filter((id): id is string => id !== undefined && !items.has(id)))];
    if (missing.length > 0) for (const it of await itemCache.getMany(missing, signal)) items.set(it.id, it);
    const history = recent.length === 0 ? '' : engine.verbalizer.history(recent, items, { maxEvents: recent.length });
    const candidates = top.map((c) => ({ id: c.itemId, description: c.item ? truncateText(engine.verbalizer.item(c.item), 300) : c.itemId }));
    const r = llm.rerank ?? {};
    return llmRerank(llm.model, history, candidates, {
      domain: engine.verbalizer.template.name,
      ...(r.strategy === undefined ? {} : { strategy: r.strategy }),
      ...(r.passes === undefined ? {} : { passes: r.passes }),
      ...(r.window === undefined ? {} : { window: r.window }),
      ...(r.stride === undefined ? {} : { stride: r.stride }),
      ...(r.budgetMs === undefined ? {} : { budgetMs: r.budgetMs }),
      ...(signal === undefined ? {} : { signal }),
    });
  }

  /** Written explanations from the explanation data, checked against it (see `llm/llm-explain.ts`). */
  async function writeExplanations(llm: PipelineLlmOptions, chosen: readonly ScoredItem[], explanations: readonly Explanation[], items: ReadonlyMap<string, Item>, signal?: AbortSignal): ReturnType<typeof llmExplain> {
    const inputs: ExplainInput[] = chosen.map((c, i) => {
      const e = explanations[i];
      const reasons: string[] = [];
      if (c.sources.includes('trending')) reasons.push('popular this week');
      if (c.sources.includes('popularity')) reasons.push('popular with other users');
      if (c.sources.includes('session')) reasons.push('similar to what they just looked at');
      if (c.sources.includes('fresh')) reasons.push('recently added');
      return {
        id: c.itemId,
        title: c.item?.title ?? c.itemId,
        because: e.because.map((b) => b.title),
        becauseIds: e.because.map((b) => b.itemId),
        aspects: e.aspects,
        reasons,
        facets: itemFacets(c.item),
        template: e.sentence,
      };
    });
    const vocabulary = new Set<string>();
    for (const it of items.values()) for (const f of itemFacets(it)) vocabulary.add(f);
    return llmExplain(llm.model, inputs, {
      domain: engine.verbalizer.template.name,
      known: [...items.values()].map((it) => ({ id: it.id, title: it.title })),
      facetVocabulary: vocabulary,
      ...(llm.explanations?.budgetMs === undefined ? {} : { budgetMs: llm.explanations.budgetMs }),
      ...(signal === undefined ? {} : { signal }),
    });
  }

  /** Items only the fresh source proposed (no model knows them) are placed by their text; see `placeByText`. */
  async function placeFreshByText(list: ScoredItem[], state: ReturnType<typeof buildUserState>, signal?: AbortSignal): Promise<ScoredItem[]> {
    const isFresh = (c: ScoredItem): boolean => c.sources.length === 1 && c.sources[0] === 'fresh' && (signals.ageMs(c.itemId, clock()) ?? Infinity) < FRESH_PLACEMENT_MS;
    if (!textVectors || state.positives.length === 0 || !list.some(isFresh)) return list;
    const interest = await textVectors.interest(state.positives, state.negatives, signal, state.recencyWeights, interestKey(state));
    if (!interest) return list;
    const window = [...list].sort((a, b) => b.score - a.score).slice(0, 50);
    const vectors = await textVectors.get([...new Set([...window, ...list.filter(isFresh)].map((c) => c.itemId))], signal);
    return placeByText(list, isFresh, (id) => {
      const v = vectors.get(id);
      return v ? cosine(v, interest) : undefined;
    });
  }

  /**
   * Explanations of the served list: history items picked by the similarity true of each item's
   * sources (text similarity for items only text-based sources proposed), varied across the list.
   */
  async function explain(chosen: readonly ScoredItem[], historyIds: readonly string[], items: ReadonlyMap<string, Item>, basis: TaggedSimilarity, now: number, signal?: AbortSignal): Promise<Explanation[]> {
    const textOnly = (c: ScoredItem): boolean => {
      const personal = c.sources.filter((s) => !UNPERSONAL_SOURCES.includes(s));
      return personal.length > 0 && personal.every((s) => TEXT_SOURCES.includes(s));
    };
    let text: ItemSimilarity | undefined = basis.kind === 'text' ? basis.similarity : undefined;
    if (!text && historyIds.length > 0 && chosen.some(textOnly)) {
      const t = await chooseSimilarity('text', items, [...chosen.map((c) => c.itemId), ...historyIds], signal);
      if (t.kind === 'text') text = t.similarity;
    }
    return explainItems(chosen, {
      positives: historyIds,
      items,
      similarity: basis.similarity,
      similarityKind: basis.kind,
      ...(text ? { textSimilarity: text } : {}),
      profile: facetProfile(historyIds, items),
      isNew: (id) => (signals.ageMs(id, now) ?? Infinity) <= NEW_ARRIVAL_MS,
      // At least one positive event's worth of decayed count: real activity in the last days.
      isTrendingNow: (id) => signals.trending.score(id, now) >= 1,
    });
  }

  async function chooseSimilarity(kind: NonNullable<PipelineOptions['similarity']>, items: ReadonlyMap<string, Item>, ids: readonly string[], signal?: AbortSignal): Promise<TaggedSimilarity> {
    if (kind === 'model' || kind === 'auto') {
      const loaded = await engine.loadModel('itemknn', undefined, signal);
      if (loaded) return { similarity: modelSimilarity(loaded.trained), kind: 'co-occurrence' };
      if (kind === 'model') return { similarity: attributeSimilarity(items), kind: 'attributes' };
    }
    if ((kind === 'text' || kind === 'auto') && textVectors) {
      const vectors = await textVectors.get(ids, signal);
      return { similarity: textSimilarity((id) => vectors.get(id)), kind: 'text' };
    }
    return { similarity: attributeSimilarity(items), kind: 'attributes' };
  }

  async function titled(ranked: readonly { itemId: string; score: number }[], k: number, signal?: AbortSignal): Promise<TrendingItem[]> {
    const records = new Map((await itemCache.getMany(ranked.map((r) => r.itemId), signal)).map((it) => [it.id, it]));
    const out: TrendingItem[] = [];
    for (const r of ranked) {
      const item = records.get(r.itemId);
      // Items removed from the catalogue or unavailable are not shown.
      if (!item || item.available === false) continue;
      out.push({ id: r.itemId, title: item.title, score: r.score });
      if (out.length >= k) break;
    }
    return out;
  }

  function checkListK(k: number): number {
    if (!Number.isInteger(k) || k < 1 || k > MAX_K) throw new ValidationError(`k must be an integer between 1 and ${MAX_K}, got ${k}`, { details: { field: 'k', value: k } });
    return k;
  }

  return {
    recommend,
    async trendingItems(k = 10, o: { signal?: AbortSignal } = {}): Promise<TrendingItem[]> {
      checkListK(k);
      const top = signals.trending.top(2 * k + 10, clock());
      return titled(top, k, o.signal);
    },
    async trendingTopics(k = 10, o: { itemsPerTopic?: number; signal?: AbortSignal } = {}): Promise<TrendingTopicAnswer[]> {
      checkListK(k);
      const topics = signals.topics;
      if (!topics) return [];
      const per = o.itemsPerTopic ?? 5;
      const now = clock();
      const out: TrendingTopicAnswer[] = [];
      for (const t of topics.top(k, now, { itemsPerTopic: 2 * per + 5 })) out.push({ ...t, items: await titled(t.items, per, o.signal) });
      return out;
    },
    observe(event: Event | StoredEvent): void {
      signals.observe(event);
      // Buffering a stored event would keep, per user, a copy of what the next request reads anyway.
      if (!('seq' in event)) live.add(event);
    },
    get liveUsers(): number {
      return live.size;
    },
    async observeItems(items: readonly Item[], o: { signal?: AbortSignal } = {}): Promise<void> {
      itemCache.put(items);
      signals.observeItems(items, clock());
      // A changed or new item can enter (or leave) anyone's list.
      answers.clear();
      if (!textVectors) return;
      // Encoding is background work: the caller waits at most the budget (so one new item is
      // placed by its text in the very next list), never for a large batch.
      const encoding = textVectors
        .put(items)
        // Once encoded, new items are placed by their text: lists kept before are out of date.
        .then(() => answers.clear())
        .catch((error: unknown) => {
          (options.logger ?? silentLogger).log('warn', 'encoding new items failed; they are placed by text after the next semantic training', { items: items.length, error: String(error) });
        });
      const budget = options.encodeWaitMs ?? DEFAULT_ENCODE_WAIT_MS;
      if (budget > 0) await waitAtMost(encoding, budget, o.signal);
    },
    get pendingEncodings(): number {
      return textVectors?.pending ?? 0;
    },
    reload,
    forgetItems(itemIds: readonly string[]): void {
      itemCache.forget(itemIds);
      textVectors?.forgetItems(itemIds);
      answers.clear();
    },
    async forgetEventsBefore(timestamp: number, o: { signal?: AbortSignal } = {}): Promise<void> {
      histories.dropBefore(timestamp);
      answers.clear();
      textVectors?.forgetUsers();
      const fresh = new LiveItemSignals(signalOptions);
      await fresh.load(engine.storage, { signal: o.signal, snapshot });
      signals = fresh;
      await reload(o);
    },
    async forgetHeldUsers(o: { signal?: AbortSignal } = {}): Promise<void> {
      live.clear();
      answers.clear();
      histories.clear();
      textVectors?.forgetUsers();
      engine.forgetAllUsers();
      const fresh = new LiveItemSignals(signalOptions);
      await fresh.load(engine.storage, { signal: o.signal, snapshot });
      signals = fresh;
      await reload(o);
    },
    async forgetUser(userId: string, o: { signal?: AbortSignal; events?: readonly Event[] } = {}): Promise<void> {
      live.delete(userId);
      answers.forget(userId);
      histories.forget(userId);
      textVectors?.forgetUser(userId);
      engine.forgetUser(userId);
      // Trending and popularity counts included the user's events: take them out, else rebuild them from what storage holds now.
      if (o.events !== undefined && (await signals.forget(o.events, engine.storage, { signal: o.signal }))) {
        answers.clear();
        return;
      }
      const fresh = new LiveItemSignals(signalOptions);
      await fresh.load(engine.storage, { signal: o.signal, snapshot });
      signals = fresh;
      await reload(o);
    },
    get sourceNames(): readonly string[] {
      return sources.map((s) => s.name);
    },
    get rankerLabel(): string {
      return rankerLabel;
    },
    get listCache(): PipelineListCacheStats {
      return { users: answers.size, hits: answers.hits, misses: answers.misses, renewed: renewals.done, renewalsDropped: renewals.dropped + renewals.failed };
    },
  };
}

/** A similarity with what it measures (the wording of explanations depends on it). */
interface TaggedSimilarity {
  similarity: ItemSimilarity;
  kind: SimilarityKind;
}

/** Resolves when `work` settles, `ms` have passed or `signal` aborts, whichever is first. */
async function waitAtMost(work: Promise<unknown>, ms: number, signal?: AbortSignal): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let onAbort: (() => void) | undefined;
  await Promise.race([
    work,
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
      onAbort = resolve;
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
  ]);
  clearTimeout(timer);
  if (onAbort) signal?.removeEventListener('abort', onAbort);
}
