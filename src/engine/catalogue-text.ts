/**
 * The text of each catalogue item as encoders read it: the verbalised item (title, genres, tagline,
 * plot, keywords) plus the tags users gave it, gathered from stored `tag` events.
 * @module
 */
import { throwIfAborted } from '../core/errors.js';
import type { Item } from '../core/types.js';
import type { Storage } from '../storage/storage.js';
import type { Verbalizer } from '../text/verbalizer.js';

/** Item ids with their texts, in catalogue (id) order. */
export interface CatalogueText {
  ids: string[];
  texts: string[];
  items: Item[];
}

/** Tags per item from stored `tag` events, repeats kept (the verbaliser ranks them by frequency). */
export async function tagsByItem(storage: Storage, signal?: AbortSignal): Promise<Map<string, string[]>> {
  const tags = new Map<string, string[]>();
  for await (const page of storage.events.scan({ types: ['tag'], signal })) {
    for (const e of page) {
      if (e.itemId === undefined || !e.text) continue;
      const list = tags.get(e.itemId);
      if (list) list.push(e.text);
      else tags.set(e.itemId, [e.text]);
    }
  }
  return tags;
}

/** Verbalises every stored item. */
export async function catalogueText(storage: Storage, verbalizer: Verbalizer, signal?: AbortSignal): Promise<CatalogueText> {
  const tags = await tagsByItem(storage, signal);
  const out: CatalogueText = { ids: [], texts: [], items: [] };
  for await (const page of storage.items.scan({ signal })) {
    throwIfAborted(signal);
    for (const item of page) {
      out.ids.push(item.id);
      out.items.push(item);
      out.texts.push(verbalizer.item(item, { tags: tags.get(item.id) }));
    }
  }
  return out;
}
