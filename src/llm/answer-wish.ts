/**
 * The engine's own answer to a {@link Wish}: candidates from the semantic model (the wish's words,
 * blended with the user's interests when one is known; a BM25 keyword search while no semantic model
 * is trained), from the collaborative model (items similar to each liked example) and from the
 * user's own recommendations, merged by reciprocal-rank fusion; then the attribute filters (genres,
 * excluded genres, years, price), moods as boosts of the genres they lean to, and items close to
 * disliked examples pushed down. Nothing here is generated: every item comes from the catalogue.
 * @module
 */
import { NotFoundError } from '../core/errors.js';
import type { Engine } from '../engine/engine.js';
import type { CatalogueVocabulary, VocabularyItem } from './catalogue-vocabulary.js';
import { MOOD_GENRES } from './rule-wish-parser.js';
import type { Wish } from './wish.js';

/** One answered item with why it answers. */
export interface WishAnswerItem {
  id: string;
  title: string;
  score: number;
  /** Which of the engine's models proposed it (`semantic`, `keyword`, the collaborative model's kind, `personal`). */
  sources: string[];
  /** Why, in short phrases built from the wish (`similar to Heat (1995)`, `Comedy`, `1995`). */
  reasons: string[];
}

/** The answer. */
export interface WishAnswer {
  items: WishAnswerItem[];
  /** The models that answered, e.g. `semantic@2+ease@3`. */
  modelVersion: string;
  /** `keyword` when the semantic model is not trained yet. */
  fallback?: string;
}

/** Options of {@link answerWish}. */
export interface AnswerWishOptions {
  k?: number;
  userId?: string;
  /** Item ids never to answer (e.g. already shown). */
  exclude?: readonly string[];
  signal?: AbortSignal;
}

const FUSION_K = 60;
/** Collaborative models asked for items similar to an example, first trained one wins. */
const COLLABORATIVE_KINDS = ['itemknn', 'ease', 'als', 'bpr', 'hybrid'] as const;
const POOL = 200;

function passes(item: VocabularyItem, wish: Wish): boolean {
  if (wish.genres.length > 0 && !item.genres.some((g) => wish.genres.includes(g))) return false;
  if (item.genres.some((g) => wish.excludeGenres.includes(g))) return false;
  if (wish.yearFrom !== undefined && (item.year === undefined || item.year < wish.yearFrom)) return false;
  if (wish.yearTo !== undefined && (item.year === undefined || item.year > wish.yearTo)) return false;
  if (wish.maxPrice !== undefined && (item.price === undefined || item.price > wish.maxPrice)) return false;
  return true;
}

/** The words the semantic model reads for a wish. */
export function wishQueryText(wish: Wish, vocabulary: CatalogueVocabulary): string {
  const liked = wish.liked.map((id) => vocabulary.items.get(id)?.title).filter((t): t is string => t !== undefined);
  return [wish.query, ...wish.moods, ...wish.genres, ...(liked.length > 0 ? [`like ${liked.join(', ')}`] : [])].filter((p) => p !== '').join('. ');
}

/** Answers `wish` with the engine's models; see the module description. */
export async function answerWish(engine: Engine, vocabulary: CatalogueVocabulary, wish: Wish, options: AnswerWishOptions = {}): Promise<WishAnswer> {
  const k = options.k ?? 10;
  const { signal } = options;
  const scores = new Map<string, number>();
  const sources = new Map<string, Set<string>>();
  const reasons = new Map<string, string[]>();
  const versions: string[] = [];
  const add = (id: string, rank: number, source: string, weight = 1, reason?: string): void => {
    scores.set(id, (scores.get(id) ?? 0) + weight / (FUSION_K + rank + 1));
    const s = sources.get(id) ?? new Set<string>();
    s.add(source);
    sources.set(id, s);
    if (reason !== undefined) reasons.set(id, [...new Set([...(reasons.get(id) ?? []), reason])]);
  };
  const exclude = new Set([...(options.exclude ?? []), ...wish.liked, ...wish.disliked]);
  let fallback: string | undefined;
  const text = wishQueryText(wish, vocabulary);
  if (text !== '') {
    const semantic = await engine.query(text, { k: POOL, ...(options.userId === undefined ? {} : { userId: options.userId }), exclude: [...exclude], ...(signal === undefined ? {} : { signal }) }).catch((error: unknown) => {
      if (error instanceof NotFoundError && (error.details as { model?: unknown } | undefined)?.model === 'semantic') return undefined;
      throw error;
    });
    if (semantic !== undefined) {
      versions.push(semantic.modelVersion);
      semantic.items.forEach((it, r) => add(it.id, r, 'semantic', 1, wish.query === '' ? undefined : `matches "${wish.query.slice(0, 60)}"`));
    } else {
      fallback = 'keyword';
      versions.push('keyword@live');
      vocabulary.keywords.search(text, POOL, exclude).forEach((hit, r) => add(hit.id, r, 'keyword', 1, hit.matched.length > 0 ? `mentions ${hit.matched.slice(0, 3).join(', ')}` : undefined));
    }
  }
  let collaborative: string | undefined;
  if (wish.liked.length > 0 || wish.disliked.length > 0) {
    for (const kind of COLLABORATIVE_KINDS) {
      if ((await engine.loadModel(kind, undefined, signal)) !== undefined) {
        collaborative = kind;
        break;
      }
    }
  }
  const cf = collaborative === undefined ? {} : { model: collaborative };
  for (const likedId of collaborative === undefined ? [] : wish.liked.slice(0, 5)) {
    const similar = await engine.similarItems(likedId, { k: POOL, ...cf, ...(signal === undefined ? {} : { signal }) }).catch((error: unknown) => {
      if (error instanceof NotFoundError) return undefined;
      throw error;
    });
    if (similar === undefined) continue;
    if (!versions.includes(similar.modelVersion)) versions.push(similar.modelVersion);
    const title = vocabulary.items.get(likedId)?.title ?? likedId;
    similar.items.forEach((it, r) => add(it.id, r, similar.modelVersion.split('@')[0], 1.5, `similar to ${title}`));
  }
  if (options.userId !== undefined && wish.liked.length === 0) {
    const personal = await engine.recommend(options.userId, { k: POOL, exclude: [...exclude], ...(signal === undefined ? {} : { signal }) }).catch((error: unknown) => {
      if (error instanceof NotFoundError) return undefined;
      throw error;
    });
    personal?.items.forEach((it, r) => add(it.id, r, 'personal', 0.5, 'fits your history'));
  }
  // Moods lean to genres; disliked examples push their neighbours down.
  const moodGenres = new Set(wish.moods.flatMap((m) => MOOD_GENRES[m] ?? []));
  const pushedDown = new Set<string>();
  for (const dislikedId of collaborative === undefined ? [] : wish.disliked.slice(0, 5)) {
    const similar = await engine.similarItems(dislikedId, { k: 50, ...cf, ...(signal === undefined ? {} : { signal }) }).catch(() => undefined);
    for (const it of similar?.items ?? []) pushedDown.add(it.id);
  }
  const ranked: WishAnswerItem[] = [];
  for (const [id, base] of scores) {
    if (exclude.has(id)) continue;
    const item = vocabulary.items.get(id);
    if (item === undefined || !passes(item, wish)) continue;
    const moodHit = item.genres.some((g) => moodGenres.has(g));
    const score = base * (moodHit ? 1.5 : 1) * (pushedDown.has(id) ? 0.5 : 1);
    const why = [...(reasons.get(id) ?? [])];
    const genres = item.genres.filter((g) => wish.genres.includes(g) || moodGenres.has(g));
    if (genres.length > 0) why.push(genres.join(', '));
    if ((wish.yearFrom !== undefined || wish.yearTo !== undefined) && item.year !== undefined) why.push(String(item.year));
    if (wish.maxPrice !== undefined && item.price !== undefined) why.push(`price ${item.price}`);
    ranked.push({ id, title: item.title, score, sources: [...(sources.get(id) ?? [])], reasons: why });
  }
  ranked.sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1));
  const answer: WishAnswer = { items: ranked.slice(0, k), modelVersion: versions.length > 0 ? versions.join('+') : 'none' };
  if (fallback !== undefined) answer.fallback = fallback;
  return answer;
}
