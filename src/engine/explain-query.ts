/**
 * Explanations of `POST /v1/query` answers. The semantic model ranks items by the cosine of their
 * text vector with the request's (blended with the user's interest when a user is given); an item's
 * explanation says how close it is and what of its text the request shares: the request's words
 * found in its title, its genres/tags or its description; without any, its own facets; and, with a
 * user, the history item closest to it in the same text space.
 * @module
 */
import type { Item } from '../core/types.js';
import { keywordTokens } from '../text/keyword-index.js';

/** Attributes whose values describe what an item is about (the pipeline's `DESCRIPTIVE_ATTRIBUTES`; the engine sits below it). */
const FACET_ATTRIBUTES = ['genres', 'tags', 'category', 'categories', 'brand', 'topics', 'keywords'] as const;

function itemFacets(item: Item | undefined): string[] {
  const out: string[] = [];
  for (const name of FACET_ATTRIBUTES) {
    const v = item?.attributes?.[name];
    for (const x of Array.isArray(v) ? v : [v]) if (typeof x === 'string' && x !== '') out.push(x);
  }
  return out;
}

/** A history item close to a query result. */
export interface QueryBecause {
  itemId: string;
  title: string;
  /** Cosine of the two items' text vectors. */
  similarity: number;
}

/** Why an item answers a request, as data and as a sentence. */
export interface QueryExplanation {
  sentence: string;
  /** The request's words (index terms) found in the item's title, facets (genres, tags …) or description. */
  matched: { title: string[]; facets: string[]; description: string[] };
  /** The item's facets (genres, tags …), as the data has them. */
  facets: string[];
  /** The history item closest to it, when a user was given and one is close (cosine > 0). */
  because?: QueryBecause;
}

/**
 * Explains `item` as an answer to `text`; `similarity` is the cosine it was ranked by (shown when given).
 * @example
 * explainQueryMatch('a heist with a twist', { id: '6', title: 'Heat (1995)', text: 'A heist goes wrong …', attributes: { genres: ['Crime'] } });
 * // sentence: 'Close in meaning to "a heist with a twist": its description mentions "heist".'
 */
export function explainQueryMatch(text: string, item: Item | undefined, because?: QueryBecause, similarity?: number): QueryExplanation {
  const wanted = [...new Set(keywordTokens(text))];
  const facets = [...itemFacets(item)];
  const inField = (field: string | undefined): string[] => {
    if (field === undefined || field === '') return [];
    const terms = new Set(keywordTokens(field));
    return wanted.filter((w) => terms.has(w));
  };
  const title = inField(item?.title);
  const facetTerms = inField(facets.join(' ')).filter((w) => !title.includes(w));
  const description = inField(item?.text).filter((w) => !title.includes(w) && !facetTerms.includes(w));
  const said: string[] = [];
  if (title.length > 0) said.push(`its title mentions ${quoted(title)}`);
  if (facetTerms.length > 0) {
    const shared = facets.filter((f) => keywordTokens(f).some((t) => facetTerms.includes(t)));
    said.push(`its genres/tags include ${joinWords(shared.slice(0, 3))}`);
  }
  if (description.length > 0) said.push(`its description mentions ${quoted(description)}`);
  if (said.length === 0 && facets.length > 0) said.push(`no word in common; it is ${joinWords(facets.slice(0, 3))}`);
  let sentence = `Close in meaning to "${text.trim()}"${similarity === undefined ? '' : ` (cosine ${similarity.toFixed(2)})`}${said.length > 0 ? `: ${joinWords(said)}` : ''}`;
  if (because) sentence += `; close in content to ${because.title}, which you liked`;
  const out: QueryExplanation = { sentence: `${sentence}.`, matched: { title, facets: facetTerms, description }, facets };
  if (because) out.because = because;
  return out;
}

function quoted(words: readonly string[]): string {
  return joinWords(words.slice(0, 4).map((w) => `"${w}"`));
}

function joinWords(words: readonly string[]): string {
  if (words.length <= 1) return words.join('');
  return `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`;
}
