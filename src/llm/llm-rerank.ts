/**
 * Listwise LLM re-ranking (C19): the ranker's top N candidates, each with its description, and the
 * user's verbalised recent behaviour go to a chat model, which answers with an order of ids. The
 * answer is repaired into a permutation (unknown and repeated ids dropped, missing ones appended in
 * the ranker's order). Position bias — models favour what they read first or last — is controlled
 * by configuration: `shuffle` asks `passes` times over differently shuffled candidate orders (the
 * first pass in the ranker's order) and aggregates the answers by Borda count; `window` slides a
 * window of `window` candidates from the bottom of the list to the top by `stride` (RankGPT-style),
 * so a good item can climb the whole list. A latency budget bounds the stage: past it, or when the
 * model fails or every answer is unreadable, the ranker's order is served with the reason.
 * @module
 */
import { AbortError } from '../core/errors.js';
import { createRng } from '../linalg/random.js';
import type { ChatModel, TokenUsage } from './chat-model.js';
import { PROMPT_VERSIONS, rerankPrompt } from './prompts.js';
import type { PromptCandidate } from './prompts.js';
import { OVER_BUDGET, budgetDeadline, raceBudget } from './race-budget.js';

/** Options of {@link llmRerank}. */
export interface LlmRerankOptions {
  /** Verbaliser template name, for the prompt's words (default `movie`). */
  domain?: string;
  /** Position-bias control (default `shuffle`). */
  strategy?: 'shuffle' | 'window';
  /** Shuffled passes aggregated by Borda (default 3). */
  passes?: number;
  /** Sliding window size (default 10) and step (default 5). */
  window?: number;
  stride?: number;
  /** Past this many ms the input order is returned (default 1,500). */
  budgetMs?: number;
  /** Seed of the shuffles (default a hash of the candidate ids, so the same list is shuffled alike). */
  seed?: number;
  /** The request's signal: its abort is the caller's, not a fallback (rethrown as `AbortError`). */
  signal?: AbortSignal;
}

/** How one model answer was repaired into a permutation. */
export interface PermutationRepair {
  /** The candidate ids in the answered order, then the missing ones in input order. */
  order: string[];
  /** Ids in the answer that are not candidates. */
  unknown: number;
  /** Ids the answer repeated (later occurrences dropped). */
  duplicates: number;
  /** Candidates the answer left out (appended in input order). */
  missing: number;
}

/** What the stage did. */
export interface RerankOutcome {
  /** The candidates' ids, re-ordered (the input order when `provenance` is `ranker`). */
  order: string[];
  /** Who ordered the list: the LLM, or the ranker when the stage fell back. */
  provenance: 'llm' | 'ranker';
  /** Why the ranker's order was served (budget, model error, unreadable answers). */
  reason?: string;
  /** Model calls that gave a usable answer / were made. */
  passes: { ok: number; tried: number };
  /** Ids repaired over all answers (unknown + duplicate + missing). */
  repaired: number;
  latencyMs: number;
  usage: TokenUsage;
  /** The prompt template's version. */
  promptVersion: string;
}

/**
 * Repairs a model's answer into a permutation of `ids`. `answer` is the parsed JSON (an object with
 * an `order` array, or an array itself); ids may come as strings or numbers, with or without the
 * brackets the prompt shows them in. Undefined when the answer holds no list at all.
 */
export function repairPermutation(answer: unknown, ids: readonly string[]): PermutationRepair | undefined {
  const list = Array.isArray(answer) ? answer : (answer as { order?: unknown } | null)?.order;
  if (!Array.isArray(list)) return undefined;
  const known = new Set(ids);
  const placed = new Set<string>();
  const order: string[] = [];
  let unknown = 0;
  let duplicates = 0;
  for (const raw of list) {
    const id = typeof raw === 'string' ? raw.trim().replace(/^\[(.*)\]$/, '$1') : typeof raw === 'number' ? String(raw) : undefined;
    if (id === undefined || !known.has(id)) unknown++;
    else if (placed.has(id)) duplicates++;
    else {
      placed.add(id);
      order.push(id);
    }
  }
  const missing = ids.filter((id) => !placed.has(id));
  return { order: [...order, ...missing], unknown, duplicates, missing: missing.length };
}

/** Borda count over several orders of the same ids; ties keep the order of `base`. */
export function bordaAggregate(orders: readonly (readonly string[])[], base: readonly string[]): string[] {
  const n = base.length;
  const points = new Map(base.map((id) => [id, 0]));
  for (const order of orders) order.forEach((id, position) => points.set(id, (points.get(id) ?? 0) + (n - 1 - position)));
  const rank = new Map(base.map((id, i) => [id, i]));
  return [...base].sort((a, b) => (points.get(b) ?? 0) - (points.get(a) ?? 0) || (rank.get(a) ?? 0) - (rank.get(b) ?? 0));
}

function seedOf(ids: readonly string[]): number {
  let h = 2166136261;
  for (const id of ids) for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 16777619);
  return h >>> 0;
}

function shuffled<T>(list: readonly T[], seed: number): T[] {
  const out = [...list];
  const rng = createRng(seed);
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/**
 * Re-ranks `candidates` (in the ranker's order) for a user whose recent behaviour is `history`.
 * Never throws for the model's sake: a failure, an unreadable answer or the budget gives the input
 * order with `provenance: 'ranker'` and the reason. Only the caller's own abort is rethrown.
 */
export async function llmRerank(model: ChatModel, history: string, candidates: readonly PromptCandidate[], options: LlmRerankOptions = {}): Promise<RerankOutcome> {
  const t0 = performance.now();
  const ids = candidates.map((c) => c.id);
  const budgetMs = options.budgetMs ?? 1_500;
  const domain = options.domain ?? 'movie';
  const usage: TokenUsage = { promptTokens: 0, completionTokens: 0 };
  const passes = { ok: 0, tried: 0 };
  let repaired = 0;
  const base = { passes, usage, promptVersion: PROMPT_VERSIONS.rerank };
  const fallback = (reason: string): RerankOutcome => ({ order: ids, provenance: 'ranker', reason, repaired, latencyMs: performance.now() - t0, ...base });
  if (candidates.length < 2) return fallback('fewer than 2 candidates');
  const budget = AbortSignal.timeout(budgetMs);
  const deadline = budgetDeadline(budget);
  const signal = options.signal === undefined ? budget : AbortSignal.any([options.signal, budget]);

  /** One model call over `list`: its repaired order, or an error string. */
  const ask = async (list: readonly PromptCandidate[]): Promise<string[] | string> => {
    passes.tried++;
    const answer = await model.complete({ messages: rerankPrompt(domain, history, list), json: true, signal, maxTokens: 16 * list.length + 32 });
    usage.promptTokens += answer.usage.promptTokens;
    usage.completionTokens += answer.usage.completionTokens;
    const repair = repairPermutation(answer.json, list.map((c) => c.id));
    if (repair === undefined) return `unreadable answer (no "order" list): ${JSON.stringify(answer.text.slice(0, 80))}`;
    passes.ok++;
    repaired += repair.unknown + repair.duplicates + repair.missing;
    return repair.order;
  };

  const failed = (error: unknown): RerankOutcome => {
    if (options.signal?.aborted) throw new AbortError('operation aborted', { cause: options.signal.reason });
    if (budget.aborted) return fallback(`latency budget of ${budgetMs} ms exceeded`);
    return fallback(`llm failed: ${error instanceof Error ? error.message : String(error)}`);
  };

  const work = async (): Promise<RerankOutcome> => {
    if ((options.strategy ?? 'shuffle') === 'shuffle') {
      const count = Math.max(1, options.passes ?? 3);
      const seed = options.seed ?? seedOf(ids);
      const inputs = Array.from({ length: count }, (_, p) => (p === 0 ? [...candidates] : shuffled(candidates, seed + p)));
      const settled = await Promise.allSettled(inputs.map((list) => ask(list)));
      const rejected = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (rejected && (budget.aborted || options.signal?.aborted)) return failed(rejected.reason);
      const orders = settled.flatMap((r) => (r.status === 'fulfilled' && Array.isArray(r.value) ? [r.value] : []));
      if (orders.length === 0) {
        if (rejected) return failed(rejected.reason);
        const first = settled[0];
        return fallback(first.status === 'fulfilled' && typeof first.value === 'string' ? first.value : 'no usable answer');
      }
      return { order: bordaAggregate(orders, ids), provenance: 'llm', repaired, latencyMs: performance.now() - t0, ...base };
    }
    const size = Math.min(Math.max(2, options.window ?? 10), candidates.length);
    const stride = Math.max(1, Math.min(options.stride ?? 5, size));
    const byId = new Map(candidates.map((c) => [c.id, c]));
    let order = [...ids];
    let firstError: string | undefined;
    for (let end = order.length; ; end -= stride) {
      const start = Math.max(0, end - size);
      const result = await ask(order.slice(start, end).map((id) => byId.get(id) as PromptCandidate));
      if (Array.isArray(result)) order = [...order.slice(0, start), ...result, ...order.slice(end)];
      else firstError ??= result;
      if (start === 0) break;
    }
    if (passes.ok === 0) return fallback(firstError ?? 'no usable answer');
    return { order, provenance: 'llm', repaired, latencyMs: performance.now() - t0, ...base };
  };
  try {
    const outcome = await raceBudget(work(), deadline);
    if (outcome === OVER_BUDGET) {
      if (options.signal?.aborted) throw new AbortError('operation aborted', { cause: options.signal.reason });
      return fallback(`latency budget of ${budgetMs} ms exceeded`);
    }
    return outcome;
  } catch (error) {
    return failed(error);
  }
}
