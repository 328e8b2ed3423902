/**
 * The rule-based reading of a conversation message into a {@link Wish}, used when no chat model is
 * configured or it fails: titles after "like", "similar to", "loved" … (and after "not like",
 * "hated", "except" … as dislikes), genres by name or synonym ("no horror" excludes), an era ("90s",
 * "before 1980", "between 1995 and 2000", "recent", "classic"), a price ceiling ("under $20") and
 * moods ("but funnier", "darker"). English only.
 * @module
 */
import type { CatalogueVocabulary } from './catalogue-vocabulary.js';
import type { Wish } from './wish.js';
import { emptyWish } from './wish.js';

/** Genres a mood leans to (catalogue values; those a catalogue lacks are ignored). */
export const MOOD_GENRES: Readonly<Record<string, readonly string[]>> = Object.freeze({
  funnier: ['Comedy'],
  lighter: ['Comedy', 'Children', 'Animation'],
  darker: ['Thriller', 'Crime', 'Film-Noir', 'Drama'],
  scarier: ['Horror', 'Thriller'],
  'more romantic': ['Romance'],
  sadder: ['Drama'],
  'more action': ['Action', 'Adventure'],
  'more exciting': ['Action', 'Thriller'],
  smarter: ['Drama', 'Mystery', 'Sci-Fi'],
});

const MOOD_WORDS: readonly [RegExp, string][] = [
  [/\b(funnier|more fun|more humou?r|lighter-hearted)\b/, 'funnier'],
  [/\b(lighter|less serious|feel-good|feel good|more cheerful)\b/, 'lighter'],
  [/\b(darker|grittier|more serious|bleaker)\b/, 'darker'],
  [/\b(scarier|creepier|more frightening)\b/, 'scarier'],
  [/\bmore romantic\b/, 'more romantic'],
  [/\b(sadder|more moving|more emotional)\b/, 'sadder'],
  [/\bmore action\b/, 'more action'],
  [/\bmore exciting\b/, 'more exciting'],
  [/\b(smarter|more thoughtful|more cerebral|cleverer)\b/, 'smarter'],
];

/** Where a named title or genre ends. */
const SPAN_END = /\s*(?:[,.;!?]|\s(?:but|and|or|with|from|that|which|because|please|though|yet|in the|set in)\s|$)/i;
const DISLIKE = /\b(?:not like|nothing like|unlike|hated|hate|disliked|dislike|didn't like|did not like|don't like|do not like|can't stand|cannot stand|except|other than|no more|not another|tired of|sick of)\s+/gi;
const LIKE = /\b(?:like|similar to|loved|love|enjoyed|enjoy|liked|adore|fan of|reminds me of|in the style of|along the lines of|such as|as good as)\s+/gi;
const EXCLUDE_GENRE = /\b(?:no|not|without|nothing|avoid|never|skip|except|but not)\s+(?:too\s+|any\s+|more\s+)?([\w-]+(?:\s[\w-]+)?)/gi;
const DECADE_WORDS: Readonly<Record<string, number>> = { twenties: 1920, thirties: 1930, forties: 1940, fifties: 1950, sixties: 1960, seventies: 1970, eighties: 1980, nineties: 1990 };

/** The phrase after each match of `trigger` up to where a phrase ends, with where it was found. */
function spansAfter(text: string, trigger: RegExp): { phrase: string; start: number; end: number }[] {
  const out: { phrase: string; start: number; end: number }[] = [];
  for (const m of text.matchAll(trigger)) {
    const from = (m.index ?? 0) + m[0].length;
    const rest = text.slice(from);
    const quoted = /^["“']([^"”']{1,150})["”']/.exec(rest);
    const phrase = quoted ? quoted[1] : rest.slice(0, rest.search(SPAN_END) < 0 ? rest.length : rest.search(SPAN_END));
    out.push({ phrase: phrase.trim(), start: m.index ?? 0, end: from + (quoted ? quoted[0].length : phrase.length) });
  }
  return out;
}

/** Blanks the given ranges of `text` (so later rules do not read them again). */
function blank(text: string, ranges: readonly { start: number; end: number }[]): string {
  let out = text;
  for (const r of ranges) out = out.slice(0, r.start) + ' '.repeat(r.end - r.start) + out.slice(r.end);
  return out;
}

/** Year bounds named in `text` (lower-cased). */
function era(text: string, latestYear: number | undefined): { yearFrom?: number; yearTo?: number } {
  let m = /\bbetween (\d{4}) and (\d{4})\b/.exec(text) ?? /\b(\d{4})\s*(?:-|–|to)\s*(\d{4})\b/.exec(text);
  if (m) return { yearFrom: Math.min(Number(m[1]), Number(m[2])), yearTo: Math.max(Number(m[1]), Number(m[2])) };
  const bounds: { yearFrom?: number; yearTo?: number } = {};
  m = /\b(?:after|newer than|later than)\s+(\d{4})\b/.exec(text);
  if (m) bounds.yearFrom = Number(m[1]) + 1;
  m = /\b(?:since|from)\s+(\d{4})\s+on(?:wards?)?\b/.exec(text) ?? /\bsince\s+(\d{4})\b/.exec(text);
  if (m) bounds.yearFrom = Number(m[1]);
  m = /\b(?:before|older than|earlier than|pre-?)\s*(\d{4})\b/.exec(text);
  if (m) bounds.yearTo = Number(m[1]) - 1;
  if (bounds.yearFrom !== undefined || bounds.yearTo !== undefined) return bounds;
  m = /\b(?:in|from)\s+(\d{4})\b/.exec(text);
  if (m && Number(m[1]) >= 1880 && Number(m[1]) <= 2100) return { yearFrom: Number(m[1]), yearTo: Number(m[1]) };
  m = /(?:^|[^\w])(?:the\s+)?'?((?:19|20)?\d)0'?s\b/.exec(text);
  if (m) {
    const digits = m[1];
    const start = digits.length === 3 ? Number(digits) * 10 : Number(digits) <= 1 ? 2000 + Number(digits) * 10 : 1900 + Number(digits) * 10;
    return { yearFrom: start, yearTo: start + 9 };
  }
  for (const [word, start] of Object.entries(DECADE_WORDS)) if (new RegExp(`\\b${word}\\b`).test(text)) return { yearFrom: start, yearTo: start + 9 };
  if (/\b(recent|newer|latest|new releases?|brand new)\b/.test(text) && latestYear !== undefined) return { yearFrom: latestYear - 4 };
  if (/\b(classics?|old(?:er)? (?:films?|movies?|ones)|golden age)\b/.test(text)) return { yearTo: 1979 };
  return {};
}

/** Reads one message into a wish; `reset` when the person asks to start over. */
export function parseWishByRules(message: string, vocabulary: CatalogueVocabulary): { wish: Wish; reset: boolean } {
  const wish = emptyWish();
  const text = message.replace(/[’‘]/g, "'");
  const lower = text.toLowerCase();
  const reset = /\b(start over|start again|forget (?:that|it|everything|all that)|from scratch)\b/.test(lower);
  const dislikes = spansAfter(text, DISLIKE);
  for (const s of dislikes) {
    const id = vocabulary.resolveTitle(s.phrase);
    if (id !== undefined) wish.disliked.push(id);
    else wish.excludeGenres.push(...vocabulary.genresIn(s.phrase));
  }
  const rest = blank(text, dislikes);
  const likes = spansAfter(rest, LIKE);
  const titled: { start: number; end: number }[] = [];
  for (const s of likes) {
    const id = vocabulary.resolveTitle(s.phrase);
    if (id !== undefined && !wish.disliked.includes(id)) {
      wish.liked.push(id);
      titled.push(s);
    }
  }
  // A quoted title anywhere is an example too.
  for (const m of rest.matchAll(/["“]([^"”]{2,150})["”]/g)) {
    const id = vocabulary.resolveTitle(m[1]);
    if (id !== undefined && !wish.liked.includes(id) && !wish.disliked.includes(id)) {
      wish.liked.push(id);
      titled.push({ start: m.index ?? 0, end: (m.index ?? 0) + m[0].length });
    }
  }
  const attributeText = blank(rest, titled).toLowerCase();
  for (const m of attributeText.matchAll(EXCLUDE_GENRE)) wish.excludeGenres.push(...vocabulary.genresIn(m[1]));
  const moodText = attributeText;
  for (const [re, mood] of MOOD_WORDS) if (re.test(moodText)) wish.moods.push(mood);
  const excluded = new Set(wish.excludeGenres);
  const blankedExclusions = attributeText.replace(EXCLUDE_GENRE, ' ');
  wish.genres = vocabulary.genresIn(blankedExclusions).filter((g) => !excluded.has(g));
  wish.excludeGenres = [...excluded];
  Object.assign(wish, era(attributeText, vocabulary.latestYear));
  const price = /\b(?:under|below|less than|cheaper than|at most|max(?:imum)?|up to|no more than)\s*(?:\$|€|£|usd\s*|eur\s*)?\s*(\d+(?:\.\d+)?)/.exec(attributeText);
  if (price) wish.maxPrice = Number(price[1]);
  const words = blank(text, dislikes).replace(/\s+/g, ' ').trim();
  wish.query = words.length >= 3 ? words : '';
  wish.liked = [...new Set(wish.liked)];
  wish.disliked = [...new Set(wish.disliked)];
  return { wish, reset };
}
