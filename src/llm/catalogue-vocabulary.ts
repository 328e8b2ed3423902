/**
 * What a conversation's words are matched against: the catalogue's titles (to find the items a
 * person names), its genre values with common synonyms (`funny` → Comedy, `sci-fi` → Sci-Fi), each
 * item's year and price, and a BM25 keyword index for answering without a semantic model. Built
 * from storage page by page (at most `maxItems` items).
 * @module
 */
import type { Item } from '../core/types.js';
import type { Storage } from '../storage/storage.js';
import { KeywordIndex } from '../text/keyword-index.js';
import { titleForms, wordString } from './mentions.js';

/** Words people use for a genre, by the genre's name as catalogues write it (matched case-insensitively). */
const GENRE_SYNONYMS: Readonly<Record<string, readonly string[]>> = Object.freeze({
  comedy: ['comedy', 'comedies', 'funny', 'hilarious', 'laugh', 'humour', 'humor'],
  horror: ['horror', 'scary', 'frightening', 'spooky'],
  'sci-fi': ['sci-fi', 'sci fi', 'science fiction', 'scifi', 'space'],
  romance: ['romance', 'romantic', 'love story', 'romcom', 'rom-com'],
  animation: ['animation', 'animated', 'cartoon', 'cartoons', 'anime'],
  children: ['children', 'kids', 'family', 'for kids'],
  thriller: ['thriller', 'thrillers', 'suspense', 'suspenseful'],
  documentary: ['documentary', 'documentaries'],
  musical: ['musical', 'musicals'],
  crime: ['crime', 'heist', 'gangster', 'mafia'],
  mystery: ['mystery', 'mysteries', 'whodunit'],
  fantasy: ['fantasy', 'magic'],
  action: ['action'],
  adventure: ['adventure', 'adventures'],
  drama: ['drama', 'dramas'],
  war: ['war'],
  western: ['western', 'westerns', 'cowboy'],
  'film-noir': ['film noir', 'noir'],
});

/** Words after "like" that refer back rather than name a title. */
const PRONOUNS = new Set(['it', 'that', 'this', 'these', 'those', 'them', 'one', 'ones', 'him', 'her', 'me', 'you', 'something', 'anything', 'everything', 'nothing', 'more', 'some', 'any', 'same']);

/** What is known of one catalogue item for answering. */
export interface VocabularyItem {
  id: string;
  title: string;
  genres: readonly string[];
  year?: number;
  price?: number;
}

/** See the module description. */
export interface CatalogueVocabulary {
  /** Items by id. */
  readonly items: ReadonlyMap<string, VocabularyItem>;
  /** Catalogue genre values, as written. */
  readonly genres: readonly string[];
  /** The newest year in the catalogue (for "recent"). */
  readonly latestYear: number | undefined;
  /** Keyword search over titles, descriptions and genres. */
  readonly keywords: KeywordIndex;
  /**
   * The item a phrase names (`the matrix` → The Matrix (1999)), preferring exact forms, then a series
   * name before a colon (`star wars`), then the longest title inside the phrase; popular items win ties.
   */
  resolveTitle(phrase: string): string | undefined;
  /** Catalogue genres a phrase names (by value or synonym), each once. */
  genresIn(phrase: string): string[];
}

function yearOf(item: Item): number | undefined {
  const y = item.attributes?.year;
  if (typeof y === 'number' && Number.isInteger(y)) return y;
  const m = /\((\d{4})(?:\s*[–-]\s*(?:\d{4})?)?\)\s*$/.exec(item.title);
  return m ? Number(m[1]) : undefined;
}

function genresOf(item: Item): string[] {
  const v = item.attributes?.genres ?? item.attributes?.categories ?? item.attributes?.category;
  return (Array.isArray(v) ? v : [v]).filter((g): g is string => typeof g === 'string' && g !== '' && g !== '(no genres listed)');
}

/** Builds the vocabulary from `storage`; `popularity` (e.g. event counts) breaks ties between titles. */
export async function buildCatalogueVocabulary(storage: Storage, options: { maxItems?: number; popularity?: (itemId: string) => number; signal?: AbortSignal } = {}): Promise<CatalogueVocabulary> {
  const maxItems = options.maxItems ?? 200_000;
  const items = new Map<string, VocabularyItem>();
  const genreSet = new Set<string>();
  const keywords = new KeywordIndex();
  const exact = new Map<string, string[]>();
  const prefixes = new Map<string, string[]>();
  const forms: { id: string; words: string }[] = [];
  let latestYear: number | undefined;
  scan: for await (const page of storage.items.scan({ signal: options.signal })) {
    for (const item of page) {
      if (items.size >= maxItems) break scan;
      if (item.available === false) continue;
      const genres = genresOf(item);
      const year = yearOf(item);
      const price = typeof item.attributes?.price === 'number' ? item.attributes.price : undefined;
      items.set(item.id, { id: item.id, title: item.title, genres, ...(year === undefined ? {} : { year }), ...(price === undefined ? {} : { price }) });
      for (const g of genres) genreSet.add(g);
      if (year !== undefined) latestYear = Math.max(latestYear ?? year, year);
      keywords.add({ id: item.id, title: item.title, ...(item.text === undefined ? {} : { text: item.text.slice(0, 2_000) }), facets: genres });
      for (const f of titleForms(item.title)) {
        const words = wordString(f);
        exact.set(words, [...(exact.get(words) ?? []), item.id]);
        if (words.trim().length >= 3) forms.push({ id: item.id, words });
      }
      // A series name before a colon: "Star Wars" for "Star Wars: Episode IV - A New Hope (1977)".
      const series = /^([^:]{4,}):\s/.exec(item.title);
      if (series) {
        const words = wordString(series[1]);
        prefixes.set(words, [...(prefixes.get(words) ?? []), item.id]);
      }
    }
  }
  const popularity = options.popularity ?? (() => 0);
  const best = (ids: readonly string[]): string | undefined => [...ids].sort((a, b) => popularity(b) - popularity(a) || (a < b ? -1 : 1))[0];
  const genres = [...genreSet].sort();
  const synonyms = genres.map((g) => ({ genre: g, words: [g, ...(GENRE_SYNONYMS[g.toLowerCase()] ?? [])].map(wordString) }));
  return {
    items,
    genres,
    latestYear,
    keywords,
    resolveTitle(phrase: string): string | undefined {
      const words = wordString(phrase);
      if (PRONOUNS.has(words.trim())) return undefined;
      const hit = exact.get(words);
      // A short title ("Up", "It") counts only as written, capitalised: "like it" is not the film It.
      if (hit && (words.trim().length >= 4 || /^\s*["“']?\p{Lu}/u.test(phrase))) return best(hit);
      const series = prefixes.get(words);
      if (series) return best(series);
      // The longest title found inside the phrase (a title may come with words around it).
      let found: { length: number; ids: string[] } | undefined;
      for (const f of forms) {
        if (!words.includes(f.words)) continue;
        if (found === undefined || f.words.length > found.length) found = { length: f.words.length, ids: [f.id] };
        else if (f.words.length === found.length) found.ids.push(f.id);
      }
      // Short titles ("Up", "Heat") only count when they are the whole phrase.
      return found !== undefined && found.length >= 7 ? best(found.ids) : undefined;
    },
    genresIn(phrase: string): string[] {
      const words = wordString(phrase);
      return synonyms.filter((s) => s.words.some((w) => words.includes(w))).map((s) => s.genre);
    },
  };
}

/**
 * The vocabulary built on first need and kept; once older than `maxAgeMs` (default 10 minutes) it is
 * rebuilt in the background while the old one keeps answering, so catalogue changes show up
 * without a request ever waiting for more than the first build.
 */
export function cachedCatalogueVocabulary(storage: Storage, options: { maxAgeMs?: number; maxItems?: number; popularity?: (itemId: string) => number; clock?: () => number } = {}): (signal?: AbortSignal) => Promise<CatalogueVocabulary> {
  const maxAgeMs = options.maxAgeMs ?? 600_000;
  const clock = options.clock ?? Date.now;
  let current: { vocabulary: CatalogueVocabulary; at: number } | undefined;
  let building: Promise<CatalogueVocabulary> | undefined;
  const build = (): Promise<CatalogueVocabulary> => {
    building ??= buildCatalogueVocabulary(storage, { ...(options.maxItems === undefined ? {} : { maxItems: options.maxItems }), ...(options.popularity === undefined ? {} : { popularity: options.popularity }) })
      .then((vocabulary) => {
        current = { vocabulary, at: clock() };
        return vocabulary;
      })
      .finally(() => {
        building = undefined;
      });
    return building;
  };
  return async () => {
    if (current === undefined) return build();
    if (clock() - current.at > maxAgeMs) build().catch(() => undefined);
    return current.vocabulary;
  };
}
