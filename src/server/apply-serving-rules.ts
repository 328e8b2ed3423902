/**
 * The server's last step before a list is answered, on every path (pipeline, single model, similar
 * items, query): blocklisted items removed, items over their exposure cap removed unless the list
 * would come out short ({@link ServingRules.arrange}), and the served list counted against the caps.
 * @module
 */
import type { Item, ServingRules } from '../index.js';
import type { ServerContext } from './context.js';

/** How many entries to ask a model for so that `k` remain after the rules removed some. */
export function overfetch(rules: ServingRules, k: number, max: number): number {
  return rules.active ? Math.min(max, 2 * k + 20) : k;
}

/**
 * Applies the serving rules to `entries` (best first), keeps at most `k`, and counts what is served.
 * Items' records are read only when a rule needs attributes.
 */
export async function applyServingRules<T extends { id: string }>(ctx: ServerContext, entries: readonly T[], k: number, signal: AbortSignal): Promise<T[]> {
  const rules = ctx.servingRules;
  let catalogue = new Map<string, Item>();
  if (rules.active && rules.needsItems && entries.length > 0) {
    catalogue = new Map((await ctx.storage.items.getMany(entries.map((e) => e.id), { signal })).map((item) => [item.id, item]));
  }
  const itemOf = (id: string): Item | undefined => catalogue.get(id);
  const served = rules.arrange(entries, (e) => e.id, itemOf, k).slice(0, k);
  rules.served(
    served.map((e) => e.id),
    itemOf,
  );
  return served;
}
