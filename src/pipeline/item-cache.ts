/**
 * An in-memory read-through cache of catalogue records for the request path: a list request reads a
 * few hundred candidate items, and decoding them from storage on every request dominated its time.
 * The owner keeps it true by calling {@link ItemCache.put} when items are upserted and
 * {@link ItemCache.forget} when they are deleted; a bounded size keeps memory flat on big catalogues.
 * @module
 */
import type { Item } from '../core/types.js';
import type { Storage } from '../storage/storage.js';

/** Options of {@link ItemCache}. */
export interface ItemCacheOptions {
  /** Most records kept (default 200,000); the oldest entries go first when it is exceeded. */
  maxItems?: number;
}

/** See the module description. */
export class ItemCache {
  private readonly byId = new Map<string, Item>();
  /** Ids known to be absent from storage, so repeated misses do not query again. */
  private readonly missing = new Set<string>();
  private readonly maxItems: number;

  constructor(
    private readonly storage: Storage,
    options: ItemCacheOptions = {},
  ) {
    this.maxItems = options.maxItems ?? 200_000;
  }

  /** The records of `ids` that exist, read from storage only for ids not seen before. */
  async getMany(ids: readonly string[], signal?: AbortSignal): Promise<Item[]> {
    const want = ids.filter((id) => !this.byId.has(id) && !this.missing.has(id));
    if (want.length > 0) {
      const found = await this.storage.items.getMany(want, { signal });
      for (const item of found) this.remember(item);
      const got = new Set(found.map((it) => it.id));
      for (const id of want) if (!got.has(id)) this.missing.add(id);
      if (this.missing.size > this.maxItems) this.missing.clear();
    }
    const out: Item[] = [];
    for (const id of ids) {
      const item = this.byId.get(id);
      if (item) out.push(item);
    }
    return out;
  }

  /** Records new or changed items. */
  put(items: readonly Item[]): void {
    for (const item of items) {
      this.missing.delete(item.id);
      this.byId.delete(item.id);
      this.remember(item);
    }
  }

  /** Drops deleted items. */
  forget(ids: readonly string[]): void {
    for (const id of ids) {
      this.byId.delete(id);
      this.missing.add(id);
    }
  }

  /** Number of cached records. */
  get size(): number {
    return this.byId.size;
  }

  private remember(item: Item): void {
    this.byId.set(item.id, item);
    if (this.byId.size > this.maxItems) {
      const oldest = this.byId.keys().next();
      if (!oldest.done) this.byId.delete(oldest.value);
    }
  }
}
