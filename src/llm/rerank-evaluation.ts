/**
 * The `llm-rerank` evaluation protocol (LlamaRec / LLMRank style): leave-one-out by time; a base
 * ranker (a model of the registry, default EASE) is trained on everything but each user's last
 * interaction; for a seeded sample of users its top N candidates — the held-out item put in last
 * place when the ranker missed it, so every list can be re-ranked to a hit — go to the chat model
 * with the user's verbalised recent history, and NDCG@10 / Recall@10 of the model's order are
 * reported against the ranker's own order over the same candidates and against a seeded random order
 * of them (the chance line: the added held-out item makes any reordering look better than the
 * ranker's), with the latency of each re-rank request and why any list kept the ranker's order. Runs against any configured endpoint;
 * without one the LLM column is the ranker's order, labelled so.
 * @module
 */
import type { InteractionLog } from '../core/interaction-log.js';
import type { Event, Item } from '../core/types.js';
import { leaveOneOutSplit } from '../eval/split.js';
import { matrixOfRows } from '../eval/protocol.js';
import { createRng } from '../linalg/random.js';
import { createModel } from '../models/registry.js';
import type { ModelParams } from '../models/recommender.js';
import type { Verbalizer } from '../text/verbalizer.js';
import { truncateText } from '../text/verbalizer.js';
import type { ChatModel } from './chat-model.js';
import { llmRerank } from './llm-rerank.js';
import type { LlmRerankOptions } from './llm-rerank.js';

/** Options of {@link runLlmRerankEvaluation}. */
export interface LlmRerankEvaluationOptions {
  /** The chat model; undefined = no LLM (its column is the ranker's order). */
  model: ChatModel | undefined;
  /** Catalogue records by item id (titles, genres, text) for descriptions and history. */
  items: ReadonlyMap<string, Item>;
  verbalizer: Verbalizer;
  /** Base ranker kind (default `ease`) and its parameters. */
  baseModel?: string;
  baseParams?: ModelParams;
  /** Candidates per list (default 20). */
  candidates?: number;
  /** Users sampled (default 100). */
  users?: number;
  seed?: number;
  /** History events verbalised into the prompt (default 20). */
  historyEvents?: number;
  /** Interactions at or above this value count as positive (default none: all). */
  minValue?: number;
  rerank?: Omit<LlmRerankOptions, 'signal' | 'domain' | 'seed'>;
  /** Dataset label for the report. */
  dataset?: string;
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

/** NDCG@10 and Recall@10 of one ordering. */
export interface RerankMetrics {
  'ndcg@10': number;
  'recall@10': number;
}

/** The protocol's report. */
export interface LlmRerankEvaluationReport {
  protocol: 'llm-rerank';
  dataset: string;
  llm: string;
  baseModel: string;
  candidates: number;
  users: number;
  /** Lists where the ranker missed the held-out item and it was put last. */
  heldOutInjected: number;
  ranker: RerankMetrics;
  reranked: RerankMetrics;
  /**
   * The same candidates in a seeded random order: what chance gives. With the held-out item added to
   * every list, any order that is not the ranker's lifts the items it missed off the bottom, so a
   * re-ranker is worth its cost only above this line.
   */
  random: RerankMetrics;
  /** Per re-rank request, ms. */
  latencyMs: { mean: number; p50: number; p95: number; max: number };
  /** Lists the LLM ordered, lists that kept the ranker's order, and why. */
  provenance: { llm: number; ranker: number; reasons: Record<string, number> };
  tokens: { prompt: number; completion: number };
  seed: number;
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

function metricsAt(rank: number): RerankMetrics {
  return { 'ndcg@10': rank < 10 ? 1 / Math.log2(rank + 2) : 0, 'recall@10': rank < 10 ? 1 : 0 };
}

/** Runs the protocol on `log`; see the module description. */
export async function runLlmRerankEvaluation(log: InteractionLog, options: LlmRerankEvaluationOptions): Promise<LlmRerankEvaluationReport> {
  const n = options.candidates ?? 20;
  const seed = options.seed ?? 0;
  const baseKind = options.baseModel ?? 'ease';
  const split = leaveOneOutSplit(log);
  const history = new Int32Array([...split.train, ...split.valid]);
  const train = matrixOfRows(log, history);
  const model = createModel(baseKind, options.baseParams ?? {});
  await model.fit(train, { ...(options.signal === undefined ? {} : { signal: options.signal }) });
  const testOf = new Map<number, number>();
  for (const row of split.test) if (options.minValue === undefined || log.value[row] >= options.minValue) testOf.set(log.userIdx[row], log.itemIdx[row]);
  const rowsOf = new Map<number, number[]>();
  for (const row of history) {
    const list = rowsOf.get(log.userIdx[row]);
    if (list) list.push(row);
    else rowsOf.set(log.userIdx[row], [row]);
  }
  const eligible = [...testOf.keys()].sort((a, b) => a - b);
  const rng = createRng(seed);
  for (let i = eligible.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [eligible[i], eligible[j]] = [eligible[j], eligible[i]];
  }
  const sample = eligible.slice(0, options.users ?? 100);
  const scores = new Float32Array(log.items.size);
  const sums = { ranker: { 'ndcg@10': 0, 'recall@10': 0 }, reranked: { 'ndcg@10': 0, 'recall@10': 0 }, random: { 'ndcg@10': 0, 'recall@10': 0 } };
  const chance = createRng(seed + 1);
  const latencies: number[] = [];
  const provenance = { llm: 0, ranker: 0, reasons: {} as Record<string, number> };
  const tokens = { prompt: 0, completion: 0 };
  let injected = 0;
  const describe = (id: string): string => {
    const item = options.items.get(id);
    return item ? truncateText(options.verbalizer.item(item), 300) : id;
  };
  for (const [done, u] of sample.entries()) {
    const rows = rowsOf.get(u) ?? [];
    const items = new Int32Array(rows.map((r) => log.itemIdx[r]));
    model.score({ userIdx: u < train.numRows ? u : -1, items, values: new Float32Array(rows.map(() => 1)) }, scores);
    for (const i of items) scores[i] = -Infinity;
    const order = Array.from({ length: scores.length }, (_, i) => i)
      .filter((i) => Number.isFinite(scores[i]))
      .sort((a, b) => scores[b] - scores[a] || a - b)
      .slice(0, n);
    const target = testOf.get(u) as number;
    if (!order.includes(target)) {
      order[order.length - 1] = target;
      injected++;
    }
    const ids = order.map((i) => log.items.idAt(i));
    const targetId = log.items.idAt(target);
    const recent: Event[] = [...rows]
      .sort((a, b) => log.timestamp[a] - log.timestamp[b])
      .slice(-(options.historyEvents ?? 20))
      .map((r) => ({ userId: 'u', itemId: log.items.idAt(log.itemIdx[r]), type: 'rating', value: log.value[r], timestamp: log.timestamp[r] }));
    const historyText = options.verbalizer.history(recent, options.items, { maxEvents: recent.length });
    let reordered = ids;
    if (options.model !== undefined) {
      const outcome = await llmRerank(options.model, historyText, ids.map((id) => ({ id, description: describe(id) })), {
        ...options.rerank,
        domain: options.verbalizer.template.name,
        seed: seed + u,
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      });
      latencies.push(outcome.latencyMs);
      tokens.prompt += outcome.usage.promptTokens;
      tokens.completion += outcome.usage.completionTokens;
      if (outcome.provenance === 'llm') {
        provenance.llm++;
        reordered = outcome.order;
      } else {
        provenance.ranker++;
        const why = (outcome.reason ?? 'unknown').replace(/:.*$/, '');
        provenance.reasons[why] = (provenance.reasons[why] ?? 0) + 1;
      }
    } else {
      provenance.ranker++;
      provenance.reasons['no LLM configured'] = (provenance.reasons['no LLM configured'] ?? 0) + 1;
    }
    const shuffled = [...ids];
    for (let i = shuffled.length - 1; i > 0; i--) {
      const j = chance.int(i + 1);
      [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]];
    }
    for (const [key, list] of [['ranker', ids], ['reranked', reordered], ['random', shuffled]] as const) {
      const m = metricsAt(list.indexOf(targetId));
      sums[key]['ndcg@10'] += m['ndcg@10'];
      sums[key]['recall@10'] += m['recall@10'];
    }
    options.onProgress?.(done + 1, sample.length);
  }
  const mean = (m: RerankMetrics): RerankMetrics => ({ 'ndcg@10': m['ndcg@10'] / Math.max(1, sample.length), 'recall@10': m['recall@10'] / Math.max(1, sample.length) });
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    protocol: 'llm-rerank',
    dataset: options.dataset ?? '',
    llm: options.model?.id ?? 'none',
    baseModel: baseKind,
    candidates: n,
    users: sample.length,
    heldOutInjected: injected,
    ranker: mean(sums.ranker),
    reranked: mean(sums.reranked),
    random: mean(sums.random),
    latencyMs: { mean: sorted.reduce((s, x) => s + x, 0) / Math.max(1, sorted.length), p50: quantile(sorted, 0.5), p95: quantile(sorted, 0.95), max: sorted.at(-1) ?? 0 },
    provenance,
    tokens,
    seed,
  };
}

/** The report as a Markdown section. */
export function renderLlmRerankMarkdown(report: LlmRerankEvaluationReport): string {
  const f = (x: number): string => x.toFixed(4);
  const reasons = Object.entries(report.provenance.reasons).map(([why, count]) => `${why}: ${count}`).join('; ');
  return [
    `# llm-rerank on ${report.dataset}`,
    '',
    `Leave-one-out by time; ${report.users} users sampled (seed ${report.seed}); the ${report.baseModel} ranker's top ${report.candidates}, the held-out item put last where it missed (${report.heldOutInjected} lists); LLM: ${report.llm}.`,
    '',
    '| order | NDCG@10 | Recall@10 |',
    '|---|---|---|',
    `| ${report.baseModel} (ranker) | ${f(report.ranker['ndcg@10'])} | ${f(report.ranker['recall@10'])} |`,
    `| LLM re-ranked | ${f(report.reranked['ndcg@10'])} | ${f(report.reranked['recall@10'])} |`,
    `| random order (chance) | ${f(report.random['ndcg@10'])} | ${f(report.random['recall@10'])} |`,
    '',
    `Latency per re-rank request: mean ${report.latencyMs.mean.toFixed(1)} ms, p50 ${report.latencyMs.p50.toFixed(1)} ms, p95 ${report.latencyMs.p95.toFixed(1)} ms, max ${report.latencyMs.max.toFixed(1)} ms. Lists ordered by the LLM: ${report.provenance.llm}; kept the ranker's order: ${report.provenance.ranker}${reasons === '' ? '' : ` (${reasons})`}. Tokens: ${report.tokens.prompt} prompt, ${report.tokens.completion} completion.`,
    '',
  ].join('\n');
}
