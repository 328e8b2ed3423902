/**
 * The engine's HTTP API as typed functions. Every call presents the configured key; a call that gets
 * no answer reports the engine as unreachable (the page shows a banner) and one that gets any answer
 * clears that state.
 * @module
 */
import { ApiError, UnreachableError } from './api-error.js';
import { engineLabel, loadSettings } from './settings.js';
import type {
  ConversationTurn,
  Item,
  ItemPage,
  ItemStats,
  ItemView,
  JobStatus,
  Metrics,
  ModelList,
  RecommendationList,
  ReportDocument,
  ReportSummary,
  SimilarList,
  StoredEvent,
  UserDetail,
  UserPage,
  UserView,
  ViewQuery,
} from './types.js';

/** Told whether the engine answered the latest call. */
export type ReachabilityListener = (reachable: boolean, target: string) => void;

const listeners = new Set<ReachabilityListener>();

/** Subscribes to reachability changes; returns the unsubscribe function. */
export function onReachability(listener: ReachabilityListener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function report(reachable: boolean): void {
  const target = engineLabel();
  for (const l of listeners) l(reachable, target);
}

/** Headers carrying the API key. */
export function authHeaders(): Record<string, string> {
  const { apiKey } = loadSettings();
  return apiKey === '' ? {} : { authorization: `Bearer ${apiKey}` };
}

/** The absolute or same-origin URL of an API path. */
export function apiUrl(path: string): string {
  return `${loadSettings().baseUrl}${path}`;
}

/** Sends one request and parses the JSON answer; throws {@link ApiError} or {@link UnreachableError}. */
export async function request<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json', ...authHeaders() };
  if (body !== undefined) headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(apiUrl(path), { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal });
  } catch (error) {
    if (signal?.aborted) throw error;
    report(false);
    throw new UnreachableError(engineLabel(), error);
  }
  report(true);
  const text = await response.text();
  let parsed: unknown = undefined;
  if (text !== '') {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
  }
  if (!response.ok) {
    const err = (parsed as { error?: { code?: string; message?: string; details?: unknown } } | undefined)?.error;
    throw new ApiError(response.status, err?.code ?? `http_${response.status}`, err?.message ?? `${method} ${path} answered ${response.status}`, err?.details);
  }
  return parsed as T;
}

function qs(params: Record<string, string | number | undefined>): string {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') search.set(k, String(v));
  const s = search.toString();
  return s === '' ? '' : `?${s}`;
}

const enc = encodeURIComponent;

/** The engine's endpoints. */
export const api = {
  health: (signal?: AbortSignal) => request<{ status: string }>('GET', '/v1/health', undefined, signal),
  items: (after?: string, limit = 50, signal?: AbortSignal) => request<ItemPage>('GET', `/v1/items${qs({ after, limit })}`, undefined, signal),
  itemView: (view: ViewQuery, signal?: AbortSignal) => request<ItemView>('GET', `/v1/dashboard/items${qs({ ...view })}`, undefined, signal),
  userView: (view: ViewQuery, signal?: AbortSignal) => request<UserView>('GET', `/v1/dashboard/users${qs({ ...view })}`, undefined, signal),
  titles: (ids: readonly string[], signal?: AbortSignal) => request<{ titles: Record<string, string> }>('GET', `/v1/dashboard/titles${qs({ ids: ids.join(',') })}`, undefined, signal),
  item: (id: string, signal?: AbortSignal) => request<Item>('GET', `/v1/items/${enc(id)}`, undefined, signal),
  itemStats: (id: string, signal?: AbortSignal) => request<ItemStats>('GET', `/v1/items/${enc(id)}/stats`, undefined, signal),
  similar: (id: string, k = 10, signal?: AbortSignal) => request<SimilarList>('GET', `/v1/items/${enc(id)}/similar${qs({ k })}`, undefined, signal),
  users: (params: { after?: string; limit?: number; q?: string }, signal?: AbortSignal) =>
    request<UserPage>('GET', `/v1/users${qs({ after: params.after, limit: params.limit ?? 50, q: params.q })}`, undefined, signal),
  user: (id: string, events = 50, signal?: AbortSignal) => request<UserDetail>('GET', `/v1/users/${enc(id)}${qs({ events })}`, undefined, signal),
  timeline: (id: string, limit = 50, signal?: AbortSignal) => request<UserDetail>('GET', `/v1/users/${enc(id)}/timeline${qs({ limit })}`, undefined, signal),
  recommendations: (id: string, params: { k?: number; model?: string }, signal?: AbortSignal) =>
    request<RecommendationList>('GET', `/v1/users/${enc(id)}/recommendations${qs({ k: params.k ?? 10, model: params.model })}`, undefined, signal),
  postEvent: (event: { userId: string; itemId?: string; type: string; value?: number; text?: string }) =>
    request<{ accepted: number; lastSeq?: number }>('POST', '/v1/events', event),
  query: (text: string, k = 10, userId?: string, signal?: AbortSignal) =>
    request<RecommendationList>('POST', '/v1/query', userId === undefined || userId === '' ? { text, k } : { text, k, userId }, signal),
  startConversation: (userId?: string, signal?: AbortSignal) =>
    request<{ conversationId: string; expiresAt: number }>('POST', '/v1/conversations', userId === undefined || userId === '' ? {} : { userId }, signal),
  converse: (conversationId: string, text: string, signal?: AbortSignal) =>
    request<ConversationTurn>('POST', `/v1/conversations/${enc(conversationId)}/messages`, { text }, signal),
  feedback: (impressionId: string, itemId: string, type: string) => request<unknown>('POST', '/v1/feedback', { impressionId, itemId, type }),
  metrics: (signal?: AbortSignal) => request<Metrics>('GET', '/v1/metrics', undefined, signal),
  recentEvents: (after: number | undefined, limit = 50, signal?: AbortSignal) =>
    request<{ events: StoredEvent[]; lastSeq: number }>('GET', `/v1/events/recent${qs({ after, limit })}`, undefined, signal),
  models: (signal?: AbortSignal) => request<ModelList>('GET', '/v1/models', undefined, signal),
  jobs: (signal?: AbortSignal) => request<{ jobs: JobStatus[] }>('GET', '/v1/models/jobs', undefined, signal),
  train: (name: string) => request<{ jobId: string }>('POST', `/v1/models/${enc(name)}/train`, {}),
  activate: (name: string, version: number) => request<unknown>('POST', `/v1/models/${enc(name)}/activate`, { version }),
  rollback: (name: string) => request<{ result?: { version?: number } | null }>('POST', `/v1/models/${enc(name)}/rollback`),
  startEvaluation: (body: { protocol: string; models: string[]; search: boolean }) => request<{ jobId: string }>('POST', '/v1/evaluations', body),
  evaluations: (signal?: AbortSignal) => request<{ evaluations: JobStatus[] }>('GET', '/v1/evaluations', undefined, signal),
  evaluation: (id: string, signal?: AbortSignal) => request<JobStatus>('GET', `/v1/evaluations/${enc(id)}`, undefined, signal),
  cancelEvaluation: (id: string) => request<{ cancelled: boolean }>('POST', `/v1/evaluations/${enc(id)}/cancel`),
  reports: (signal?: AbortSignal) => request<{ reports: ReportSummary[]; dirs: string[] }>('GET', '/v1/reports', undefined, signal),
  report: (id: string, signal?: AbortSignal) => request<ReportDocument>('GET', `/v1/reports/${enc(id)}`, undefined, signal),
};
