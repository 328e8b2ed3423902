/**
 * The text of each catalogue item as encoders read it: the verbalised item (title, genres, tagline,
 * plot, keywords), the tags users gave it, and what its reviews talk about (aspects with their
 * sentiment, SPEC C7), gathered from stored `tag` and `review` events; an item whose own text is thin
 * reads with the description generated for it (`storage.generatedTexts`), kept beside its text.
 * @module
 */
import { throwIfAborted } from '../core/errors.js';
import type { Item } from '../core/types.js';
import type { Storage } from '../storage/storage.js';
import { aspectVocabulary, extractAspects } from '../text/aspects.js';
import type { Aspect } from '../text/aspects.js';
import type { Verbalizer } from '../text/verbalizer.js';

/** Item ids with their texts, in catalogue (id) order. */
export interface CatalogueText {
  ids: string[];
  texts: string[];
  items: Item[];
}

/** User-written text about items, grouped by item id. */
export interface UserTextByItem {
  /** Tags per item, repeats kept (the verbaliser ranks them by frequency). */
  tags: Map<string, string[]>;
  /** Review bodies per item. */
  reviews: Map<string, string[]>;
}

/** At most this many aspects per item enter its text. */
const ASPECTS_PER_ITEM = 6;

function push(map: Map<string, string[]>, key: string, value: string): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** Tags and reviews per item from stored events. */
export async function userTextByItem(storage: Storage, signal?: AbortSignal): Promise<UserTextByItem> {
  const out: UserTextByItem = { tags: new Map(), reviews: new Map() };
  for await (const page of storage.events.scan({ types: ['tag', 'review'], signal })) {
    for (const e of page) {
      if (e.itemId === undefined || !e.text) continue;
      push(e.type === 'tag' ? out.tags : out.reviews, e.itemId, e.text);
    }
  }
  return out;
}

/**
 * Salient aspects of each reviewed item, weighted against how common each aspect is across all
 * reviewed items (so "movie" or "story" do not crowd out "soundtrack" or "pacing").
 */
export function reviewAspects(reviews: ReadonlyMap<string, readonly string[]>, maxAspects = ASPECTS_PER_ITEM): Map<string, Aspect[]> {
  const out = new Map<string, Aspect[]>();
  if (reviews.size === 0) return out;
  const vocabulary = aspectVocabulary(reviews.values());
  for (const [itemId, texts] of reviews) {
    const aspects = extractAspects(texts, { vocabulary, maxAspects });
    if (aspects.length > 0) out.set(itemId, aspects);
  }
  return out;
}

/**
 * The item as text models read it: its own text followed by the description generated for it, if
 * any (the stored item is never changed).
 */
export function withGeneratedText(item: Item, generated: string | undefined): Item {
  if (generated === undefined || generated === '') return item;
  const own = item.text?.trim() ?? '';
  return { ...item, text: own === '' ? generated : `${own} ${generated}` };
}

/** Verbalises every stored item with its tags, review aspects and generated description. */
export async function catalogueText(storage: Storage, verbalizer: Verbalizer, signal?: AbortSignal): Promise<CatalogueText> {
  const { tags, reviews } = await userTextByItem(storage, signal);
  const aspects = reviewAspects(reviews);
  const out: CatalogueText = { ids: [], texts: [], items: [] };
  for await (const page of storage.items.scan({ signal })) {
    throwIfAborted(signal);
    const generated = new Map((await storage.generatedTexts.getMany(page.map((it) => it.id), { signal })).map((g) => [g.itemId, g.text]));
    for (const item of page) {
      out.ids.push(item.id);
      out.items.push(item);
      out.texts.push(verbalizer.item(withGeneratedText(item, generated.get(item.id)), { tags: tags.get(item.id), aspects: aspects.get(item.id) }));
    }
  }
  return out;
}
