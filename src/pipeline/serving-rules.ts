/**
 * What may be served at all, applied to every list whichever path produced it (the pipeline's
 * re-rank stage, the single-model path, similar items, query answers): blocked items are removed,
 * and items over their exposure cap are removed too unless the list would otherwise come out short,
 * in which case they fill its end. The blocklist is the configured one plus a runtime one kept in
 * storage (`settings` key `blocklist`), so a change through the admin API survives restarts and
 * reaches every process on the same storage within `refreshMs`.
 *
 * @example
 * const rules = await createServingRules({ storage, blocklist: { items: [], attributes: { genres: ['Horror'] } }, exposure: { maxPerItemPerHour: 500 } });
 * const served = rules.arrange(entries, (e) => e.id, (id) => items.get(id), 10);
 * rules.served(served.map((e) => e.id), (id) => items.get(id));
 * @module
 */
import type { Logger } from '../core/logger.js';
import type { Item } from '../core/types.js';
import type { CallOptions, Storage } from '../storage/storage.js';
import { compileBlocklist, emptyBlocklist, mergeBlocklists, parseBlocklist } from './blocklist.js';
import type { Blocklist, BlocklistMatcher } from './blocklist.js';
import { ExposureCaps } from './exposure-caps.js';
import type { ExposureCapOptions } from './exposure-caps.js';
import type { ScoredItem } from './scored-item.js';

/** The settings key of the runtime blocklist. */
export const BLOCKLIST_SETTING = 'blocklist';

/** Options of {@link createServingRules}. */
export interface ServingRulesOptions {
  storage: Storage;
  /** The configured blocklist (always in force; the runtime one adds to it). */
  blocklist?: Blocklist;
  /** Exposure caps; unset = none. */
  exposure?: ExposureCapOptions;
  /** How often the runtime blocklist is read again from storage (default 5 s). */
  refreshMs?: number;
  logger?: Logger;
  /** Clock, ms since epoch. */
  clock?: () => number;
}

/** The blocklists in force. */
export interface BlocklistState {
  /** From the configuration file; changed only by a restart. */
  configured: Blocklist;
  /** Set through the admin API, kept in storage. */
  runtime: Blocklist;
  /** Version of the stored runtime list (0 = never set). */
  version: number;
  /** When the runtime list was last set, ms since epoch. */
  updatedAt?: number;
}

/** The rules every served list passes; see the module description. */
export interface ServingRules {
  /** Whether any blocklist entry or cap is in force. */
  readonly active: boolean;
  /** Whether applying the rules needs items' records (attribute rules, provider caps). */
  readonly needsItems: boolean;
  /** The exposure caps and their counts. */
  readonly exposure: ExposureCaps;
  /** The blocklists in force. */
  blocklist(): BlocklistState;
  /** Replaces the runtime blocklist (validated: `ValidationError` naming the field) and stores it. */
  setBlocklist(value: unknown, options?: CallOptions): Promise<BlocklistState>;
  /** Reads the runtime blocklist from storage again now. */
  refresh(options?: CallOptions): Promise<void>;
  /** Whether an item is blocked. */
  blocks(itemId: string, item: Item | undefined): boolean;
  /**
   * Removes blocked entries, and entries over their exposure cap unless fewer than `k` would remain
   * (then the best of them fill the end), keeping the order otherwise.
   */
  arrange<T>(entries: readonly T[], idOf: (entry: T) => string, itemOf: (id: string) => Item | undefined, k: number): T[];
  /**
   * The pipeline's re-rank stage: {@link ServingRules.arrange} over scored candidates; over-cap items
   * kept to fill the list are scored below every other candidate.
   */
  apply(list: readonly ScoredItem[], k: number): ScoredItem[];
  /**
   * Identity of the rules for caches of answers built under them: it changes when the blocklist
   * does. Undefined while exposure caps are in force, whose counts move with every served list, so
   * lists must be arranged afresh each time.
   */
  reuseKey(): string | undefined;
  /** Counts a served list against the exposure caps. */
  served(itemIds: readonly string[], itemOf: (id: string) => Item | undefined): void;
}

/** Loads the runtime blocklist from storage and returns the rules. */
export async function createServingRules(options: ServingRulesOptions): Promise<ServingRules> {
  const { storage, logger } = options;
  const clock = options.clock ?? Date.now;
  const refreshMs = options.refreshMs ?? 5_000;
  const configured = parseBlocklist(options.blocklist, 'blocklist');
  const exposure = new ExposureCaps({ ...options.exposure, clock });
  let runtime = emptyBlocklist();
  let version = 0;
  let updatedAt: number | undefined;
  let matcher: BlocklistMatcher = compileBlocklist(configured);
  let readAt = 0;
  /** Blocklists adopted since the start (the identity {@link ServingRules.reuseKey} gives). */
  let adoptions = 0;
  let refreshing: Promise<void> | undefined;

  function adopt(value: unknown, v: number, at: number | undefined): void {
    runtime = parseBlocklist(value, 'blocklist');
    version = v;
    updatedAt = at;
    matcher = compileBlocklist(mergeBlocklists(configured, runtime));
    adoptions++;
  }

  async function refresh(o: CallOptions = {}): Promise<void> {
    readAt = clock();
    const stored = await storage.settings.get(BLOCKLIST_SETTING, o);
    if (stored === undefined) {
      if (version !== 0) adopt(undefined, 0, undefined);
      return;
    }
    if (stored.version !== version || stored.updatedAt !== updatedAt) adopt(stored.value, stored.version, stored.updatedAt);
  }

  /** A stale copy is read again in the background; requests never wait for it. */
  function maybeRefresh(): void {
    if (refreshing || clock() - readAt < refreshMs) return;
    refreshing = refresh()
      .catch((error: unknown) => logger?.log('warn', 'reading the runtime blocklist failed; the last copy stays in force', { error: error instanceof Error ? error.message : String(error) }))
      .finally(() => {
        refreshing = undefined;
      });
  }

  await refresh();

  function arrange<T>(entries: readonly T[], idOf: (entry: T) => string, itemOf: (id: string) => Item | undefined, k: number): T[] {
    maybeRefresh();
    if (matcher.empty && !exposure.active) return [...entries];
    const kept: T[] = [];
    const capped: T[] = [];
    for (const entry of entries) {
      const id = idOf(entry);
      const item = itemOf(id);
      if (matcher.blocks(id, item)) continue;
      (exposure.overCap(id, item) ? capped : kept).push(entry);
    }
    return kept.length >= k || capped.length === 0 ? kept : [...kept, ...capped.slice(0, k - kept.length)];
  }

  return {
    get active() {
      return !matcher.empty || exposure.active;
    },
    get needsItems() {
      return matcher.needsItems || exposure.needsItems;
    },
    exposure,
    blocklist: () => ({ configured, runtime, version, ...(updatedAt === undefined ? {} : { updatedAt }) }),
    async setBlocklist(value, o = {}) {
      const parsed = parseBlocklist(value, 'blocklist');
      const stored = await storage.settings.put(BLOCKLIST_SETTING, { items: parsed.items, attributes: parsed.attributes }, o);
      adopt(stored.value, stored.version, stored.updatedAt);
      readAt = clock();
      return { configured, runtime, version, updatedAt: stored.updatedAt };
    },
    refresh,
    blocks(itemId, item) {
      maybeRefresh();
      return matcher.blocks(itemId, item);
    },
    arrange,
    reuseKey() {
      maybeRefresh();
      return exposure.active ? undefined : `blocklist-${adoptions}`;
    },
    apply(list, k) {
      const byId = new Map(list.map((c) => [c.itemId, c.item]));
      const arranged = arrange(list, (c) => c.itemId, (id) => byId.get(id), k);
      let floor = Infinity;
      const capped: ScoredItem[] = [];
      const out: ScoredItem[] = [];
      for (const c of arranged) {
        if (exposure.active && exposure.overCap(c.itemId, c.item)) capped.push(c);
        else {
          floor = Math.min(floor, c.score);
          out.push(c);
        }
      }
      if (capped.length === 0) return out;
      const base = Number.isFinite(floor) ? floor : 0;
      return [...out, ...capped.map((c, i) => ({ ...c, score: base - 1 - i }))];
    },
    served(itemIds, itemOf) {
      exposure.record(itemIds, itemOf);
    },
  };
}
