/**
 * The keyword fallback of `POST /v1/query` (issue: the Ask page and catalogue search must not answer
 * 404 while the semantic model is still being trained): a BM25 index over the catalogue's titles,
 * descriptions and descriptive attributes, built on the first request that needs it by reading the
 * catalogue page by page (other requests are answered between pages), rebuilt in the background when
 * older than `maxAgeMs`, and dropped by the route once the semantic model answers.
 * @module
 */
import { KeywordIndex } from '../index.js';
import type { Item, KeywordHit, Storage } from '../index.js';

/** Options of {@link createKeywordSearch}. */
export interface KeywordSearchOptions {
  /** Most items indexed (default 200,000; the rest, in id order, are not found). */
  maxItems?: number;
  /** Age after which the index is rebuilt in the background (default 60 s), so new items are found. */
  maxAgeMs?: number;
  /** Description characters indexed per item (default 2,000, as encoders read). */
  maxTextChars?: number;
}

/** What a keyword search answers. */
export interface KeywordSearchResult {
  hits: KeywordHit[];
  /** Items in the index. */
  indexed: number;
  /** Whether the catalogue had more items than `maxItems`. */
  truncated: boolean;
}

/** A lazily built keyword index over one storage's catalogue. */
export interface KeywordSearch {
  search(text: string, k: number, exclude: ReadonlySet<string>, signal?: AbortSignal): Promise<KeywordSearchResult>;
  /** Drops the index (its memory) until the next search. */
  clear(): void;
}

const FACET_ATTRIBUTES = ['genres', 'tags', 'category', 'categories', 'brand', 'topics', 'keywords'];

function facets(item: Item): string[] {
  const out: string[] = [];
  for (const name of FACET_ATTRIBUTES) {
    const value = item.attributes?.[name];
    for (const v of Array.isArray(value) ? value : [value]) if (typeof v === 'string') out.push(v);
  }
  return out.slice(0, 50);
}

/** Creates the search; nothing is read until the first call. */
export function createKeywordSearch(storage: Storage, options: KeywordSearchOptions = {}): KeywordSearch {
  const maxItems = options.maxItems ?? 200_000;
  const maxAgeMs = options.maxAgeMs ?? 60_000;
  const maxTextChars = options.maxTextChars ?? 2_000;
  let built: { index: KeywordIndex; at: number; truncated: boolean } | undefined;
  let building: Promise<{ index: KeywordIndex; at: number; truncated: boolean }> | undefined;

  async function build(signal?: AbortSignal): Promise<{ index: KeywordIndex; at: number; truncated: boolean }> {
    const index = new KeywordIndex();
    let truncated = false;
    for await (const page of storage.items.scan({ batchSize: 1_000, ...(signal === undefined ? {} : { signal }) })) {
      for (const item of page) {
        if (item.available === false) continue;
        if (index.size >= maxItems) {
          truncated = true;
          break;
        }
        index.add({ id: item.id, title: item.title, ...(item.text === undefined ? {} : { text: item.text.slice(0, maxTextChars) }), facets: facets(item) });
      }
      if (truncated) break;
      // Other requests are answered between pages.
      await new Promise((resolve) => setImmediate(resolve));
    }
    return { index, at: Date.now(), truncated };
  }

  function start(): Promise<{ index: KeywordIndex; at: number; truncated: boolean }> {
    building ??= build().then(
      (result) => {
        built = result;
        building = undefined;
        return result;
      },
      (error: unknown) => {
        building = undefined;
        throw error;
      },
    );
    return building;
  }

  return {
    async search(text, k, exclude) {
      if (built === undefined) await start();
      else if (Date.now() - built.at > maxAgeMs) start().catch(() => undefined);
      const current = built ?? (await start());
      return { hits: current.index.search(text, k, exclude), indexed: current.index.size, truncated: current.truncated };
    },
    clear() {
      built = undefined;
    },
  };
}
