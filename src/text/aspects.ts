/**
 * Aspects (C7): the salient things a set of reviews or tags talks about ("soundtrack", "time
 * travel", "battery life"), each with how many texts mention it, the mean sentiment of those
 * mentions and a weight, so that a user's interests or an item's reception can be read, explained
 * and matched. Candidates are lower-case unigrams and bigrams after removing stop words and generic
 * opinion words ("great soundtrack" is about the soundtrack); plural and singular forms are merged.
 * {@link aspectVocabulary} builds document frequencies across a catalogue for tf-idf weights.
 *
 * Pure, deterministic and linear in the input size.
 *
 * @example
 * ```ts
 * extractAspects(['great soundtrack', 'Loved the soundtrack', 'time travel', 'time travel', 'boring plot']);
 * // [{ phrase: 'soundtrack', count: 2, sentiment: 0.61, … }, { phrase: 'time travel', count: 2, … }, { phrase: 'plot', count: 1, sentiment: -0.61, … }]
 * ```
 * @module
 */
import { ValidationError } from '../core/errors.js';
import { lex } from './lexer.js';
import type { LexToken } from './lexer.js';
import { normalizeValence, scoreTokens } from './sentiment.js';

/** One aspect found by {@link extractAspects}. */
export interface Aspect {
  /** The phrase as most often written, lower case (`special effects`). */
  phrase: string;
  /** Normalised key: every word singular (`special effect`); the key of {@link AspectVocabulary}. */
  key: string;
  /** Number of input texts that mention it. */
  count: number;
  /** Mean sentiment in [-1, 1] of the mentions (see {@link ExtractAspectsOptions.sentimentScope}). */
  sentiment: number;
  /** Ranking weight: `count × idf × (1 + |sentiment|)`; idf is 1 without a vocabulary. */
  weight: number;
  /** Indices of the input texts that mention it, ascending. */
  mentions: number[];
}

/** How texts are cut into aspect candidates; shared by {@link extractAspects} and {@link aspectVocabulary}. */
export interface AspectTermOptions {
  /** Extra stop words, added to {@link STOP_WORDS}. */
  stopWords?: Iterable<string>;
  /** Keep generic opinion words (`great`, `awful`, `love`) as aspects; false by default. */
  keepOpinionWords?: boolean;
  /** Also consider two-word phrases; true by default. */
  bigrams?: boolean;
}

/** Options of {@link extractAspects}. */
export interface ExtractAspectsOptions extends AspectTermOptions {
  /** Background document frequencies; when given, weights use idf `ln((1 + N) / (1 + df)) + 1`. */
  vocabulary?: AspectVocabulary;
  /** Keep at most this many aspects, highest weight first; 20 by default. */
  maxAspects?: number;
  /** An aspect must be mentioned by at least this many texts; 1 by default. */
  minCount?: number;
  /**
   * A two-word phrase must occur at least this many times (2 by default, in one text or several),
   * unless it comes from a tag-like text of at most four words, where it is meant as a phrase.
   */
  minBigramCount?: number;
  /**
   * Which sentiment an aspect gets from a text that mentions it: `clause` (default) scores only the
   * clause around the mention, so "great acting but a boring plot" is positive about acting and
   * negative about the plot; `text` scores the whole text.
   */
  sentimentScope?: 'clause' | 'text';
  /** Extra sentiment valences, as in {@link analyzeSentiment}. */
  lexicon?: Readonly<Record<string, number>>;
}

/** Document frequencies of aspect keys across a catalogue, made by {@link aspectVocabulary}. */
export interface AspectVocabulary {
  /** Number of documents counted. */
  documentCount: number;
  /** Number of documents that mention each key. */
  documentFrequency: ReadonlyMap<string, number>;
}

/** Options of {@link aspectVocabulary}. */
export interface AspectVocabularyOptions extends AspectTermOptions {
  /** Drop keys seen in fewer documents (they get the highest idf anyway); 1 by default. */
  minDocumentFrequency?: number;
}

/** English function words, plus words every review or product page uses and that name no aspect. */
export const STOP_WORDS: ReadonlySet<string> = new Set(
  `a about above after again against ago all almost along already also although always am among an and another any anybody
  anyone anything anyway anyways anywhere are aren't around as at away back be became because become becomes been before
  behind being below beside besides between beyond both but by can can't cannot could couldn't did didn't do does doesn't
  doing don't done down during each either else enough etc even ever every everybody everyone everything everywhere except
  few for from further get gets getting go goes going gone got gotten had hadn't has hasn't have haven't having he he'd
  he'll he's her here here's hers herself him himself his how how's however i i'd i'll i'm i've if in into is isn't it
  it'd it'll it's its itself just least less let let's lot lots made make makes making many may maybe me might mine more
  moreover most mostly much must my myself near need neither never nevertheless next no nobody none nor not nothing now
  nowhere of off often oh ok okay on once one ones only onto or other others otherwise ought our ours ourselves out over
  own per perhaps please put quite rather really said same saw say says see seem seemed seems seen several shall she
  she'd she'll she's should shouldn't since so some somebody someone something sometimes somewhat somewhere soon still such
  sure than that that's the their theirs them themselves then there there's therefore these they they'd they'll they're
  they've thing things this those though through throughout thus till to together too toward towards under unless until
  up upon us use used using very via was wasn't way ways we we'd we'll we're we've well went were weren't what what's
  whatever when whenever where where's whereas wherever whether which while who who's whoever whole whom whose why will
  with within without won't would wouldn't yet you you'd you'll you're you've your yours yourself yourselves
  absolutely actually almost basically bit completely definitely especially exactly extremely fairly finally highly
  incredibly kinda kind literally little pretty probably seriously simply slightly sort sorta super surely totally truly
  utterly
  movie movies film films flick watch watched watching watchable product products item items buy bought purchase
  purchased order ordered year years lot review reviews rating rated people thing stuff`.split(/\s+/),
);

/** Generic verdict words: they carry sentiment about an aspect, they are not one. */
export const OPINION_WORDS: ReadonlySet<string> = new Set(
  `good great bad best better worst worse awesome amazing excellent terrible awful horrible nice love loved loves loving
  lovely like liked likes dislike disliked hate hated hates enjoy enjoyed enjoying enjoyable perfect perfectly favorite
  favourite fav fave brilliant wonderful fantastic poor superb fine cool decent solid incredible outstanding beautiful
  beautifully recommend recommended worth worthy mediocre meh overrated underrated masterpiece gem classic must-see
  disappointing disappointed disappointment boring dull interesting impressive stunning terrific wow ok okay
  alright sucks sucked stupid dumb`.split(/\s+/),
);

/** Singular forms whose plural the suffix rules would get wrong. */
const IRREGULAR_SINGULAR: ReadonlyMap<string, string> = new Map([
  ['movies', 'movie'], ['zombies', 'zombie'], ['cookies', 'cookie'], ['rookies', 'rookie'], ['hippies', 'hippie'],
  ['selfies', 'selfie'], ['pies', 'pie'], ['ties', 'tie'], ['lies', 'lie'], ['indies', 'indie'], ['genies', 'genie'],
  ['calories', 'calorie'], ['brownies', 'brownie'], ['smoothies', 'smoothie'], ['aches', 'ache'], ['headaches', 'headache'],
  ['niches', 'niche'], ['caches', 'cache'], ['moustaches', 'moustache'], ['mustaches', 'mustache'], ['shoes', 'shoe'],
  ['toes', 'toe'], ['canoes', 'canoe'], ['foes', 'foe'], ['oboes', 'oboe'], ['men', 'man'], ['women', 'woman'],
  ['children', 'child'], ['people', 'person'], ['feet', 'foot'], ['teeth', 'tooth'], ['mice', 'mouse'], ['geese', 'goose'],
  ['wolves', 'wolf'], ['knives', 'knife'], ['lives', 'life'], ['wives', 'wife'], ['thieves', 'thief'], ['leaves', 'leaf'],
  ['elves', 'elf'], ['dwarves', 'dwarf'], ['heroes', 'hero'], ['potatoes', 'potato'], ['tomatoes', 'tomato'],
]);

/** Words ending in `s` that are not plurals, or whose plural is the same. */
const NOT_PLURAL = new Set([
  'news', 'lens', 'series', 'species', 'always', 'perhaps', 'whereas', 'christmas', 'atlas', 'bias', 'alias', 'canvas',
  'pants', 'jeans', 'trousers', 'scissors', 'thanks', 'odds', 'means', 'politics', 'physics', 'mathematics', 'economics',
  'ethics', 'graphics', 'gas', 'yes', 'its', 'has', 'was', 'does', 'this', 'thus', 'plus', 'status', 'campus', 'chaos',
  'texas', 'paris', 'vegas', 'athens', 'mars', 'venus', 'dallas', 'james', 'charles', 'jones', 'always', 'sometimes',
  'headphones', 'earphones', 'earbuds', 'glasses', 'sunglasses', 'clothes', 'diabetes', 'aids', 'herpes', 'measles',
]);

/**
 * The singular of an English noun by suffix rules and a table of exceptions; words that are not
 * plurals come back unchanged. Used to merge `effects` with `effect`.
 */
export function singularize(word: string): string {
  const irregular = IRREGULAR_SINGULAR.get(word);
  if (irregular !== undefined) return irregular;
  if (word.length <= 3 || !word.endsWith('s') || NOT_PLURAL.has(word)) return word;
  if (/(?:ss|us|is|ous|'s)$/.test(word)) return word;
  if (word.endsWith('ies') && word.length > 4) return `${word.slice(0, -3)}y`;
  if (/(?:ches|shes|sses|xes|zzes|oes)$/.test(word)) return word.slice(0, -2);
  return word.slice(0, -1);
}

/** The key of an aspect phrase: lower case, words singular, single spaces. */
export function aspectKey(phrase: string): string {
  return phrase
    .toLowerCase()
    .split(/\s+/)
    .filter((w) => w !== '')
    .map(singularize)
    .join(' ');
}

/** Words that end an aspect clause besides sentence punctuation. */
const CLAUSE_BREAKERS = new Set(['but', 'however', 'although', 'though', 'whereas', 'except']);
/** A text with at most this many words is a tag: its bigram is meant as a phrase. */
const TAG_WORDS = 4;

/** One candidate occurrence in a text. */
interface Occurrence {
  key: string;
  surface: string;
  clause: number;
  bigram: boolean;
}

/** A text cut into aspect clauses and candidate occurrences. */
interface TermizedText {
  tokens: LexToken[];
  clauses: LexToken[][];
  occurrences: Occurrence[];
  words: number;
}

function makeFilter(options: AspectTermOptions): (word: string) => boolean {
  const extra = new Set<string>();
  for (const word of options.stopWords ?? []) extra.add(word.toLowerCase());
  const keepOpinions = options.keepOpinionWords === true;
  return (word) =>
    word.length >= 2 &&
    !(word.charCodeAt(0) <= 57 && /^[\d'-]+$/.test(word)) &&
    !STOP_WORDS.has(word) &&
    !extra.has(word) &&
    (keepOpinions || !OPINION_WORDS.has(word));
}

/** `nolan's` → `nolan`. */
function stripPossessive(word: string): string {
  return word.endsWith("'s") ? word.slice(0, -2) : word;
}

function termize(text: string, keep: (word: string) => boolean, bigrams: boolean): TermizedText {
  const clauses: LexToken[][] = [[]];
  const occurrences: Occurrence[] = [];
  let words = 0;
  let previous: { word: string; clause: number } | undefined;
  const tokens = lex(text);
  for (const token of tokens) {
    const clause = clauses.length - 1;
    if (token.kind === 'sentence' || (token.kind === 'word' && CLAUSE_BREAKERS.has(token.norm)) || (token.kind === 'clause' && token.norm === ';')) {
      if (clauses[clause].length > 0) clauses.push([]);
      previous = undefined;
      continue;
    }
    clauses[clause].push(token);
    if (token.kind !== 'word') {
      previous = undefined;
      continue;
    }
    words += 1;
    const word = stripPossessive(token.norm);
    if (!keep(word)) {
      previous = undefined;
      continue;
    }
    const key = singularize(word);
    occurrences.push({ key, surface: word, clause, bigram: false });
    if (bigrams && previous !== undefined && previous.clause === clause) {
      occurrences.push({ key: `${singularize(previous.word)} ${key}`, surface: `${previous.word} ${word}`, clause, bigram: true });
    }
    previous = { word, clause };
  }
  if (clauses.length > 1 && clauses[clauses.length - 1].length === 0) clauses.pop();
  return { tokens, clauses, occurrences, words };
}

function checkCount(name: string, value: number, min: number): void {
  if (!(Number.isInteger(value) && value >= min)) {
    throw new ValidationError(`${name} must be an integer ≥ ${min}, got ${String(value)}`, { details: { field: name, value } });
  }
}

/** Smoothed inverse document frequency of `key`: `ln((1 + N) / (1 + df)) + 1`. */
export function inverseDocumentFrequency(vocabulary: AspectVocabulary, key: string): number {
  const df = vocabulary.documentFrequency.get(key) ?? 0;
  return Math.log((1 + vocabulary.documentCount) / (1 + df)) + 1;
}

/**
 * Document frequencies of aspect keys over a catalogue: each document is the list of texts of one
 * item (its description, reviews or tags) and counts a key once. Pass the result as
 * {@link ExtractAspectsOptions.vocabulary} so aspects common to everything ("story") weigh less.
 *
 * @example
 * ```ts
 * const vocabulary = aspectVocabulary(items.map((item) => [item.text ?? '', ...(tagsByItem.get(item.id) ?? [])]));
 * extractAspects(reviewsOfUser, { vocabulary });
 * ```
 */
export function aspectVocabulary(documents: Iterable<readonly string[]>, options: AspectVocabularyOptions = {}): AspectVocabulary {
  const minDf = options.minDocumentFrequency ?? 1;
  checkCount('minDocumentFrequency', minDf, 1);
  const keep = makeFilter(options);
  const bigrams = options.bigrams ?? true;
  const frequency = new Map<string, number>();
  let documentCount = 0;
  for (const texts of documents) {
    documentCount += 1;
    const keys = new Set<string>();
    for (const text of texts) for (const occurrence of termize(text, keep, bigrams).occurrences) keys.add(occurrence.key);
    for (const key of keys) frequency.set(key, (frequency.get(key) ?? 0) + 1);
  }
  if (minDf > 1) for (const [key, df] of frequency) if (df < minDf) frequency.delete(key);
  return { documentCount, documentFrequency: frequency };
}

interface Tally {
  key: string;
  bigram: boolean;
  tagLike: boolean;
  /** Most tallies have one spelling: it lives here, and `surfaces` is made only for a second one. */
  surface: string;
  occurrences: number;
  surfaces: Map<string, { count: number; first: number }> | undefined;
  mentions: number[];
  sentimentSum: number;
  /** Clause sentiment summed over the current text's mentions, and how many clauses that is. */
  textSum: number;
  textClauses: number;
  lastClause: number;
}

/**
 * The salient aspects of `texts` (reviews, tags, requests), highest weight first.
 * Throws {@link ValidationError} for a non-integer or negative limit.
 *
 * @example
 * ```ts
 * const aspects = extractAspects(['Great acting but a boring plot.', 'The acting is superb', 'plot holes']);
 * aspects.map((a) => [a.phrase, a.count, Math.sign(a.sentiment)]);
 * // [['acting', 2, 1], ['plot', 2, -1], ['plot holes', 1, 0]]
 * ```
 */
export function extractAspects(texts: readonly string[], options: ExtractAspectsOptions = {}): Aspect[] {
  const maxAspects = options.maxAspects ?? 20;
  const minCount = options.minCount ?? 1;
  const minBigramCount = options.minBigramCount ?? 2;
  checkCount('maxAspects', maxAspects, 0);
  checkCount('minCount', minCount, 1);
  checkCount('minBigramCount', minBigramCount, 1);
  const keep = makeFilter(options);
  const bigrams = options.bigrams ?? true;
  const byClause = (options.sentimentScope ?? 'clause') === 'clause';
  const tallies = new Map<string, Tally>();
  let surfaceOrder = 0;
  const touched: Tally[] = [];

  texts.forEach((text, index) => {
    const { tokens, clauses, occurrences, words } = termize(text, keep, bigrams);
    if (occurrences.length === 0) return;
    const shouting = /\p{Lu}/u.test(text) && !/\p{Ll}/u.test(text);
    const score = (tokens: readonly LexToken[]): number => normalizeValence(scoreTokens(tokens, options.lexicon, shouting).sum);
    const clauseScores = new Array<number | undefined>(clauses.length);
    const textScore = byClause ? 0 : score(tokens);
    touched.length = 0;
    for (const occurrence of occurrences) {
      let tally = tallies.get(occurrence.key);
      if (tally === undefined) {
        tally = {
          key: occurrence.key, bigram: occurrence.bigram, tagLike: false, surface: occurrence.surface, occurrences: 0, surfaces: undefined,
          mentions: [], sentimentSum: 0, textSum: 0, textClauses: 0, lastClause: -1,
        };
        tallies.set(occurrence.key, tally);
      }
      tally.occurrences += 1;
      if (tally.surfaces !== undefined || occurrence.surface !== tally.surface) {
        if (tally.surfaces === undefined) tally.surfaces = new Map([[tally.surface, { count: tally.occurrences - 1, first: -1 }]]);
        const stats = tally.surfaces.get(occurrence.surface);
        if (stats === undefined) tally.surfaces.set(occurrence.surface, { count: 1, first: (surfaceOrder += 1) });
        else stats.count += 1;
      }
      if (tally.mentions[tally.mentions.length - 1] !== index) {
        tally.mentions.push(index);
        tally.textSum = 0;
        tally.textClauses = 0;
        tally.lastClause = -1;
        touched.push(tally);
      }
      if (occurrence.bigram && words <= TAG_WORDS) tally.tagLike = true;
      // Occurrences come in clause order, so a repeated clause is always the last one seen.
      if (byClause && occurrence.clause !== tally.lastClause) {
        tally.lastClause = occurrence.clause;
        tally.textSum += clauseScores[occurrence.clause] ??= score(clauses[occurrence.clause]);
        tally.textClauses += 1;
      }
    }
    for (const tally of touched) tally.sentimentSum += byClause ? tally.textSum / tally.textClauses : textScore;
  });

  const kept = [...tallies.values()].filter(
    (t) => t.mentions.length >= minCount && (!t.bigram || t.tagLike || t.occurrences >= minBigramCount),
  );
  // A word whose every mention is inside a kept phrase adds nothing to the phrase.
  const phraseMentions = new Map<string, Set<number>>();
  for (const tally of kept) {
    if (!tally.bigram) continue;
    for (const word of tally.key.split(' ')) {
      let set = phraseMentions.get(word);
      if (set === undefined) phraseMentions.set(word, (set = new Set()));
      for (const m of tally.mentions) set.add(m);
    }
  }
  const aspects: Aspect[] = [];
  for (const tally of kept) {
    const covering = tally.bigram ? undefined : phraseMentions.get(tally.key);
    if (covering !== undefined && tally.mentions.every((m) => covering.has(m))) continue;
    let phrase = tally.surface;
    if (tally.surfaces !== undefined) {
      let best = { count: 0, first: Infinity };
      for (const [surface, stats] of tally.surfaces) {
        if (stats.count > best.count || (stats.count === best.count && stats.first < best.first)) {
          phrase = surface;
          best = stats;
        }
      }
    }
    const count = tally.mentions.length;
    const sentiment = tally.sentimentSum / count;
    const idf = options.vocabulary === undefined ? 1 : inverseDocumentFrequency(options.vocabulary, tally.key);
    aspects.push({ phrase, key: tally.key, count, sentiment, weight: count * idf * (1 + Math.abs(sentiment)), mentions: tally.mentions });
  }
  aspects.sort((a, b) => b.weight - a.weight || b.count - a.count || (a.phrase < b.phrase ? -1 : a.phrase > b.phrase ? 1 : 0));
  return aspects.slice(0, maxAspects);
}
