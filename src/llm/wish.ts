/**
 * What a person in a conversation asks for, as a structure the engine can answer: items they like
 * (or want something like) and do not want, attributes (genres wanted and excluded, an era, a price
 * ceiling), moods that shift the answer (`funnier`, `darker` …) and the wish in a few words. Both
 * the rule-based parser and a chat model produce it; {@link mergeWish} folds a new message's wish
 * into the conversation's so far.
 * @module
 */

/** A structured request. */
export interface Wish {
  /** Item ids liked, or asked for something like. */
  liked: string[];
  /** Item ids not wanted. */
  disliked: string[];
  /** Genres (catalogue values) wanted: an answer has at least one. */
  genres: string[];
  /** Genres (catalogue values) not wanted. */
  excludeGenres: string[];
  /** Release years, inclusive. */
  yearFrom?: number;
  yearTo?: number;
  /** Highest price. */
  maxPrice?: number;
  /** Shifts such as `funnier`, `darker`, `lighter`, `scarier`, `more romantic`. */
  moods: string[];
  /** The wish in words, for the semantic model (the message without the parts parsed above, or a model's summary). */
  query: string;
}

/** An empty wish. */
export function emptyWish(): Wish {
  return { liked: [], disliked: [], genres: [], excludeGenres: [], moods: [], query: '' };
}

const unique = (values: readonly string[]): string[] => [...new Set(values)];

/**
 * The conversation's wish after a new message's: examples and exclusions accumulate (an item or genre
 * named again on the other side moves there), attributes given again replace the earlier ones, and
 * the words are the new message's when it has any.
 */
export function mergeWish(before: Wish, next: Wish): Wish {
  const disliked = unique([...before.disliked.filter((id) => !next.liked.includes(id)), ...next.disliked]);
  const liked = unique([...before.liked.filter((id) => !next.disliked.includes(id)), ...next.liked]);
  const excludeGenres = unique([...before.excludeGenres.filter((g) => !next.genres.includes(g)), ...next.excludeGenres]);
  const genres = (next.genres.length > 0 ? next.genres : before.genres).filter((g) => !next.excludeGenres.includes(g));
  const out: Wish = {
    liked,
    disliked,
    genres,
    excludeGenres,
    moods: next.moods.length > 0 ? next.moods : before.moods,
    query: next.query !== '' ? next.query : before.query,
  };
  const yearFrom = next.yearFrom ?? (next.yearTo === undefined ? before.yearFrom : undefined);
  const yearTo = next.yearTo ?? (next.yearFrom === undefined ? before.yearTo : undefined);
  if (yearFrom !== undefined) out.yearFrom = yearFrom;
  if (yearTo !== undefined) out.yearTo = yearTo;
  const maxPrice = next.maxPrice ?? before.maxPrice;
  if (maxPrice !== undefined) out.maxPrice = maxPrice;
  return out;
}
