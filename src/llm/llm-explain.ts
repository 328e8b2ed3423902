/**
 * Written explanations (C18, C19): one sentence per recommended item, written by a chat model from
 * the explanation data the pipeline already has (the history items that led to it, the aspects it
 * shares with the history, its other reasons), then checked: a sentence that names an item other
 * than the one explained and its own history items, quotes something that is not one of those
 * titles, states a year or a genre/tag that is not among its facts, or is empty or overlong, is
 * replaced by the template sentence. Each sentence says which it is (`llm` or `template`).
 * @module
 */
import { AbortError } from '../core/errors.js';
import type { ChatModel, TokenUsage } from './chat-model.js';
import { createMentionIndex, quotedSpans, titleForms, wordString } from './mentions.js';
import type { KnownTitle } from './mentions.js';
import { PROMPT_VERSIONS, explainPrompt } from './prompts.js';
import { OVER_BUDGET, budgetDeadline, raceBudget } from './race-budget.js';
import type { ExplainFacts } from './prompts.js';

/** One item to explain: its facts and the template sentence it falls back to. */
export interface ExplainInput extends ExplainFacts {
  /** Ids of the history items in `because` (same order). */
  becauseIds: readonly string[];
  /** The item's own facets (genres, tags …) as the catalogue has them. */
  facets: readonly string[];
  /** The sentence made without a model. */
  template: string;
}

/** One explanation as served. */
export interface WrittenExplanation {
  sentence: string;
  provenance: 'llm' | 'template';
  /** Why a written sentence was refused (absent when none was written or it passed). */
  rejected?: string;
}

/** What {@link llmExplain} did. */
export interface ExplainOutcome {
  sentences: WrittenExplanation[];
  /** Why no sentence was written (budget, model error, unreadable answer). */
  reason?: string;
  latencyMs: number;
  usage: TokenUsage;
  promptVersion: string;
}

/** Options of {@link llmExplain}. */
export interface LlmExplainOptions {
  domain?: string;
  /** Past this many ms every item keeps its template sentence (default 1,500). */
  budgetMs?: number;
  /** Every item the sentences could name (the list and the user's history): titles of others are refused. */
  known: readonly KnownTitle[];
  /** Every genre/tag value known (the vocabulary a sentence could wrongly claim). */
  facetVocabulary?: ReadonlySet<string>;
  signal?: AbortSignal;
}

/** Why `sentence`, written for `input`, may not be served; undefined when it may. */
export function checkExplanation(sentence: string, input: ExplainInput, index: ReturnType<typeof createMentionIndex>, facetVocabulary: ReadonlySet<string> = new Set()): string | undefined {
  const text = sentence.trim();
  if (text === '') return 'empty';
  if (text.length > 300) return 'longer than 300 characters';
  const allowed = new Set([input.id, ...input.becauseIds]);
  for (const id of index.mentioned(text)) if (!allowed.has(id)) return `names item ${id}, which is not in its explanation data`;
  const allowedForms = new Set([input.title, ...input.because].flatMap(titleForms));
  for (const q of quotedSpans(text)) if (!allowedForms.has(q) && ![...allowedForms].some((f) => f.includes(q))) return `quotes "${q}", which is not a title of its explanation data`;
  const factText = [input.title, ...input.because, ...input.aspects, ...input.reasons, ...input.facets].join(' ');
  for (const year of text.match(/(?<!\d)(?:19|20)\d{2}(?!\d)/g) ?? []) if (!factText.includes(year)) return `states the year ${year}, which is not in its facts`;
  const facts = new Set([...input.aspects, ...input.facets].map(wordString));
  const words = wordString(text);
  for (const facet of facetVocabulary) {
    const f = wordString(facet);
    if (f.trim().length < 4 || facts.has(f)) continue;
    if (words.includes(f)) return `claims "${facet}", which is not among its facts`;
  }
  return undefined;
}

/**
 * Asks `model` for one sentence per input and keeps those that pass {@link checkExplanation}; every
 * other item keeps its template sentence. Never throws for the model's sake; only the caller's
 * own abort is rethrown.
 */
export async function llmExplain(model: ChatModel, inputs: readonly ExplainInput[], options: LlmExplainOptions): Promise<ExplainOutcome> {
  const t0 = performance.now();
  const usage: TokenUsage = { promptTokens: 0, completionTokens: 0 };
  const templates = (reason: string): ExplainOutcome => ({
    sentences: inputs.map((i) => ({ sentence: i.template, provenance: 'template' })),
    reason,
    latencyMs: performance.now() - t0,
    usage,
    promptVersion: PROMPT_VERSIONS.explain,
  });
  if (inputs.length === 0) return templates('nothing to explain');
  const budgetMs = options.budgetMs ?? 1_500;
  const budget = AbortSignal.timeout(budgetMs);
  const deadline = budgetDeadline(budget);
  const signal = options.signal === undefined ? budget : AbortSignal.any([options.signal, budget]);
  let json: unknown;
  try {
    const answer = await raceBudget(model.complete({ messages: explainPrompt(options.domain ?? 'movie', inputs), json: true, signal, maxTokens: 60 * inputs.length + 32 }), deadline);
    if (answer === OVER_BUDGET) {
      if (options.signal?.aborted) throw new AbortError('operation aborted', { cause: options.signal.reason });
      return templates(`latency budget of ${budgetMs} ms exceeded`);
    }
    usage.promptTokens += answer.usage.promptTokens;
    usage.completionTokens += answer.usage.completionTokens;
    json = answer.json;
  } catch (error) {
    if (options.signal?.aborted) throw new AbortError('operation aborted', { cause: options.signal.reason });
    return templates(budget.aborted ? `latency budget of ${budgetMs} ms exceeded` : `llm failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  const written = (json as { sentences?: unknown } | null)?.sentences;
  if (typeof written !== 'object' || written === null) return templates('unreadable answer (no "sentences" object)');
  const index = createMentionIndex(options.known);
  const sentences = inputs.map((input): WrittenExplanation => {
    const candidate = (written as Record<string, unknown>)[input.id] ?? (written as Record<string, unknown>)[`[${input.id}]`];
    if (typeof candidate !== 'string') return { sentence: input.template, provenance: 'template' };
    const problem = checkExplanation(candidate, input, index, options.facetVocabulary);
    return problem === undefined ? { sentence: candidate.trim(), provenance: 'llm' } : { sentence: input.template, provenance: 'template', rejected: problem };
  });
  return { sentences, latencyMs: performance.now() - t0, usage, promptVersion: PROMPT_VERSIONS.explain };
}
