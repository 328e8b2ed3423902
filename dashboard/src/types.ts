/**
 * Shapes of the engine's JSON answers, as far as the dashboard reads them. Fields that only some
 * server configurations send are optional.
 * @module
 */

/** A JSON value. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** A catalogue item. */
export interface Item {
  id: string;
  title: string;
  text?: string;
  attributes?: Record<string, Json>;
  createdAt?: number;
  available?: boolean;
}

/** `GET /v1/items`. */
export interface ItemPage {
  items: Item[];
  next?: string;
}

/** A stored event. */
export interface StoredEvent {
  seq: number;
  userId: string;
  itemId?: string;
  type: string;
  value?: number;
  text?: string;
  timestamp: number;
  context?: Record<string, Json>;
  /** The item's title, when the server adds it. */
  title?: string;
}

/** `GET /v1/users` (dashboard route). */
export interface UserPage {
  users: { id: string; events?: number }[];
  next?: string;
  total?: number;
}

/** A page of a sorted, filtered list view with its totals (`GET /v1/dashboard/items|users`). */
export interface ViewPage {
  /** Rows matching the filter. */
  matched: number;
  /** Rows stored. */
  total: number;
  offset: number;
  /** True when only the first rows (by id) were read. */
  truncated: boolean;
}

/** `GET /v1/dashboard/items`. */
export interface ItemView extends ViewPage {
  items: Pick<Item, 'id' | 'title' | 'available' | 'attributes'>[];
}

/** `GET /v1/dashboard/users`. */
export interface UserView extends ViewPage {
  users: { id: string; events: number }[];
}

/** How a list view is cut. */
export interface ViewQuery {
  q?: string;
  sort?: string;
  order?: 'asc' | 'desc';
  offset?: number;
  limit?: number;
}

/** `GET /v1/users/:id`. */
export interface UserDetail {
  user: { id: string; attributes?: Record<string, Json> };
  stored?: boolean;
  eventCount?: number;
  /** Newest first. */
  events: StoredEvent[];
}

/** A structured explanation, when the ranking pipeline is wired. */
export interface Explanation {
  sentence: string;
  because?: Json[];
  aspects?: Json[];
  sourceScores?: Record<string, number>;
}

/** One recommended item. */
export interface RecommendedItem {
  id: string;
  score: number;
  title?: string;
  sources?: string[];
  reasons?: Json[];
  explanation?: string | Explanation;
}

/** One answered message of `POST /v1/conversations…`. */
export interface ConversationTurn {
  conversationId: string;
  expiresAt: number;
  reply: string;
  replySource: 'llm' | 'template';
  replyNote?: string;
  parsedBy: 'llm' | 'rules';
  parseNote?: string;
  wish: {
    liked: { id: string; title: string }[];
    disliked: { id: string; title: string }[];
    genres: string[];
    excludeGenres: string[];
    yearFrom?: number;
    yearTo?: number;
    maxPrice?: number;
    moods: string[];
    query: string;
  };
  items: { id: string; title: string; score: number; sources: string[]; reasons: string[] }[];
  modelVersion: string;
  fallback?: string;
}

/** `GET /v1/users/:id/recommendations` and `POST /v1/query`. */
export interface RecommendationList {
  impressionId?: string;
  userId?: string;
  modelVersion: string;
  variant?: string;
  fallback?: string;
  items: RecommendedItem[];
}

/** `GET /v1/items/:id/similar`. */
export interface SimilarList {
  itemId: string;
  modelVersion: string;
  items: RecommendedItem[];
}

/** `GET /v1/items/:id/stats` (dashboard route). */
export interface ItemStats {
  itemId: string;
  events: number;
  users: number;
  byType: Record<string, number>;
  ratings: { count: number; mean: number | null; histogram: { value: number; count: number }[] };
  lastEventAt: number | null;
}

/** Clicks per served list. */
export interface Ctr {
  impressions: number;
  clicks: number;
  ctr: number;
}

/** Figures of one route. */
export interface RouteMetrics {
  count: number;
  errors: number;
  meanMs: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** `GET /v1/metrics`. */
export interface Metrics {
  uptimeSeconds?: number;
  requests?: Record<string, RouteMetrics>;
  events?: { stored: number; lastSeq: number; acceptedSinceStart: number };
  online?: {
    total?: Ctr;
    byModelVersion?: Record<string, Ctr>;
    byVariant?: Record<string, Ctr>;
  };
}

/** One stored model version. */
export interface ModelVersion {
  version: number;
  createdAt: number;
  meta?: Record<string, Json>;
}

/** One model name with its versions (newest first). */
export interface ModelInfo {
  name: string;
  active?: number | null;
  versions: ModelVersion[];
}

/** `GET /v1/models`. */
export interface ModelList {
  models: ModelInfo[];
}

/** A training job. */
export interface JobStatus {
  id: string;
  model: string;
  state: 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
  createdAt: number;
  startedAt?: number;
  finishedAt?: number;
  progress?: { phase: string; done: number; total: number };
  result?: { version: number; fit?: { seconds?: number }; report?: { id: string; models: { kind: string; ndcg10: number | null }[] } };
  activated?: boolean;
  error?: { code: string; message: string };
}

/** One report in `GET /v1/reports` (dashboard route). */
export interface ReportSummary {
  id: string;
  kind: 'protocol' | 'cold-start' | 'unknown';
  title: string;
  dataset?: string;
  models: string[];
  finishedAt?: string;
  modifiedAt: number;
  /** A sample report shipped with lmrec, not a run on this engine's data. */
  sample?: boolean;
}

/** Accuracy and list metrics of one evaluation. */
export interface EvaluationResult {
  mode?: string;
  users: number;
  metrics: Record<string, number>;
  lists?: { coverage: number; tailShare: number; novelty: number; gini: number };
}

/** One model of a report. */
export interface ReportModel {
  kind: string;
  params: Record<string, Json>;
  valid?: EvaluationResult;
  test: EvaluationResult;
  fit?: { seconds: number };
}

/** Dataset figures. */
export interface LogStats {
  users: number;
  items: number;
  interactions: number;
  sparsity: number;
}

/** A standard protocol's `report.json`. */
export interface ProtocolReport {
  protocol: { name: string; ks: number[]; validMetric: string; seed: number; minValue?: number; split: { kind: string; ratios?: number[] } };
  dataset: { name: string; raw: LogStats; filtered: LogStats };
  split: { train: number; valid: number; test: number; testUsers: number };
  mode: string;
  models: ReportModel[];
  seconds: number;
  finishedAt?: string;
}

/** An item cold-start `report.json`. */
export interface ColdStartReport {
  config: { testShare: number; validShare: number; ks: number[]; validMetric: string; seed: number; minValue?: number };
  dataset: { name: string; raw: LogStats; filtered: LogStats };
  split: { trainInteractions: number; testItems: number; validItems: number; testUsers: number; testInteractions: number };
  chanceRecall: Record<string, number>;
  models: ReportModel[];
  seconds: number;
}

/** `GET /v1/reports/:id`. */
export interface ReportDocument {
  summary: ReportSummary;
  report: ProtocolReport | ColdStartReport | Record<string, Json>;
}
