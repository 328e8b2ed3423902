/**
 * Sentiment of short user texts (C7): reviews, tags, chat requests. Word valences come from the
 * AFINN-165 lexicon and emoji table of the `sentiment` package (MIT); the scoring around them is
 * ours, in the manner of VADER: negation within a clause (`not good`), intensifiers and downtoners
 * (`really great`, `a bit slow`), contrast (`…, but boring`), emphasis (`GREAT`, `!!`), a few
 * lexicon phrases (`waste of time`), and a film/retail vocabulary where AFINN is silent or misleads
 * (`overrated`, `masterpiece`, `must-see`; genre words such as `crime` or `war` are neutral).
 *
 * @example
 * ```ts
 * analyzeSentiment('loved it').score;  // ≈ 0.61
 * analyzeSentiment('hated it').score;  // ≈ -0.61
 * analyzeSentiment('not good').score;  // < 0
 * analyzeSentiment('A heist in Los Angeles.').score; // 0
 * ```
 * @module
 */
import { createRequire } from 'node:module';
import { BackendError } from '../core/errors.js';
import { lex } from './lexer.js';
import type { LexToken } from './lexer.js';

/** Result of {@link analyzeSentiment}. */
export interface SentimentResult {
  /** Overall polarity in [-1, 1]: the summed valence squashed by `s / √(s² + 15)`; 0 when neutral. */
  score: number;
  /** Total positive valence after negation and intensifiers (≥ 0, AFINN units of -5…5 per word). */
  positive: number;
  /** Total negative valence after negation and intensifiers, as a magnitude (≥ 0). */
  negative: number;
  /** Number of word, emoji and emoticon tokens read. */
  tokens: number;
}

/** Options of {@link analyzeSentiment}. */
export interface SentimentOptions {
  /** Extra or overriding valences (-5…5) for lower-case words or phrases of up to three words. */
  lexicon?: Readonly<Record<string, number>>;
}

/**
 * Valences for reviews of films, books, music and products where AFINN-165 has none or the wrong
 * one: descriptive genre words are neutral (a "crime" or "war" tag is not a complaint), and common
 * verdicts are added.
 */
export const DOMAIN_LEXICON: Readonly<Record<string, number>> = Object.freeze({
  // Genre, plot and name words that AFINN scores as sentiment.
  war: 0, crime: 0, murder: 0, death: 0, dead: 0, kill: 0, killing: 0, killer: 0, killers: 0, prison: 0,
  violence: 0, violent: 0, terror: 0, revenge: 0, tragedy: 0, tragic: 0, chaos: 0, fight: 0, fighting: 0,
  evil: 0, bloody: 0, scary: 0, dark: 0, lost: 0, weird: 0, sad: -1, disturbing: -1, depressing: -1,
  comedy: 0, drama: 0, horror: 0, thriller: 0, crying: 0, cry: 0, torture: -1, hell: -1, god: 0, corruption: 0,
  imprisonment: 0, dick: 0, award: 1, winner: 1,
  // Slang where AFINN reads the parts.
  badass: 3, 'bad ass': 3, 'bad-ass': 3, 'kick-ass': 3, kickass: 3, 'kick ass': 3, sick: -1,
  // AFINN scores these, but a modifier or negation gives their meaning here.
  no: 0, pretty: 0, like: 0,
  // Verdicts.
  masterpiece: 4, masterpieces: 4, gem: 3, classic: 2, 'cult classic': 2, 'must-see': 3, 'must see': 3, 'must watch': 3, 'must-watch': 3,
  underrated: 2, overrated: -2, overhyped: -2, 'over-hyped': -2, gripping: 3, riveting: 3, captivating: 3, compelling: 2,
  'thought-provoking': 2, 'mind-blowing': 3, mindblowing: 3, heartwarming: 3, 'heart-warming': 3, touching: 2, moving: 1,
  'well-made': 2, 'well-acted': 2, 'well-written': 2, 'well done': 2, 'feel-good': 2, atmospheric: 1, beautifully: 3,
  brilliantly: 3, flawless: 3, stellar: 3, witty: 2, charming: 3, entertaining: 2, quotable: 1, rewatchable: 2,
  unforgettable: 3, hilarious: 3, fav: 2, favs: 2, fave: 2, favorites: 2, favourites: 2, enjoyable: 2,
  unwatchable: -3, forgettable: -2, mediocre: -2, bland: -2, predictable: -1, cheesy: -1, corny: -1, clichéd: -2,
  cliched: -2, 'cliché': -1, cliche: -1, overlong: -1, tedious: -2, pretentious: -2, meh: -1, 'so-so': -1,
  uninspired: -2, unfunny: -2, 'waste of time': -3, 'waste of money': -3, 'fell flat': -2, snoozefest: -3, dud: -2,
  letdown: -2, 'let down': -2, 'half-baked': -2, poorly: -2, 'sleep-inducing': -2, slow: -1,
  // Products.
  flimsy: -2, sturdy: 2, overpriced: -2, durable: 2, comfy: 2, defective: -3, 'broke after': -2, 'stopped working': -3,
  'works great': 3, 'works well': 2, 'highly recommend': 3, 'great value': 3, 'value for money': 2,
});

/** Words that flip the valence of what follows in the same clause. */
const NEGATORS = new Set([
  'not', 'no', 'never', 'none', 'nobody', 'nothing', 'neither', 'nor', 'nowhere', 'cannot', 'without', 'hardly', 'barely',
  "don't", 'dont', "doesn't", 'doesnt', "didn't", 'didnt', "isn't", 'isnt', "wasn't", 'wasnt', "aren't", 'arent',
  "weren't", 'werent', "won't", 'wont', "wouldn't", 'wouldnt', "can't", 'cant', "couldn't", 'couldnt', "shouldn't",
  'shouldnt', "haven't", 'havent', "hasn't", 'hasnt', "hadn't", 'hadnt', "ain't", 'aint', "mustn't", "needn't",
]);

/** Multipliers of the next sentiment word: intensifiers above 1, downtoners below. */
const MODIFIERS: ReadonlyMap<string, number> = new Map([
  ['absolutely', 1.4], ['completely', 1.3], ['deeply', 1.3], ['especially', 1.2], ['exceptionally', 1.4],
  ['extremely', 1.4], ['highly', 1.3], ['hugely', 1.3], ['incredibly', 1.4], ['insanely', 1.4], ['particularly', 1.2],
  ['really', 1.3], ['remarkably', 1.3], ['so', 1.3], ['soo', 1.3], ['sooo', 1.4], ['super', 1.3], ['thoroughly', 1.3],
  ['totally', 1.3], ['truly', 1.3], ['utterly', 1.4], ['very', 1.3], ['most', 1.2], ['too', 1.2], ['quite', 1.1],
  ['pretty', 1.1], ['seriously', 1.3], ['ridiculously', 1.4], ['amazingly', 1.3], ['genuinely', 1.2], ['simply', 1.1],
  ['slightly', 0.6], ['somewhat', 0.7], ['kinda', 0.7], ['sorta', 0.7], ['mildly', 0.6], ['marginally', 0.6],
  ['fairly', 0.8], ['rather', 0.9], ['almost', 0.8], ['bit', 0.7], ['little', 0.7], ['partly', 0.7],
]);

/** Two-word downtoners read as one modifier. */
const PHRASE_MODIFIERS: ReadonlyMap<string, number> = new Map([['kind of', 0.7], ['sort of', 0.7], ['a bit', 0.7], ['a little', 0.7]]);

/** A negator followed by one of these is not a negation (`not only`, `no doubt`, `without a doubt`). */
const NOT_NEGATED_BY = new Set(['only', 'just', 'doubt', 'wonder', 'matter']);

/** Subjects and auxiliaries after which `like` is the verb (`I like`), not the preposition (`films like Alien`). */
const LIKE_VERB_AFTER = new Set([
  'i', 'we', 'you', 'they', 'he', 'she', 'really', 'just', 'also', 'do', 'did', 'does', 'would', "i'd", "we'd", 'definitely',
  'totally', 'genuinely', 'actually', 'still', 'always', 'to', 'kinda', 'quite', 'people', 'everyone', 'kids', 'fans',
]);

const EMOTICONS: ReadonlyMap<string, number> = new Map(Object.entries({
  ':)': 2, ':-)': 2, ':]': 2, '=)': 2, ':d': 3, ':-d': 3, ';)': 1, ';-)': 1, ':p': 1, ':-p': 1, '<3': 3,
  ':(': -2, ':-(': -2, ':[': -2, '=(': -2, ":'(": -2, ':/': -1, ':-/': -1, ':\\': -1, ':|': 0, ':o': 0, '):': -2,
}));

const DOMAIN: ReadonlyMap<string, number> = new Map(Object.entries(DOMAIN_LEXICON));

/** VADER's normalisation constant: `s / √(s² + α)` maps a summed valence into (-1, 1). */
const ALPHA = 15;
const NEGATION_SCALE = -0.74;
const NEGATION_WINDOW = 4;
const CAPS_FACTOR = 1.3;
const EXCLAMATION_BOOST = 0.292;
const BEFORE_BUT = 0.5;
const AFTER_BUT = 1.5;

/** Data files of the `sentiment` package (v5): AFINN-165 words and the emoji sentiment table. */
const LEXICON_FILES = ['sentiment/languages/en/labels.json', 'sentiment/build/emoji.json'];

let baseLexicon: ReadonlyMap<string, number> | undefined;

/** AFINN-165 plus emoji valences from the `sentiment` package, read once. */
function afinn(): ReadonlyMap<string, number> {
  if (baseLexicon !== undefined) return baseLexicon;
  const require = createRequire(import.meta.url);
  const map = new Map<string, number>();
  for (const path of LEXICON_FILES) {
    let table: unknown;
    try {
      table = require(path);
    } catch (cause) {
      throw new BackendError(`cannot read the AFINN-165 lexicon ${path}: install the 'sentiment' package (npm install sentiment@^5)`, { cause, details: { path } });
    }
    if (typeof table !== 'object' || table === null) continue;
    for (const [word, value] of Object.entries(table)) if (typeof value === 'number') map.set(word, value);
  }
  if (map.size < 3000) throw new BackendError(`the AFINN-165 lexicon has ${map.size} entries; expected over 3,000 from the 'sentiment' package`);
  baseLexicon = map;
  return map;
}

/** Valence totals of a run of tokens, before normalisation. */
export interface ValenceTotals {
  /** Positive mass. */
  positive: number;
  /** Negative mass, as a magnitude. */
  negative: number;
  /** Word, emoji and emoticon tokens read. */
  tokens: number;
  /** Signed sum: `positive - negative`. */
  sum: number;
}

/** The valence of the longest lexicon phrase of two or three words starting at `i`, with its length. */
function phraseAt(sentence: readonly LexToken[], i: number, valence: (phrase: string) => number | undefined): [number, number] | undefined {
  const second = sentence[i + 1];
  if (second?.kind !== 'word') return undefined;
  const pair = `${sentence[i].norm} ${second.norm}`;
  const third = sentence[i + 2];
  if (third?.kind === 'word') {
    const found = valence(`${pair} ${third.norm}`);
    if (found !== undefined) return [found, 3];
  }
  const found = valence(pair);
  return found === undefined ? undefined : [found, 2];
}

/** Product of the modifiers (`really`, `a bit`) right before position `i`, skipping negators. */
function modifierFactor(sentence: readonly LexToken[], i: number, clauseStart: number): number {
  let factor = 1;
  for (let j = i - 1; j >= clauseStart; j -= 1) {
    const prev = sentence[j].norm;
    const pair = j > clauseStart ? PHRASE_MODIFIERS.get(`${sentence[j - 1].norm} ${prev}`) : undefined;
    if (pair !== undefined) {
      factor *= pair;
      j -= 1;
    } else if (MODIFIERS.has(prev)) {
      factor *= MODIFIERS.get(prev) ?? 1;
    } else if (!NEGATORS.has(prev)) {
      break;
    }
  }
  return factor;
}

/**
 * Valence totals of a run of tokens (a whole text, or one clause of it for aspect sentiment).
 * Shared with the aspect extractor; not re-exported from the package.
 * `shouting` is true when the whole text is upper case, so capitals carry no emphasis.
 */
export function scoreTokens(tokens: readonly LexToken[], lexicon: Readonly<Record<string, number>> | undefined, shouting: boolean): ValenceTotals {
  const base = afinn();
  // Own properties only: `constructor` or `toString` in a text must not reach Object.prototype.
  const valence = (phrase: string): number | undefined =>
    (lexicon !== undefined && Object.hasOwn(lexicon, phrase) ? lexicon[phrase] : undefined) ?? DOMAIN.get(phrase) ?? base.get(phrase);
  const totals: ValenceTotals = { positive: 0, negative: 0, tokens: 0, sum: 0 };

  // Sentence by sentence: contrast and exclamation marks act within one sentence.
  let start = 0;
  while (start < tokens.length) {
    let end = start;
    while (end < tokens.length && tokens[end].kind !== 'sentence') end += 1;
    let exclamations = 0;
    let next = end;
    for (; next < tokens.length && tokens[next].kind === 'sentence'; next += 1) if (tokens[next].norm === '!') exclamations += 1;
    const sentence = tokens.slice(start, end);
    start = next;

    const butAt = sentence.findIndex((t) => t.kind === 'word' && t.norm === 'but');
    const contrast = (i: number): number => (butAt < 0 ? 1 : i < butAt ? BEFORE_BUT : AFTER_BUT);
    let positive = 0;
    let negative = 0;
    const add = (v: number): void => {
      if (v > 0) positive += v;
      else negative -= v;
    };
    let negatorAt = -Infinity;
    let clauseStart = 0;
    for (let i = 0; i < sentence.length; i += 1) {
      const token = sentence[i];
      if (token.kind === 'clause' || (token.kind === 'word' && token.norm === 'but')) {
        negatorAt = -Infinity;
        clauseStart = i + 1;
        continue;
      }
      totals.tokens += 1;
      if (token.kind === 'symbol') {
        add((EMOTICONS.get(token.norm) ?? valence(token.norm) ?? 0) * contrast(i));
        continue;
      }
      const word = token.norm;
      let v: number | undefined;
      let span = 1;
      const phrase = phraseAt(sentence, i, valence);
      if (phrase !== undefined) {
        [v, span] = phrase;
      } else if (NEGATORS.has(word)) {
        const nextWord = sentence[i + 1]?.norm ?? '';
        const afterNext = sentence[i + 2]?.norm ?? '';
        if (!NOT_NEGATED_BY.has(nextWord) && !(nextWord === 'a' && afterNext === 'doubt')) negatorAt = i;
        continue;
      } else if (word === 'like') {
        const before = i > clauseStart ? sentence[i - 1].norm : '';
        v = LIKE_VERB_AFTER.has(before) || NEGATORS.has(before) ? 2 : 0;
      } else if (word === 'doubt' && [sentence[i - 1]?.norm, sentence[i - 2]?.norm].some((w) => w === 'no' || w === 'without')) {
        v = 0;
      } else {
        v = valence(word);
      }
      if (v === undefined || v === 0) continue;
      const negated = i - negatorAt <= NEGATION_WINDOW;
      const factor = modifierFactor(sentence, i, clauseStart);
      // A negated intensifier softens: "not very good" is milder than "not good".
      v *= negated && factor > 1 ? 1 / factor : factor;
      if (!shouting && token.raw.length > 1 && token.raw === token.raw.toUpperCase() && /\p{Lu}/u.test(token.raw)) v *= CAPS_FACTOR;
      if (negated) v *= NEGATION_SCALE;
      add(v * contrast(i));
      // Words read as part of a phrase are not scored again.
      totals.tokens += span - 1;
      i += span - 1;
    }
    if (exclamations > 0 && positive !== negative) {
      const boost = EXCLAMATION_BOOST * Math.min(exclamations, 3);
      if (positive > negative) positive += boost;
      else negative += boost;
    }
    totals.positive += positive;
    totals.negative += negative;
  }
  totals.sum = totals.positive - totals.negative;
  return totals;
}

/** Maps a summed valence into [-1, 1]. */
export function normalizeValence(sum: number): number {
  if (sum === 0) return 0;
  return Math.max(-1, Math.min(1, sum / Math.sqrt(sum * sum + ALPHA)));
}

/** True when the text has letters and none of them is lower case. */
function isShouting(text: string): boolean {
  return /\p{Lu}/u.test(text) && !/\p{Ll}/u.test(text);
}

/**
 * Polarity of a short text in [-1, 1] with its positive and negative mass. Pure and deterministic;
 * roughly a microsecond per word.
 *
 * @example
 * ```ts
 * analyzeSentiment('really great');    // score ≈ 0.71 (more than 'great' ≈ 0.61)
 * analyzeSentiment('not bad at all');  // mildly positive
 * analyzeSentiment('great acting, but the plot was boring'); // negative: the clause after "but" weighs more
 * analyzeSentiment('cozy', { lexicon: { cozy: 2 } }).score > 0; // true
 * ```
 */
export function analyzeSentiment(text: string, options: SentimentOptions = {}): SentimentResult {
  const { positive, negative, tokens, sum } = scoreTokens(lex(text), options.lexicon, isShouting(text));
  return { score: normalizeValence(sum), positive, negative, tokens };
}
