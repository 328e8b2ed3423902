/**
 * Trending topics (C17): bursts of interest across items that share a genre, category or tag. Every
 * positive event counts for each topic of its item (from the item's attributes, e.g. `genres`,
 * `category`, `tags`) and, for a `tag` event, for the tag the user wrote. Each topic keeps two
 * time-decayed counts: a short half-life one (the current rate) and a long half-life one (the
 * baseline). A topic bursts when its short count exceeds what the baseline predicts for the short
 * window, scored as a smoothed Poisson z-score, so a steady large topic scores about 0 and a small
 * topic needs several events before it outranks a large one that is growing.
 * @module
 */
import { ValidationError } from '../core/errors.js';
import type { Event, Item, JsonValue } from '../core/types.js';
import type { FeedbackPolicy } from '../engine/feedback-policy.js';
import { feedbackWeight } from '../engine/feedback-policy.js';
import { TrendingTracker } from './trending-tracker.js';

/** Options of {@link TrendingTopics}. */
export interface TrendingTopicsOptions {
  /** Which events count and how much. */
  policy: FeedbackPolicy;
  /** Half-life of the current rate, ms (default 1 day). */
  shortHalfLifeMs?: number;
  /** Half-life of the baseline, ms (default 30 days); must exceed the short one. */
  longHalfLifeMs?: number;
  /** Item attributes whose values are topics (default `genres`, `genre`, `category`, `categories`, `tags`, `topics`). */
  attributes?: readonly string[];
  /** Added to the expected count under the z-score's square root (default 1): damps tiny topics. */
  smoothing?: number;
  /** Topics whose values look like these are skipped (default `(no genres listed)`). */
  ignore?: readonly string[];
}

/** One trending topic. */
export interface TrendingTopic {
  /** `<kind>:<value in lower case>`, e.g. `genres:comedy`, `tag:dark comedy` (item `tags` and user tag events share `tag`). */
  topic: string;
  /** The attribute (or `tag` for user tags). */
  kind: string;
  /** The value as first seen. */
  name: string;
  /** Burst score: (short − expected) / √(expected + smoothing), expected = baseline × short/long half-life. */
  score: number;
  /** Decayed count over the short half-life at the requested time. */
  recent: number;
  /** What the baseline predicts for the short window. */
  expected: number;
  /** Items of the topic with the highest short half-life counts, best first. */
  items: { itemId: string; score: number }[];
}

/** Default attributes whose values are topics. */
export const DEFAULT_TOPIC_ATTRIBUTES: readonly string[] = ['genres', 'genre', 'category', 'categories', 'tags', 'topics'];

const DAY = 86_400_000;
/** Items whose counts a bulk load's end adds to their topics per turn of the event loop. */
const FOLD_SLICE = 50_000;
/** Attributes naming the same kind of topic share keys, so an item tag and a user's tag event meet. */
const KIND_OF_ATTRIBUTE: Readonly<Record<string, string>> = { genre: 'genres', categories: 'category', tags: 'tag', topics: 'tag' };

/**
 * See the module description.
 *
 * @example
 * const topics = new TrendingTopics({ policy: DEFAULT_FEEDBACK_POLICY });
 * topics.observeItems([{ id: 'm1', title: 'Heat', attributes: { genres: ['Crime'] } }]);
 * topics.observe({ userId: 'u', itemId: 'm1', type: 'like', timestamp: Date.now() });
 * topics.top(5, Date.now()); // [{ topic: 'genres:Crime', score: …, items: [{ itemId: 'm1', … }] }]
 */
export class TrendingTopics {
  readonly shortHalfLifeMs: number;
  readonly longHalfLifeMs: number;
  private readonly policy: FeedbackPolicy;
  private readonly attributes: readonly string[];
  private readonly smoothing: number;
  private readonly ignore: ReadonlySet<string>;
  private readonly short: TrendingTracker;
  private readonly long: TrendingTracker;
  /** Item counts over the short half-life, to list a topic's items. */
  private readonly itemCounts: TrendingTracker;
  private readonly topicsOfItem = new Map<string, string[]>();
  private readonly itemsOfTopic = new Map<string, Set<string>>();
  private readonly names = new Map<string, { kind: string; name: string }>();
  /** During a bulk load: each item's count with the baseline half-life. */
  private loadingLong: TrendingTracker | undefined;

  constructor(options: TrendingTopicsOptions) {
    this.policy = options.policy;
    this.shortHalfLifeMs = options.shortHalfLifeMs ?? DAY;
    this.longHalfLifeMs = options.longHalfLifeMs ?? 30 * DAY;
    if (!(this.longHalfLifeMs > this.shortHalfLifeMs)) {
      throw new ValidationError(`the baseline half-life (${this.longHalfLifeMs} ms) must exceed the short one (${this.shortHalfLifeMs} ms)`, {
        details: { field: 'longHalfLifeMs', value: this.longHalfLifeMs },
      });
    }
    this.attributes = options.attributes ?? DEFAULT_TOPIC_ATTRIBUTES;
    this.smoothing = options.smoothing ?? 1;
    this.ignore = new Set((options.ignore ?? ['(no genres listed)']).map((s) => s.toLowerCase()));
    this.short = new TrendingTracker({ policy: options.policy, halfLifeMs: this.shortHalfLifeMs });
    this.long = new TrendingTracker({ policy: options.policy, halfLifeMs: this.longHalfLifeMs });
    this.itemCounts = new TrendingTracker({ policy: options.policy, halfLifeMs: this.shortHalfLifeMs });
  }

  /** Number of topics known (from items or tag events). */
  get size(): number {
    return this.names.size;
  }

  /** Learns (or re-learns, after a change) the topics of catalogue items. */
  observeItems(items: readonly Item[]): void {
    for (const item of items) {
      const before = this.topicsOfItem.get(item.id);
      if (before) for (const t of before) this.itemsOfTopic.get(t)?.delete(item.id);
      const topics = this.topicsFromAttributes(item);
      if (topics.length === 0) this.topicsOfItem.delete(item.id);
      else this.topicsOfItem.set(item.id, topics);
      for (const t of topics) this.member(t, item.id);
    }
  }

  /**
   * One event; `item`, when given, updates the item's topics first (for items the tracker was not
   * told about). Only positive feedback about an item counts.
   */
  observe(event: Event, item?: Item): void {
    if (item !== undefined && item.id === event.itemId) this.observeItems([item]);
    const w = feedbackWeight(event, this.policy);
    const itemId = event.itemId;
    if (w <= 0 || itemId === undefined) return;
    this.itemCounts.add(itemId, w, event.timestamp);
    const topics = [...(this.topicsOfItem.get(itemId) ?? [])];
    if (event.type === 'tag' && event.text !== undefined) {
      const tag = this.topicKey('tag', event.text);
      if (tag !== undefined && !topics.includes(tag)) {
        topics.push(tag);
        this.member(tag, itemId);
      }
    }
    for (const t of topics) {
      this.short.add(t, w, event.timestamp);
      this.long.add(t, w, event.timestamp);
    }
  }

  /** Burst score of one topic at `now` (0 when unknown). */
  /**
   * Starts a bulk load (`LiveItemSignals.load`): until {@link TrendingTopics.finishLoad}, events go
   * through {@link TrendingTopics.observeLoaded}, which counts them per item only; the topics' counts
   * are then the sums of their items' (decay is linear, so the sum is what counting each event for
   * each of its item's topics gives), one addition per item and topic instead of per event and topic.
   */
  beginLoad(): void {
    this.loadingLong = new TrendingTracker({ policy: this.policy, halfLifeMs: this.longHalfLifeMs });
  }

  /** One event of a bulk load (see {@link TrendingTopics.beginLoad}); the same as `observe` once the load is finished. */
  observeLoaded(event: Event): void {
    if (this.loadingLong === undefined) {
      this.observe(event);
      return;
    }
    const w = feedbackWeight(event, this.policy);
    if (w <= 0 || event.itemId === undefined) return;
    this.addLoaded(event.itemId, w, w, event.timestamp);
    this.observeLoadedTag(event);
  }

  /** Half-lives of the two per-item counts a bulk load adds to (`addLoaded`): short, then long. */
  get loadHalfLives(): [number, number] {
    return [this.shortHalfLifeMs, this.longHalfLifeMs];
  }

  /**
   * During a bulk load, an item's counts summed elsewhere (`LoadTally`): `short` and `long` at time
   * `at`, under {@link TrendingTopics.loadHalfLives}. Its tag events still go to `observeLoadedTag`.
   */
  addLoaded(itemId: string, short: number, long: number, at: number): void {
    const loading = this.loadingLong;
    if (loading === undefined) throw new Error('addLoaded outside a bulk load (beginLoad … finishLoad)');
    this.itemCounts.add(itemId, short, at);
    loading.add(itemId, long, at);
  }

  /** During a bulk load, what a counted tag with text adds beyond its item's counts: its topic. */
  observeLoadedTag(event: Pick<Event, 'type' | 'text' | 'itemId' | 'value' | 'timestamp'>): void {
    if (event.type !== 'tag' || event.text === undefined || event.itemId === undefined) return;
    const w = feedbackWeight(event, this.policy);
    if (w <= 0) return;
    const itemId = event.itemId;
    const tag = this.topicKey('tag', event.text);
    if (tag !== undefined && !(this.topicsOfItem.get(itemId) ?? []).includes(tag)) {
      this.member(tag, itemId);
      this.short.add(tag, w, event.timestamp);
      this.long.add(tag, w, event.timestamp);
    }
  }

  /**
   * Ends a bulk load: each item's counts are added to its topics' (see {@link TrendingTopics.beginLoad}),
   * 50,000 items per turn of the event loop (a million items' topics take seconds).
   */
  async finishLoad(): Promise<void> {
    const long = this.loadingLong;
    if (long === undefined) return;
    for (const [counts, into] of [
      [this.itemCounts, this.short],
      [long, this.long],
    ] as const) {
      for (let from = 0; from < counts.slots; from += FOLD_SLICE) {
        counts.forEachStamp(from, from + FOLD_SLICE, (itemId, count, at) => {
          for (const t of this.topicsOfItem.get(itemId) ?? []) into.add(t, count, at);
        });
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    }
    this.loadingLong = undefined;
  }

  /**
   * Takes back an event {@link TrendingTopics.observe} counted (its user was deleted), from the
   * item's topics as they are now. A tag's membership is not taken back: `forgettable` says which
   * events can be forgotten exactly.
   */
  forget(event: Event): void {
    const w = feedbackWeight(event, this.policy);
    const itemId = event.itemId;
    if (w <= 0 || itemId === undefined) return;
    this.itemCounts.remove(itemId, w, event.timestamp);
    for (const t of this.topicsOfItem.get(itemId) ?? []) {
      this.short.remove(t, w, event.timestamp);
      this.long.remove(t, w, event.timestamp);
    }
  }

  /** Whether {@link TrendingTopics.forget} takes `event` back whole: not a counted tag with its text, which made a topic of it. */
  forgettable(event: Event): boolean {
    return !(event.type === 'tag' && event.text !== undefined && feedbackWeight(event, this.policy) > 0 && event.itemId !== undefined);
  }

  score(topic: string, now: number): number {
    return this.burst(topic, now).score;
  }

  /** The `k` topics bursting most at `now`, each with its `itemsPerTopic` hottest items (default 5). */
  top(k: number, now: number, options: { itemsPerTopic?: number; exclude?: ReadonlySet<string> } = {}): TrendingTopic[] {
    const perTopic = options.itemsPerTopic ?? 5;
    const scored = this.short.items().map((topic) => ({ topic, ...this.burst(topic, now), log2Recent: this.short.log2Score(topic, now) }));
    // Years-old data decays every count to zero: the most recently active topics then come first.
    scored.sort((a, b) => b.score - a.score || b.log2Recent - a.log2Recent);
    return scored.slice(0, Math.max(0, k)).map((s) => {
      const meta = this.names.get(s.topic) ?? { kind: '', name: s.topic };
      return { topic: s.topic, kind: meta.kind, name: meta.name, score: s.score, recent: s.recent, expected: s.expected, items: this.topItems(s.topic, perTopic, now, options.exclude) };
    });
  }

  /** The items of `topic` with the highest recent counts at `now`, best first. */
  topItems(topic: string, k: number, now: number, exclude?: ReadonlySet<string>): { itemId: string; score: number }[] {
    const members = this.itemsOfTopic.get(topic);
    if (!members) return [];
    const rows: { itemId: string; log2: number }[] = [];
    for (const itemId of members) {
      if (exclude?.has(itemId)) continue;
      const log2 = this.itemCounts.log2Score(itemId, now);
      if (log2 > -Infinity) rows.push({ itemId, log2 });
    }
    rows.sort((a, b) => b.log2 - a.log2);
    return rows.slice(0, Math.max(0, k)).map((r) => ({ itemId: r.itemId, score: Math.pow(2, r.log2) }));
  }

  /** Topic keys of an item, from its attributes. */
  topicsOf(itemId: string): readonly string[] {
    return this.topicsOfItem.get(itemId) ?? [];
  }

  private burst(topic: string, now: number): { score: number; recent: number; expected: number } {
    const recent = this.short.score(topic, now);
    // The baseline count over a long half-life, rescaled to the short window's length.
    const expected = this.long.score(topic, now) * (this.shortHalfLifeMs / this.longHalfLifeMs);
    // Below a millionth of an event nothing is happening: a tie, broken by the last activity.
    if (recent + expected < 1e-6) return { score: 0, recent, expected };
    return { score: (recent - expected) / Math.sqrt(expected + this.smoothing), recent, expected };
  }

  private member(topic: string, itemId: string): void {
    let set = this.itemsOfTopic.get(topic);
    if (!set) this.itemsOfTopic.set(topic, (set = new Set()));
    set.add(itemId);
  }

  private topicsFromAttributes(item: Item): string[] {
    const out: string[] = [];
    const attrs = item.attributes;
    if (!attrs) return out;
    for (const name of this.attributes) {
      for (const value of stringsOf(attrs[name])) {
        const key = this.topicKey(KIND_OF_ATTRIBUTE[name] ?? name, value);
        if (key !== undefined && !out.includes(key)) out.push(key);
      }
    }
    return out;
  }

  private topicKey(kind: string, value: string): string | undefined {
    const name = value.trim().replace(/\s+/g, ' ');
    if (name === '' || name.length > 100 || this.ignore.has(name.toLowerCase())) return undefined;
    const key = `${kind}:${name.toLowerCase()}`;
    if (!this.names.has(key)) this.names.set(key, { kind, name });
    return key;
  }
}

function stringsOf(value: JsonValue | undefined): string[] {
  if (typeof value === 'string') return value.includes('|') ? value.split('|') : [value];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return [];
}
