/**
 * Prompts as versioned templates, worded per domain (movies, retail, news, or any other template
 * name, which gets neutral words). A prompt's version is recorded with what it produced (generated
 * descriptions) and is part of the cache key through the text, so changing a prompt means a new
 * version string here.
 * @module
 */
import type { ChatMessage } from './chat-model.js';

/** The words a domain uses in prompts. */
export interface DomainWords {
  /** One item: `film`, `product`, `article`, `item`. */
  item: string;
  /** Several: `films`, … */
  items: string;
  /** The person: `viewer`, `shopper`, `reader`, `user`. */
  person: string;
}

const WORDS: Readonly<Record<string, DomainWords>> = Object.freeze({
  movie: { item: 'film', items: 'films', person: 'viewer' },
  retail: { item: 'product', items: 'products', person: 'shopper' },
  news: { item: 'article', items: 'articles', person: 'reader' },
});

/** The words of the domain named `domain` (a verbaliser template name); neutral for unknown names. */
export function domainWords(domain: string): DomainWords {
  return WORDS[domain] ?? { item: 'item', items: 'items', person: 'user' };
}

/** Versions of the prompt templates. */
export const PROMPT_VERSIONS = Object.freeze({
  rerank: 'rerank-v1',
  explain: 'explain-v1',
  enrich: 'enrich-v1',
  converseParse: 'converse-parse-v1',
  converseReply: 'converse-reply-v1',
});

/** One candidate as the re-rank prompt shows it. */
export interface PromptCandidate {
  id: string;
  description: string;
}

/** Listwise re-ranking: the user's recent behaviour and the candidates, answered as `{"order": [ids]}`. */
export function rerankPrompt(domain: string, history: string, candidates: readonly PromptCandidate[]): ChatMessage[] {
  const w = domainWords(domain);
  return [
    {
      role: 'system',
      content: `You rank ${w.items} for one ${w.person}. Judge from what they did recently which candidates they would most want next. Answer with JSON only: {"order": ["<id>", …]} listing every candidate id exactly once, best first.`,
    },
    {
      role: 'user',
      content: `What the ${w.person} did recently:\n${history === '' ? '(nothing yet)' : history}\n\nCandidates:\n${candidates.map((c) => `[${c.id}] ${c.description}`).join('\n')}`,
    },
  ];
}

/** The facts of one recommendation, as the explanation prompt shows them. */
export interface ExplainFacts {
  id: string;
  title: string;
  /** History items that led to it (titles). */
  because: readonly string[];
  /** Aspects (genres, tags) it shares with the history. */
  aspects: readonly string[];
  /** Plain reasons: `popular this week`, `new arrival`, … */
  reasons: readonly string[];
}

/** Written explanations: one sentence per item from its facts only, answered as `{"sentences": {"<id>": "…"}}`. */
export function explainPrompt(domain: string, facts: readonly ExplainFacts[]): ChatMessage[] {
  const w = domainWords(domain);
  const lines = facts.map(
    (f) =>
      `[${f.id}] "${f.title}"; liked before: ${f.because.length > 0 ? f.because.map((t) => `"${t}"`).join(', ') : 'none'}; shared aspects: ${f.aspects.length > 0 ? f.aspects.join(', ') : 'none'}; other reasons: ${f.reasons.length > 0 ? f.reasons.join(', ') : 'none'}`,
  );
  return [
    {
      role: 'system',
      content: `For each recommended ${w.item}, write one short sentence telling the ${w.person} why it is recommended, using only the facts given for it. Do not name any ${w.item} other than the ones in its facts, and add no facts. Answer with JSON only: {"sentences": {"<id>": "<sentence>", …}}.`,
    },
    { role: 'user', content: lines.join('\n') },
  ];
}

/** A description for an item whose own text is thin, from its title and attributes only. */
export function enrichPrompt(domain: string, title: string, attributes: string): ChatMessage[] {
  const w = domainWords(domain);
  return [
    {
      role: 'system',
      content: `You write catalogue descriptions. Given a ${w.item}'s title and attributes, write two or three plain sentences describing what it is and who would enjoy it. Use only what the title and attributes say or what is widely known about this exact ${w.item}; when unsure, stay general. No lists, no quotes, no marketing superlatives.`,
    },
    { role: 'user', content: `Title: ${title}\n${attributes}` },
  ];
}

/** Turning one conversation message (with the earlier ones) into the structured request of `converse.ts`. */
export function converseParsePrompt(domain: string, turns: readonly { role: 'user' | 'assistant'; text: string }[]): ChatMessage[] {
  const w = domainWords(domain);
  return [
    {
      role: 'system',
      content: `You turn what a ${w.person} asks for into a search request for a ${w.item} catalogue. Read the whole conversation; the last message wins where it changes an earlier wish. Answer with JSON only:
{"liked": [titles they like or want something like], "disliked": [titles they do not want], "genres": [wanted genres], "excludeGenres": [unwanted genres], "yearFrom": number|null, "yearTo": number|null, "maxPrice": number|null, "moods": [words such as funnier, darker, lighter, scarier], "query": "the wish in a few words"}`,
    },
    ...turns.map((t): ChatMessage => ({ role: t.role, content: t.text })),
  ];
}

/** The reply of a conversation turn, written around the engine's answer (items by number only). */
export function converseReplyPrompt(domain: string, wish: string, items: readonly { title: string; facts: string }[]): ChatMessage[] {
  const w = domainWords(domain);
  return [
    {
      role: 'system',
      content: `You are a friendly ${w.item} recommender. Write a short reply (two to four sentences) presenting the ${w.items} listed, which the catalogue chose for the ${w.person}'s wish. Refer to each ${w.item} only by its number in square brackets, like [1]; never write a title and never mention any ${w.item} that is not listed.`,
    },
    { role: 'user', content: `Wish: ${wish}\n${items.map((it, i) => `[${i + 1}] ${it.title} — ${it.facts}`).join('\n')}` },
  ];
}
