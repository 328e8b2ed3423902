/**
 * The pipeline's answers kept per user for a short time, so a user who asks again before anything
 * about them changed gets the same list for a map look-up instead of a second run of every source,
 * the ranker, the re-rank stages and the explanations.
 *
 * An answer is reused only while its key is the same: the caller builds it from everything the list
 * depends on that can change at once — the user's history (length, latest sequence number and time,
 * so the user's own events, read back or live, change it), the request (k, filters, exclusions,
 * context, switches), the served model versions and sources, the blocklist — and the cache adds its
 * own epoch, bumped by {@link ServedListCache.clear} on catalogue writes. What changes slowly and for
 * everyone (trending counts from other users' events, item ages, the session window) is bounded by
 * `ttlMs` instead: a list is at most that old. Memory is bounded by `users` (least recently used
 * first out).
 *
 * A list served again once it is `refreshAtMs` old is marked for renewal ({@link ServedListCache.lookup}
 * says so once per entry): the caller computes its successor in the background while the kept one,
 * still younger than the TTL, goes on being served. So a user who keeps asking never waits for the
 * sources, and no list served is older than the TTL either way.
 * @module
 */

/**
 * Default longest reuse of a list: 30 s. What it bounds moves slowly against it: trending counts
 * decay with a 7-day half-life, the freshness boost with 3 days, the session window is 30 minutes;
 * everything that moves at once (the user's events, versions, catalogue, blocklist) is in the key.
 */
export const DEFAULT_LIST_TTL_MS = 30_000;

/** Options of {@link ServedListCache}. */
export interface ServedListCacheOptions {
  /** Longest time an answer is reused, in ms (default {@link DEFAULT_LIST_TTL_MS}; 0 = never reuse). */
  ttlMs?: number;
  /** Users whose latest answer is kept (default 10,000; least recently used first out). */
  users?: number;
  /**
   * Age in ms from which a reused answer is marked for renewal (default two thirds of `ttlMs`;
   * `ttlMs` or more = never: lists are computed on request once they expire).
   */
  refreshAtMs?: number;
}

interface Entry<T> {
  key: string;
  at: number;
  value: T;
  /** Whether {@link ServedListCache.lookup} already asked for this entry's renewal. */
  renewing: boolean;
}

/** A kept answer, and whether the caller should compute its successor now. */
export interface KeptAnswer<T> {
  value: T;
  refresh: boolean;
}

/** See the module description. */
export class ServedListCache<T> {
  private readonly entries = new Map<string, Entry<T>>();
  private readonly ttlMs: number;
  private readonly capacity: number;
  private readonly refreshAtMs: number;
  private epoch = 0;
  /** Look-ups answered from the cache, and those that were not. */
  hits = 0;
  misses = 0;
  /** Kept answers {@link ServedListCache.lookup} marked for renewal. */
  renewals = 0;

  constructor(options: ServedListCacheOptions = {}) {
    this.ttlMs = options.ttlMs ?? DEFAULT_LIST_TTL_MS;
    this.capacity = options.users ?? 10_000;
    if (!(this.ttlMs >= 0) || !Number.isFinite(this.ttlMs)) throw new RangeError(`ttlMs must be a finite number ≥ 0, got ${options.ttlMs}`);
    if (!Number.isInteger(this.capacity) || this.capacity < 0) throw new RangeError(`users must be an integer ≥ 0, got ${options.users}`);
    this.refreshAtMs = options.refreshAtMs ?? Math.round((2 * this.ttlMs) / 3);
    if (!(this.refreshAtMs >= 0)) throw new RangeError(`refreshAtMs must be a number ≥ 0, got ${options.refreshAtMs}`);
  }

  /** Whether answers are kept at all. */
  get enabled(): boolean {
    return this.ttlMs > 0 && this.capacity > 0;
  }

  /** The answer kept for `userId` under `key`, when it is younger than the TTL at `now`. */
  get(userId: string, key: string, now: number): T | undefined {
    return this.lookup(userId, key, now)?.value;
  }

  /**
   * {@link ServedListCache.get}, saying also whether the answer is old enough to be renewed: true once
   * per kept answer, from `refreshAtMs` on, for the caller to compute and {@link ServedListCache.set}
   * its successor.
   */
  lookup(userId: string, key: string, now: number): KeptAnswer<T> | undefined {
    if (!this.enabled) return undefined;
    const hit = this.entries.get(userId);
    if (hit === undefined || hit.key !== `${this.epoch}|${key}` || now - hit.at >= this.ttlMs || now < hit.at) {
      this.misses++;
      return undefined;
    }
    this.entries.delete(userId);
    this.entries.set(userId, hit);
    this.hits++;
    const refresh = !hit.renewing && now - hit.at >= this.refreshAtMs && this.refreshAtMs < this.ttlMs;
    if (refresh) {
      hit.renewing = true;
      this.renewals++;
    }
    return { value: hit.value, refresh };
  }

  /**
   * Keeps `value` as `userId`'s answer under `key`, computed at `now` in epoch `epoch` (read with
   * {@link ServedListCache.currentEpoch} before the work began: an answer whose inputs were cleared
   * while it was being computed is not kept).
   */
  set(userId: string, key: string, value: T, now: number, epoch: number): void {
    if (!this.enabled || epoch !== this.epoch) return;
    this.entries.delete(userId);
    this.entries.set(userId, { key: `${epoch}|${key}`, at: now, value, renewing: false });
    while (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as string);
  }

  /** The epoch to pass to {@link ServedListCache.set}. */
  get currentEpoch(): number {
    return this.epoch;
  }

  /** Drops one user's answer. */
  forget(userId: string): void {
    this.entries.delete(userId);
  }

  /** Drops every answer, including those being computed now. */
  clear(): void {
    this.epoch++;
    this.entries.clear();
  }

  /** Users with a kept answer. */
  get size(): number {
    return this.entries.size;
  }
}
