/**
 * Time-decayed item counters (C17): each observed event adds its weight, and every count halves
 * every `halfLifeMs`. Each count is kept as its value at its last update (the time it was stamped),
 * so years of decay never underflow and the order of items stays exact however old the data is;
 * reads and comparisons move it to a common clock in the log domain. An event is one multiplication
 * and one addition (none for a plain popularity counter, an infinite half-life).
 * @module
 */
import { ValidationError } from '../core/errors.js';
import { topK } from '../linalg/top-k.js';
import type { Event } from '../core/types.js';
import type { FeedbackPolicy } from '../engine/feedback-policy.js';
import { feedbackWeight } from '../engine/feedback-policy.js';
import type { CallOptions } from '../storage/storage.js';
import type { Storage } from '../storage/storage.js';

/** Options of {@link TrendingTracker}. */
export interface TrendingTrackerOptions {
  /** Half-life of a count in ms; `Infinity` never decays (popularity). Default 7 days. */
  halfLifeMs?: number;
  /** Which events count and how much (events with weight 0 are ignored). */
  policy: FeedbackPolicy;
}

/** One item with its decayed count. */
export interface TrendingEntry {
  itemId: string;
  /** Decayed count at the requested time (may be tiny for old data; the order is still exact). */
  score: number;
}

/** Default half-life of trending counts: 7 days. */
export const DEFAULT_TRENDING_HALF_LIFE_MS = 7 * 24 * 3600 * 1000;

/** Items kept in the ranking between events (more when a request excludes many). */
const RANKING_DEPTH = 1_000;

/**
 * A decayed counter per item. `observe` is O(1); `top` is O(items · log k).
 *
 * @example
 * const trending = new TrendingTracker({ halfLifeMs: 3 * 86_400_000, policy: DEFAULT_FEEDBACK_POLICY });
 * trending.observe({ userId: 'u', itemId: 'i', type: 'click', timestamp: Date.now() });
 * trending.top(10, Date.now());
 */
export class TrendingTracker {
  /** Half-life in ms (Infinity = no decay). */
  readonly halfLifeMs: number;
  private readonly policy: FeedbackPolicy;
  private readonly index = new Map<string, number>();
  private ids: string[] = [];
  /** The count at `lastAt` (0: taken back to nothing by `remove`). */
  private stamped = new Float64Array(64);
  private lastAt = new Float64Array(64);
  /**
   * Item indices by decreasing count, the head of the order (at most `rankedDepth` of them, or every
   * item when `rankedAll`). Every count decays at the same rate, so an event changes one item's place
   * only: `add` moves it (a binary search and a splice), and a request reads the head.
   */
  private ranking: number[] | undefined;
  private rankedDepth = 0;
  private rankedAll = false;
  /** Latest time any count was stamped with. */
  private latestAt = -Infinity;
  /** Items whose count was taken back to nothing (`remove`): kept in `ids`, skipped when listed. */
  private emptied = 0;

  constructor(options: TrendingTrackerOptions) {
    const h = options.halfLifeMs ?? DEFAULT_TRENDING_HALF_LIFE_MS;
    if (!(h > 0)) throw new ValidationError(`trending half-life must be positive, got ${h}`, { details: { field: 'halfLifeMs', value: h } });
    this.halfLifeMs = h;
    this.policy = options.policy;
  }

  /** Number of items with a count. */
  get size(): number {
    return this.ids.length - this.emptied;
  }

  /** Adds one event (ignored unless it is positive feedback about an item). */
  observe(event: Pick<Event, 'itemId' | 'type' | 'value' | 'timestamp'>): void {
    const w = feedbackWeight(event, this.policy);
    if (w <= 0 || event.itemId === undefined) return;
    this.add(event.itemId, w, event.timestamp);
  }

  /** Adds `weight` to `itemId`'s count at time `at`. */
  add(itemId: string, weight: number, at: number): void {
    if (at > this.latestAt) this.latestAt = at;
    let i = this.index.get(itemId);
    if (i !== undefined && this.stamped[i] === 0) {
      this.emptied--;
      this.stamped[i] = weight;
      this.lastAt[i] = at;
      this.rerank(i, true);
      return;
    }
    if (i === undefined) {
      i = this.ids.length;
      this.index.set(itemId, i);
      this.ids.push(itemId);
      if (i >= this.stamped.length) this.grow();
      this.stamped[i] = weight;
      this.lastAt[i] = at;
      this.rerank(i, false);
      return;
    }
    // Both terms at the later of the two times (the earlier one decayed to it), then added.
    const last = this.lastAt[i];
    if (at >= last) {
      this.stamped[i] = (at === last ? this.stamped[i] : this.stamped[i] * this.factor(at - last)) + weight;
      this.lastAt[i] = at;
    } else {
      this.stamped[i] += weight * this.factor(last - at);
    }
    this.rerank(i, true);
  }

  /** Takes back an event that {@link TrendingTracker.observe} counted (its user was deleted). */
  forget(event: Pick<Event, 'itemId' | 'type' | 'value' | 'timestamp'>): void {
    const w = feedbackWeight(event, this.policy);
    if (w <= 0 || event.itemId === undefined) return;
    this.remove(event.itemId, w, event.timestamp);
  }

  /**
   * Subtracts `weight` added to `itemId`'s count at time `at`: the count is what it would be had
   * that weight never been added, up to rounding. A count left below a billionth of the weight
   * removed is nothing (the item is no longer listed). The kept ranking is dropped, since an item
   * falling out of its head lets in one it never held; the next `top` ranks afresh.
   */
  remove(itemId: string, weight: number, at: number): void {
    const i = this.index.get(itemId);
    if (i === undefined || this.stamped[i] === 0) return;
    const last = this.lastAt[i];
    const t = Math.max(at, last);
    const count = this.stamped[i] * this.factor(t - last);
    const removed = weight * this.factor(t - at);
    if (count - removed <= 1e-9 * removed) {
      this.stamped[i] = 0;
      this.emptied++;
    } else {
      this.stamped[i] = count - removed;
    }
    this.lastAt[i] = t;
    this.ranking = undefined;
  }

  /**
   * The count's order key, the same at every time after all stamps: log2 of the count moved to a
   * common clock (decay is linear in the log domain, so later comparisons agree with it).
   */
  private key(i: number): number {
    const log2 = Math.log2(this.stamped[i]);
    return this.halfLifeMs === Infinity ? log2 : log2 + this.lastAt[i] / this.halfLifeMs;
  }

  /** Before `j` in the order: a higher key, or an equal one and observed first. */
  private before(i: number, j: number): boolean {
    const ki = this.key(i);
    const kj = this.key(j);
    return ki > kj || (ki === kj && i < j);
  }

  /** Puts item `i`, whose count just grew (or who is new), at its place in the kept ranking. */
  private rerank(i: number, known: boolean): void {
    const r = this.ranking;
    if (r === undefined) return;
    if (known) {
      const p = r.indexOf(i);
      if (p >= 0) r.splice(p, 1);
    }
    // First position whose item comes after `i`.
    let lo = 0;
    let hi = r.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.before(r[mid], i)) lo = mid + 1;
      else hi = mid;
    }
    if (lo >= this.rankedDepth && !this.rankedAll) return;
    r.splice(lo, 0, i);
    if (!this.rankedAll && r.length > this.rankedDepth) r.pop();
  }

  /** log2 of `itemId`'s decayed count at `now` (−Infinity when never observed). */
  log2Score(itemId: string, now: number): number {
    const i = this.index.get(itemId);
    return i === undefined ? -Infinity : this.log2At(i, now);
  }

  /** Decayed count of `itemId` at `now` (0 when never observed). */
  score(itemId: string, now: number): number {
    return Math.pow(2, this.log2Score(itemId, now));
  }

  /** The `k` items with the highest decayed counts at `now`, best first (ties by first observation). */
  top(k: number, now: number, exclude?: ReadonlySet<string>): TrendingEntry[] {
    const n = this.ids.length;
    const want = Math.max(0, Math.min(k, n));
    if (want === 0) return [];
    const depth = Math.min(n, Math.max(RANKING_DEPTH, want + (exclude?.size ?? 0)));
    // A count stamped after `now` does not decay yet, which breaks the common rate: rank afresh then
    // (and keep nothing). Otherwise the kept ranking serves while it is deep enough.
    if (now < this.latestAt) return this.entries(this.rankAll(now, depth), want, now, exclude);
    if (this.ranking === undefined || (!this.rankedAll && this.ranking.length < depth)) {
      this.ranking = this.rankAll(now, depth);
      this.rankedDepth = depth;
      this.rankedAll = depth >= n;
    }
    return this.entries(this.ranking, want, now, exclude);
  }

  /** The top `depth` item indices at `now` by a heap over every count (ties: lower index first). */
  private rankAll(now: number, depth: number): number[] {
    const n = this.ids.length;
    const logs = new Float64Array(n);
    for (let i = 0; i < n; i++) logs[i] = this.log2At(i, now);
    return Array.from(topK(logs, depth).indices);
  }

  private entries(ranking: readonly number[], want: number, now: number, exclude: ReadonlySet<string> | undefined): TrendingEntry[] {
    const out: TrendingEntry[] = [];
    for (const i of ranking) {
      if (this.stamped[i] === 0 || exclude?.has(this.ids[i])) continue;
      out.push({ itemId: this.ids[i], score: Math.pow(2, this.log2At(i, now)) });
      if (out.length === want) break;
    }
    return out;
  }


  /** Slots `forEachStamp` walks: every item ever counted, in first-observation order. */
  get slots(): number {
    return this.ids.length;
  }

  /**
   * Calls `fn` with the count of each item in slots `from` to `to` (exclusive) as it was last
   * stamped and the time of the stamp (what `add` takes back at that time); items taken back to
   * nothing are skipped.
   */
  forEachStamp(from: number, to: number, fn: (itemId: string, count: number, at: number) => void): void {
    for (let i = Math.max(0, from); i < Math.min(to, this.ids.length); i++) if (this.stamped[i] !== 0) fn(this.ids[i], this.stamped[i], this.lastAt[i]);
  }

  /** The decayed count at `now` of every item with a count, in first-observation order (as `items()`), without a look-up per id. */
  counts(now: number): Float64Array {
    const out = new Float64Array(this.ids.length - this.emptied);
    let c = 0;
    for (let i = 0; i < this.ids.length; i++) if (this.stamped[i] !== 0) out[c++] = Math.pow(2, this.log2At(i, now));
    return out;
  }

  /** Ids of all items with a count, in first-observation order. */
  items(): readonly string[] {
    return this.emptied === 0 ? this.ids : this.ids.filter((_, i) => this.stamped[i] !== 0);
  }

  /**
   * Feeds every stored event (in sequence order) into the tracker; used on start so that trending
   * survives a restart.
   */
  async load(storage: Storage, options: CallOptions = {}): Promise<number> {
    let n = 0;
    for await (const page of storage.events.scan({ signal: options.signal, batchSize: 20_000 })) {
      for (const e of page) this.observe(e);
      n += page.length;
    }
    return n;
  }

  private log2At(i: number, now: number): number {
    // Times before the last update read as the last update (no growth backwards in time).
    return Math.log2(this.stamped[i]) - this.decay(Math.max(0, now - this.lastAt[i]));
  }

  /** What a count keeps of itself over `dt` ms (≥ 0): 2^(−dt / half-life). */
  private factor(dt: number): number {
    return this.halfLifeMs === Infinity ? 1 : Math.pow(2, -dt / this.halfLifeMs);
  }

  private decay(dt: number): number {
    return this.halfLifeMs === Infinity ? 0 : dt / this.halfLifeMs;
  }

  private grow(): void {
    const c = new Float64Array(this.stamped.length * 2);
    c.set(this.stamped);
    this.stamped = c;
    const t = new Float64Array(this.lastAt.length * 2);
    t.set(this.lastAt);
    this.lastAt = t;
  }
}
