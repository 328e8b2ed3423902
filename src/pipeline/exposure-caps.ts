/**
 * Exposure caps (C22): at most N impressions of an item, or of all items of one provider, per window
 * (one hour by default) across all users, counted from served lists in memory. Counts are kept in
 * two fixed windows (the current and the previous) and read as a sliding window (the previous one
 * weighted by how much of it still overlaps), so memory is two maps of at most `maxTracked` keys.
 *
 * @example
 * const caps = new ExposureCaps({ maxPerItemPerHour: 1000, maxPerProviderPerHour: 5000, providerAttribute: 'provider' });
 * caps.record(['m1', 'm2'], (id) => items.get(id));
 * caps.overCap('m1', items.get('m1')); // false until m1 was served 1,000 times in the last hour
 * @module
 */
import { ValidationError } from '../core/errors.js';
import type { Item } from '../core/types.js';

/** Options of {@link ExposureCaps}. */
export interface ExposureCapOptions {
  /** Most impressions of one item per window; unset = no item cap. */
  maxPerItemPerHour?: number;
  /** Most impressions of the items of one provider per window; unset = no provider cap. */
  maxPerProviderPerHour?: number;
  /** The item attribute naming its provider (default `provider`); an array attribute counts for each value. */
  providerAttribute?: string;
  /** Window length in ms (default one hour). */
  windowMs?: number;
  /** Most items (and providers) counted per window (default 100,000); beyond, new keys are not counted. */
  maxTracked?: number;
  /** Clock, ms since epoch. */
  clock?: () => number;
}

/** Counted exposure of one item or provider. */
export interface ExposureCount {
  key: string;
  /** Impressions in the sliding window. */
  count: number;
}

const HOUR_MS = 3_600_000;

class WindowCounter {
  private current = new Map<string, number>();
  private previous = new Map<string, number>();
  private start = 0;

  constructor(
    private readonly windowMs: number,
    private readonly maxTracked: number,
  ) {}

  private roll(now: number): void {
    const start = now - (now % this.windowMs);
    if (start === this.start) return;
    this.previous = start - this.start === this.windowMs ? this.current : new Map<string, number>();
    this.current = new Map<string, number>();
    this.start = start;
  }

  add(key: string, now: number): void {
    this.roll(now);
    const n = this.current.get(key);
    if (n !== undefined) this.current.set(key, n + 1);
    else if (this.current.size < this.maxTracked) this.current.set(key, 1);
  }

  count(key: string, now: number): number {
    this.roll(now);
    const overlap = 1 - (now - this.start) / this.windowMs;
    return (this.current.get(key) ?? 0) + (this.previous.get(key) ?? 0) * overlap;
  }

  top(limit: number, now: number): ExposureCount[] {
    this.roll(now);
    const keys = new Set([...this.current.keys(), ...this.previous.keys()]);
    return [...keys]
      .map((key) => ({ key, count: Math.round(this.count(key, now) * 100) / 100 }))
      .sort((a, b) => b.count - a.count || (a.key < b.key ? -1 : 1))
      .slice(0, limit);
  }
}

function positiveOrUndefined(name: string, value: number | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isFinite(value) || value <= 0) throw new ValidationError(`exposure.${name} must be a positive number, got ${value}`, { details: { field: `exposure.${name}`, value } });
  return value;
}

/** In-memory exposure counts and the caps over them; see the module description. */
export class ExposureCaps {
  /** Cap per item per window, if any. */
  readonly maxPerItem: number | undefined;
  /** Cap per provider per window, if any. */
  readonly maxPerProvider: number | undefined;
  /** Attribute naming an item's provider. */
  readonly providerAttribute: string;
  /** Window length in ms. */
  readonly windowMs: number;
  private readonly items: WindowCounter;
  private readonly providers: WindowCounter;
  private readonly clock: () => number;

  constructor(options: ExposureCapOptions = {}) {
    this.maxPerItem = positiveOrUndefined('maxPerItemPerHour', options.maxPerItemPerHour);
    this.maxPerProvider = positiveOrUndefined('maxPerProviderPerHour', options.maxPerProviderPerHour);
    this.providerAttribute = options.providerAttribute ?? 'provider';
    this.windowMs = positiveOrUndefined('windowMs', options.windowMs) ?? HOUR_MS;
    const maxTracked = options.maxTracked ?? 100_000;
    this.items = new WindowCounter(this.windowMs, maxTracked);
    this.providers = new WindowCounter(this.windowMs, maxTracked);
    this.clock = options.clock ?? Date.now;
  }

  /** Whether any cap is set. */
  get active(): boolean {
    return this.maxPerItem !== undefined || this.maxPerProvider !== undefined;
  }

  /** Whether the caps need items' records (a provider cap reads the provider attribute). */
  get needsItems(): boolean {
    return this.maxPerProvider !== undefined;
  }

  private providersOf(item: Item | undefined): string[] {
    const value = item?.attributes?.[this.providerAttribute];
    if (value === undefined || value === null) return [];
    return (Array.isArray(value) ? value : [value]).filter((v) => typeof v === 'string' || typeof v === 'number').map(String);
  }

  /** Counts one served list: one impression for each of its items (and their providers). */
  record(itemIds: readonly string[], itemOf: (id: string) => Item | undefined): void {
    if (!this.active) return;
    const now = this.clock();
    for (const id of itemIds) {
      if (this.maxPerItem !== undefined) this.items.add(id, now);
      if (this.maxPerProvider !== undefined) for (const p of this.providersOf(itemOf(id))) this.providers.add(p, now);
    }
  }

  /** Whether the item (or its provider) has reached its cap in the current window. */
  overCap(itemId: string, item: Item | undefined): boolean {
    if (!this.active) return false;
    const now = this.clock();
    if (this.maxPerItem !== undefined && this.items.count(itemId, now) >= this.maxPerItem) return true;
    if (this.maxPerProvider !== undefined) {
      const cap = this.maxPerProvider;
      if (this.providersOf(item).some((p) => this.providers.count(p, now) >= cap)) return true;
    }
    return false;
  }

  /** The most exposed items and providers now, for operators. */
  snapshot(limit = 20): { windowMs: number; items: ExposureCount[]; providers: ExposureCount[] } {
    const now = this.clock();
    return { windowMs: this.windowMs, items: this.items.top(limit, now), providers: this.providers.top(limit, now) };
  }
}
