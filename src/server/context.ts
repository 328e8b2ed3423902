/**
 * Types shared by the server's routes: the options of {@link createServer} (in `server.ts`), the
 * plug-in points (a recommendation pipeline, an event observer, a model lifecycle) and the
 * per-server context every route module receives.
 * @module
 */
import type { Engine, EvaluationRequest, Item, Logger, ModelParams, Pseudonymiser, RetentionSchedule, ServingRules, StoredEvent, Storage, UnknownItemsPolicy } from '../index.js';
import type { Conversations, EnrichmentJobs } from '../index.js';
import type { VariantAssigner } from './ab-testing.js';
import type { KeyRing } from './auth.js';
import type { RequestMetrics } from './metrics.js';

/** What a recommendation function is asked. */
export interface RecommendRequest {
  userId: string;
  k: number;
  /** Model name: asked by the client, or the user's A/B variant's model; absent = default. */
  model?: string;
  /** Item ids never to return. */
  exclude: readonly string[];
  /** Also return items the user already interacted with. */
  includeSeen: boolean;
  /** Attribute filters: keep items whose attribute equals (or, for arrays, contains) any listed value. */
  filters: Readonly<Record<string, readonly string[]>>;
  /** Request context (`context.device=tv` → `{ device: 'tv' }`). */
  context: Readonly<Record<string, string>>;
  /** The user's A/B variant. */
  variant: string;
  /** LLM stages asked for by the request (`?llm=`) or the variant; absent = the configured defaults. */
  llm?: { rerank?: boolean; explain?: boolean };
  /** Aborted when the client goes away. */
  signal: AbortSignal;
}

/** One item of a served list. */
export interface RecommendedEntry {
  id: string;
  score: number;
  title?: string;
  /** Which candidate sources or models proposed it. */
  sources: string[];
  /** Why, as data (history items, aspects, sources). */
  reasons?: Record<string, unknown>[];
  /** Why, as a sentence. */
  explanation?: string;
  /** Who wrote `explanation`: the template, or a generative model (checked against the reasons). */
  explanationSource?: 'llm' | 'template';
}

/** What a recommendation function answers. */
export interface RecommendResult {
  /** `<model>@<version>` (or e.g. `pipeline:ease@3`): recorded on the impression. */
  modelVersion: string;
  /** Set when a fallback produced the list, with the reason. */
  fallback?: string;
  items: RecommendedEntry[];
  /** What the LLM stages did (who ordered the list, why the ranker's order was served). */
  llm?: Record<string, unknown>;
}

/** A recommendation function, e.g. a pipeline's; the server falls back to `engine.recommend`. */
export type RecommendFunction = (request: RecommendRequest) => Promise<RecommendResult>;

/** Called with events once they are durable (e.g. a pipeline's `observe`), before the request answers. */
export type EventHook = (events: readonly StoredEvent[], signal: AbortSignal) => void | Promise<void>;

/** Called with items once they are stored (e.g. a pipeline's `observeItems`, which encodes their text), before the request answers. */
export type ItemsHook = (items: readonly Item[], signal: AbortSignal) => void | Promise<void>;

/** Live trending lists (e.g. a pipeline's `trendingItems` / `trendingTopics`). */
export interface TrendingProvider {
  trendingItems(k: number, options: { signal?: AbortSignal }): Promise<readonly { id: string; title?: string; score: number }[]>;
  trendingTopics(k: number, options: { itemsPerTopic?: number; signal?: AbortSignal }): Promise<readonly object[]>;
}

/** Called after an item was deleted, so in-memory copies of it can be dropped. */
export type ItemDeletedHook = (itemId: string) => void | Promise<void>;

/**
 * Called after a user's rows were deleted, so in-memory per-user state can be dropped; `deletedEvents`
 * are the user's events that went with them, when the server read them before the deletion.
 */
export type UserDeletedHook = (userId: string, deletedEvents?: readonly StoredEvent[]) => void | Promise<void>;

/**
 * Model lifecycle operations (background training, activation, rollback). Results are returned to
 * clients as JSON. Errors thrown should be engine errors (NotFound, Validation, …) to map to statuses.
 */
export interface ServerLifecycle {
  /** Starts training `name` in the background. */
  train(name: string, params: ModelParams): Promise<{ jobId: string }>;
  /** Training jobs, newest first. */
  jobs(): Promise<readonly unknown[]> | readonly unknown[];
  /** Serves `version` of `name` from now on. */
  activate(name: string, version: number): Promise<unknown>;
  /** Goes back to the previously active version of `name`. */
  rollback(name: string): Promise<unknown>;
  /** Stored versions and which one is active, per model. */
  versions(): Promise<unknown>;
  /** Queues an evaluation of the stored events (`EvaluationRequest`); without it `/v1/evaluations` answers 501. */
  evaluate?(request: EvaluationRequest): Promise<{ jobId: string }>;
  /** One job, or undefined. */
  job?(jobId: string): unknown;
  /** Cancels a queued or running job. */
  cancel?(jobId: string): boolean;
  /** Resolves when job `jobId` has finished, with its status (state `succeeded` carries `result.version`). */
  wait?(jobId: string): Promise<{ state: string; result?: { version: number }; error?: { message: string } } | undefined>;
}

/** What every route module receives. */
export interface ServerContext {
  engine: Engine;
  storage: Storage;
  recommend: RecommendFunction;
  onEvent: EventHook | undefined;
  onItems: ItemsHook | undefined;
  onItemDeleted: ItemDeletedHook | undefined;
  onUserDeleted: UserDeletedHook | undefined;
  /** Source of `/v1/trending…`; those routes answer 501 without one. */
  trending: TrendingProvider | undefined;
  lifecycle: ServerLifecycle | undefined;
  variants: VariantAssigner;
  keys: KeyRing;
  /** When true, requests without a key are let through (loopback development only). */
  openAccess: boolean;
  logger: Logger;
  metrics: RequestMetrics;
  /**
   * Since start: events accepted, served lists recorded, feedback, and served lists that could not
   * be recorded because storage refused the write (`impressionsNotRecorded`).
   */
  counters: { eventsAccepted: number; impressions: number; feedback: number; impressionsNotRecorded: number };
  /** This serving process among several on one storage (see {@link ServerOptions.processInfo}). */
  processInfo: (() => Record<string, unknown>) | undefined;
  /** What the service is doing while it starts (see `ServerOptions.startup`). */
  startup: (() => { step: string; seconds: number } | undefined) | undefined;
  /** Retrain affected models after a user deletion when no lifecycle is plugged in. */
  retrainOnUserDeletion: boolean;
  /** Serialises the server's own retraining runs. */
  retrainQueue: { tail: Promise<unknown> };
  batchBodyLimit: number;
  /** Whether events naming items the catalogue lacks are stored or refused. */
  unknownItems: UnknownItemsPolicy;
  /** Replaces user ids in log lines (`log-user-ids.ts`); undefined = ids are logged as they are. */
  pseudonymiser: Pseudonymiser | undefined;
  /** The retention job, when one runs beside the server (reported by `/v1/metrics`). */
  retention: Pick<RetentionSchedule, 'status'> | undefined;
  /** Blocklists and exposure caps every served list passes (`apply-serving-rules.ts`). */
  servingRules: ServingRules;
  /** `POST /v1/conversations…`; those routes answer 501 without it. */
  conversations: Conversations | undefined;
  /** Enrichment jobs (`/v1/admin/enrichment`); those routes answer 501 without them (no LLM configured). */
  enrichment: EnrichmentJobs | undefined;
  startedAt: number;
}
