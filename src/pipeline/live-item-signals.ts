/**
 * Live per-item signals: popularity (all-time positive events), trending (time-decayed counts),
 * each item's birth time (`createdAt`, else its first event, else when it was upserted) and the
 * head/tail cut. Fed once from storage on start and then by every observed event and item.
 * @module
 */
import type { Event, Item, StoredEvent } from '../core/types.js';
import type { FeedbackPolicy } from '../engine/feedback-policy.js';
import { feedbackWeight } from '../engine/feedback-policy.js';
import type { CallOptions, Storage } from '../storage/storage.js';
import type { ItemSignals } from './candidate-source.js';
import { kthLargest } from '../linalg/kth-largest.js';
import { LoadTally } from './load-tally.js';
import { TrendingTopics } from './trending-topics.js';
import type { TrendingTopicsOptions } from './trending-topics.js';
import { TrendingTracker } from './trending-tracker.js';
import { SIGNALS_SNAPSHOT, decodeSignalsSnapshot, encodeSignalsSnapshot, signalsFingerprint } from './signals-snapshot.js';
import type { SignalsSnapshot, SignalsSnapshotCover, SnapshotTag } from './signals-snapshot.js';

/** Options of {@link LiveItemSignals}. */
export interface LiveItemSignalsOptions {
  policy: FeedbackPolicy;
  /** Half-life of trending counts in ms (default 7 days). */
  trendingHalfLifeMs?: number;
  /** Share of the catalogue counted as head by popularity (default 0.2). */
  headShare?: number;
  /** Also track trending topics (genres, categories, tags); off unless given. */
  topics?: boolean | Omit<TrendingTopicsOptions, 'policy'>;
}

/** Options of {@link LiveItemSignals.load}. */
export interface SignalsLoadOptions extends CallOptions {
  /**
   * Start from the stored snapshot of the counts when it still describes storage, and store a new
   * one when this load read at least `minEvents` events beyond it (default
   * {@link SNAPSHOT_MIN_EVENTS}); see `signals-snapshot.ts`. Off unless given.
   */
  snapshot?: { minEvents?: number; onError?: (error: unknown) => void };
}

/** What {@link LiveItemSignals.load} did. */
export interface SignalsLoadReport {
  /**
   * `used`: the load started from the stored snapshot; `none`: none was stored; `stale`: one was
   * stored for other counts or before an event it covered was deleted; `unreadable`: reading it
   * failed; `off`: not asked for.
   */
  snapshot: 'used' | 'none' | 'stale' | 'unreadable' | 'off';
  /** Events read from storage (those after the snapshot when one was used). */
  eventsRead: number;
  /** Resolves once a new snapshot is stored (true), or was not (false: too few new events, events deleted meanwhile, a failed write). */
  saved: Promise<boolean>;
}

/** Events a load must read beyond the stored snapshot before it stores a new one. */
export const SNAPSHOT_MIN_EVENTS = 250_000;

/** See the module description. */
export class LiveItemSignals implements ItemSignals {
  /** All-time positive-event counts. */
  readonly popularityCounts: TrendingTracker;
  /** Time-decayed positive-event counts. */
  readonly trending: TrendingTracker;
  /** Bursting topics, when enabled. */
  readonly topics: TrendingTopics | undefined;
  private readonly createdAt = new Map<string, number>();
  private readonly firstSeen = new Map<string, number>();
  private readonly headShare: number;
  private readonly policy: FeedbackPolicy;
  private tailThreshold = 0;
  private observedSinceCut = Infinity;
  /**
   * Highest sequence number {@link LiveItemSignals.load} read. Storage commits sequence numbers in
   * order, so a stored event at or below it was counted by the load, and observing it again (an
   * event the server accepted while the load ran, handed over afterwards) is a no-op.
   */
  private loadedThroughSeq = -Infinity;
  /** Items by birth time, oldest first; built on the first `newest` call, then kept in order item by item. */
  private births: { at: number; itemId: string }[] | undefined;
  /** The birth time each item has in `births`. */
  private birthIndexed = new Map<string, number>();

  constructor(options: LiveItemSignalsOptions) {
    this.popularityCounts = new TrendingTracker({ policy: options.policy, halfLifeMs: Infinity });
    this.trending = new TrendingTracker({ policy: options.policy, halfLifeMs: options.trendingHalfLifeMs });
    this.headShare = options.headShare ?? 0.2;
    this.policy = options.policy;
    const topics = options.topics;
    this.topics = topics ? new TrendingTopics({ policy: options.policy, ...(topics === true ? {} : topics) }) : undefined;
  }

  /**
   * Reads the catalogue's creation times and every stored event. Between pages it yields to the
   * event loop, so a rebuild after a user deletion or a retention purge (millions of events) never
   * holds up requests, which keep the previous signals until this one is complete.
   */
  async load(storage: Storage, options: SignalsLoadOptions = {}): Promise<SignalsLoadReport> {
    const { signal, snapshot } = options;
    // Events deleted while this load runs may be in its counts: no snapshot is stored then.
    const generation = snapshot === undefined ? 0 : await storage.snapshots.generation({ signal });
    for await (const page of storage.items.scan({ signal })) {
      this.observeItems(page, undefined);
      await yieldToEventLoop();
    }
    const topics = this.topics;
    topics?.beginLoad();
    let report: SignalsLoadReport = { snapshot: 'off', eventsRead: 0, saved: Promise.resolve(false) };
    let save: (() => Promise<boolean>) | undefined;
    try {
      // Every event is tallied per item once (one look-up), and each counter is given the items' sums at the end.
      const halfLives = [Infinity, this.trending.halfLifeMs, ...(topics?.loadHalfLives ?? [])];
      const fingerprint = signalsFingerprint(this.policy, halfLives);
      let tally = new LoadTally(halfLives);
      let afterSeq = 0;
      let covered = 0;
      const tags: SnapshotTag[] = [];
      if (snapshot !== undefined) {
        const found = await readSignalsSnapshot(storage, halfLives, fingerprint, signal);
        report = { ...report, snapshot: found.state };
        if (found.snapshot !== undefined) {
          ({ tally, dataSeq: afterSeq, events: covered } = found.snapshot);
          this.loadedThroughSeq = afterSeq;
          for (const t of found.snapshot.tags) {
            topics?.observeLoadedTag(t);
            tags.push(t);
          }
        }
      }
      let eventsRead = 0;
      for await (const page of storage.events.scanCounted({ signal, batchSize: 5_000, afterSeq })) {
        for (const e of page) {
          if (e.itemId !== undefined) tally.add(e.itemId, feedbackWeight(e, this.policy), e.timestamp);
          topics?.observeLoadedTag(e);
          if (snapshot !== undefined && e.type === 'tag' && e.text !== undefined && e.itemId !== undefined) tags.push({ type: e.type, itemId: e.itemId, value: e.value, text: e.text, timestamp: e.timestamp });
          if (e.seq > this.loadedThroughSeq) this.loadedThroughSeq = e.seq;
        }
        eventsRead += page.length;
        this.observedSinceCut += page.length;
        await yieldToEventLoop();
      }
      report = { ...report, eventsRead };
      // Not on a storage opened without write access (every start would try and fail).
      if (snapshot !== undefined && eventsRead > 0 && eventsRead >= (snapshot.minEvents ?? SNAPSHOT_MIN_EVENTS) && storage.health().writes !== 'read-only') {
        const cover: SignalsSnapshotCover = { dataSeq: this.loadedThroughSeq, events: covered + eventsRead, fingerprint };
        const counted = tally;
        save = () => saveSignalsSnapshot(storage, counted, tags, cover, generation, snapshot.onError);
      }
      for (let from = 0; from < tally.countedSize; from += BIRTH_SLICE) {
        tally.forEachCount(from, from + BIRTH_SLICE, (itemId, counts, at) => {
          this.popularityCounts.add(itemId, counts[0], at);
          this.trending.add(itemId, counts[1], at);
          topics?.addLoaded(itemId, counts[2], counts[3], at);
        });
        await yieldToEventLoop();
      }
      for (let from = 0; from < tally.size; from += BIRTH_SLICE) {
        tally.forEachFirst(from, from + BIRTH_SLICE, (itemId, at) => this.seen(itemId, at));
        await yieldToEventLoop();
      }
    } finally {
      await this.topics?.finishLoad();
    }
    // What the first request would otherwise build (a sort of the catalogue by birth, the head/tail cut).
    await this.buildBirthsInTurns();
    await yieldToEventLoop();
    this.recomputeCut();
    // Stored after the load, in the background: the pipeline answers meanwhile.
    return save === undefined ? report : { ...report, saved: save() };
  }

  /**
   * One event (any order of arrival). A stored event the load already read (its `seq` at or below
   * the highest one read) is not counted twice.
   */
  observe(event: Event | StoredEvent): void {
    if ('seq' in event && typeof event.seq === 'number' && event.seq <= this.loadedThroughSeq) return;
    this.count(event);
  }

  private count(event: Event): void {
    this.popularityCounts.observe(event);
    this.trending.observe(event);
    this.topics?.observe(event);
    this.observedSinceCut++;
    if (event.itemId !== undefined) this.seen(event.itemId, event.timestamp);
  }

  /** An event about `itemId` at `at`: its birth moves earlier when it had no `createdAt` and this is its first. */
  private seen(itemId: string, at: number): void {
    const first = this.firstSeen.get(itemId);
    if (first === undefined || at < first) {
      this.firstSeen.set(itemId, at);
      if (!this.createdAt.has(itemId)) this.rebirth(itemId);
    }
  }

  /**
   * Takes a deleted user's events back out: every count as if they had never been observed, and
   * an item born at one of them (no `createdAt`, first seen in it) born at its earliest event left
   * in `storage` (read by item), or not at all. Call it once the events are deleted from storage.
   * Resolves false, changing nothing, when they cannot be taken out exactly (a tag whose text made
   * a trending topic): then rebuild from storage.
   */
  async forget(events: readonly Event[], storage: Storage, options: CallOptions = {}): Promise<boolean> {
    if (this.topics !== undefined && !events.every((e) => this.topics?.forgettable(e))) return false;
    /** Items first seen in one of the events, with that time. */
    const reborn = new Map<string, number>();
    for (const e of events) {
      this.popularityCounts.forget(e);
      this.trending.forget(e);
      this.topics?.forget(e);
      if (e.itemId !== undefined && !this.createdAt.has(e.itemId) && this.firstSeen.get(e.itemId) === e.timestamp) reborn.set(e.itemId, e.timestamp);
    }
    // The head/tail cut is taken again at its next use.
    this.observedSinceCut = Infinity;
    for (const [itemId, deletedAt] of reborn) {
      let first = Infinity;
      for await (const page of storage.events.scan({ itemId, signal: options.signal, batchSize: 5_000 })) {
        for (const e of page) if (e.timestamp < first) first = e.timestamp;
        await yieldToEventLoop();
      }
      // An event observed meanwhile may be earlier still; it is kept then.
      const seen = this.firstSeen.get(itemId);
      if (seen !== undefined && seen < deletedAt) continue;
      if (first === Infinity) this.firstSeen.delete(itemId);
      else this.firstSeen.set(itemId, first);
      if (!this.createdAt.has(itemId)) this.rebirth(itemId);
    }
    return true;
  }

  /** New or changed catalogue items; an item without `createdAt` is born at `now` unless seen before. */
  observeItems(items: readonly Item[], now: number | undefined): void {
    this.topics?.observeItems(items);
    for (const item of items) {
      if (item.createdAt !== undefined) this.createdAt.set(item.id, item.createdAt);
      else if (now !== undefined && !this.firstSeen.has(item.id) && !this.createdAt.has(item.id)) this.createdAt.set(item.id, now);
      else continue;
      this.rebirth(item.id);
    }
  }

  popularity(itemId: string): number {
    return this.popularityCounts.score(itemId, 0);
  }

  isTail(itemId: string): boolean {
    if (this.observedSinceCut > Math.max(100, this.popularityCounts.size * 0.01)) this.recomputeCut();
    return this.popularity(itemId) < this.tailThreshold;
  }

  /** Birth time of an item (creation, else first event), undefined when unknown. */
  bornAt(itemId: string): number | undefined {
    return this.createdAt.get(itemId) ?? this.firstSeen.get(itemId);
  }

  ageMs(itemId: string, now: number): number | undefined {
    const at = this.bornAt(itemId);
    return at === undefined ? undefined : Math.max(0, now - at);
  }

  /** The `k` most recently born items at or before `now`, newest first. */
  newest(k: number, now: number, exclude?: ReadonlySet<string>): { itemId: string; bornAt: number }[] {
    const b = this.births ?? this.buildBirths();
    // Last position born at or before now.
    let lo = 0;
    let hi = b.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (b[mid].at <= now) lo = mid + 1;
      else hi = mid;
    }
    const out: { itemId: string; bornAt: number }[] = [];
    for (let p = lo - 1; p >= 0 && out.length < k; p--) if (!exclude?.has(b[p].itemId)) out.push({ itemId: b[p].itemId, bornAt: b[p].at });
    return out;
  }

  /** Builds `births` at once (a request that needs it before any load did). */
  private buildBirths(): { at: number; itemId: string }[] {
    const steps = this.birthSteps();
    while (steps.next().done !== true);
    return this.births ?? [];
  }

  /** Builds `births` a slice per turn of the event loop (a million items take a few seconds in all). */
  private async buildBirthsInTurns(): Promise<void> {
    for (const steps = this.birthSteps(); steps.next().done !== true; ) await yieldToEventLoop();
  }

  /**
   * Every known item by birth time, oldest first, ties in the order the items became known, as
   * steps that each do at most {@link BIRTH_SLICE} items' work (or one native sort). A sort of
   * numbers, not of objects: each item's key is (rank of its birth time) · n + its position, so the
   * engine's native numeric sort orders a million items in a fraction of the time a comparator takes
   * (exact while n² < 2⁵³, n below 94 million).
   */
  private *birthSteps(): Generator<void, void, void> {
    const ids: string[] = [];
    let step = 0;
    for (const id of this.createdAt.keys()) {
      ids.push(id);
      if (++step % BIRTH_SLICE === 0) yield;
    }
    for (const id of this.firstSeen.keys()) {
      if (!this.createdAt.has(id)) ids.push(id);
      if (++step % BIRTH_SLICE === 0) yield;
    }
    const n = ids.length;
    const at = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      at[i] = this.bornAt(ids[i]) ?? 0;
      if ((i + 1) % BIRTH_SLICE === 0) yield;
    }
    const distinct = Float64Array.from(at).sort();
    yield;
    let m = 0;
    for (let i = 0; i < n; i++) if (i === 0 || distinct[i] !== distinct[m - 1]) distinct[m++] = distinct[i];
    const keys = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let lo = 0;
      let hi = m - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (distinct[mid] < at[i]) lo = mid + 1;
        else hi = mid;
      }
      keys[i] = lo * n + i;
      if ((i + 1) % BIRTH_SLICE === 0) yield;
    }
    keys.sort();
    yield;
    const births: { at: number; itemId: string }[] = new Array<{ at: number; itemId: string }>(n);
    const indexed = new Map<string, number>();
    for (let p = 0; p < n; p++) {
      const i = keys[p] % n;
      births[p] = { at: at[i], itemId: ids[i] };
      indexed.set(ids[i], at[i]);
      if ((p + 1) % BIRTH_SLICE === 0) yield;
    }
    // Swapped in whole at the end, so that `rebirth` never sees a half-built order.
    this.birthIndexed = indexed;
    this.births = births;
  }

  /**
   * Moves an item whose birth time changed (or that was just born) to its place in `births`: two
   * binary searches and one splice each, where re-sorting the catalogue after every new item would
   * cost n log n on the request path.
   */
  private rebirth(itemId: string): void {
    const b = this.births;
    if (!b) return;
    const born = this.bornAt(itemId);
    const at = born ?? 0;
    const old = this.birthIndexed.get(itemId);
    if (old === at && born !== undefined) return;
    if (old !== undefined) {
      // First entry born at `old`, then along the equal times to the item.
      let p = lowerBound(b, old);
      while (p < b.length && b[p].at === old && b[p].itemId !== itemId) p++;
      if (p < b.length && b[p].itemId === itemId) b.splice(p, 1);
    }
    if (born === undefined) {
      this.birthIndexed.delete(itemId);
      return;
    }
    b.splice(upperBound(b, at), 0, { at, itemId });
    this.birthIndexed.set(itemId, at);
  }

  private recomputeCut(): void {
    const counts = this.popularityCounts.counts(0);
    const headCount = Math.ceil(counts.length * this.headShare);
    // Items with fewer events than the last head item are tail; ties with it stay head. A selection,
    // not a sort: this runs on a request, every 1% of the catalogue's count in new events.
    this.tailThreshold = headCount > 0 && headCount <= counts.length ? kthLargest(counts, headCount) : 0;
    this.observedSinceCut = 0;
  }
}

/** First position whose birth time is at least `at`. */
function lowerBound(b: readonly { at: number }[], at: number): number {
  let lo = 0;
  let hi = b.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (b[mid].at < at) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First position whose birth time is after `at`. */
function upperBound(b: readonly { at: number }[], at: number): number {
  let lo = 0;
  let hi = b.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (b[mid].at <= at) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The stored snapshot of the counts when it still describes storage (see `signals-snapshot.ts`):
 * written for these half-lives and this policy, over events none of which was deleted since (every
 * deletion of events removes the snapshots in its transaction) and no further than the latest seq.
 */
async function readSignalsSnapshot(storage: Storage, halfLives: readonly number[], fingerprint: string, signal?: AbortSignal): Promise<{ state: SignalsLoadReport['snapshot']; snapshot?: SignalsSnapshot }> {
  let stored;
  try {
    stored = await storage.snapshots.get(SIGNALS_SNAPSHOT, { signal });
  } catch (error) {
    if (signal?.aborted === true) throw error;
    return { state: 'unreadable' };
  }
  if (stored === undefined) return { state: 'none' };
  const snapshot = await decodeSignalsSnapshot(stored.meta, stored.payload, halfLives, fingerprint, yieldToEventLoop);
  if (snapshot === undefined) return { state: 'stale' };
  // A snapshot of another database (a file replaced, a copy that did not carry its events).
  if ((await storage.events.lastSeq({ signal })) < snapshot.dataSeq) return { state: 'stale' };
  return { state: 'used', snapshot };
}

/**
 * Stores the snapshot of a load once the pipeline has what it needs, unless events were deleted since
 * the load began (`generation`: the snapshots' removals counted then).
 */
async function saveSignalsSnapshot(storage: Storage, tally: LoadTally, tags: readonly SnapshotTag[], cover: SignalsSnapshotCover, generation: number, onError?: (error: unknown) => void): Promise<boolean> {
  await yieldToEventLoop();
  try {
    if ((await storage.snapshots.generation()) !== generation) return false;
    const { meta, payload } = await encodeSignalsSnapshot(tally, tags, cover, yieldToEventLoop);
    return await storage.snapshots.put(SIGNALS_SNAPSHOT, meta, payload, { ifGeneration: generation });
  } catch (error) {
    onError?.(error);
    return false;
  }
}

/** Items handled per step of building the birth order. */
const BIRTH_SLICE = 100_000;

/** Lets timers and I/O run (a resolved promise would not: its continuation is a microtask). */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
