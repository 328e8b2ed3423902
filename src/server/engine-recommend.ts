/**
 * The server's default recommendation function: `engine.recommend`, plus attribute filters
 * (over-fetching, then keeping matching items) and a plain reason and explanation per item. A
 * pipeline passed to `createServer` replaces it.
 * @module
 */
import type { Engine, Item, JsonValue, Recommendations, ServingRules } from '../index.js';
import type { RecommendFunction, RecommendRequest, RecommendResult, RecommendedEntry } from './context.js';
import { MAX_K } from './schemas.js';

/** How many candidates to fetch per wanted item when filters may drop some. */
const FILTER_OVERFETCH = 10;

/** True when `item` satisfies every filter (attribute equals, or for arrays contains, one of the values). */
export function matchesFilters(item: Item | undefined, filters: Readonly<Record<string, readonly string[]>>): boolean {
  for (const [name, wanted] of Object.entries(filters)) {
    const value: JsonValue | undefined = item?.attributes?.[name];
    if (value === undefined || value === null) return false;
    const values = Array.isArray(value) ? value : [value];
    if (!values.some((v) => (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') && wanted.includes(String(v)))) return false;
  }
  return true;
}

function explain(source: string, fallback: string | undefined): Pick<RecommendedEntry, 'reasons' | 'explanation'> {
  if (source === 'popularity') {
    return {
      reasons: [{ type: 'popular', ...(fallback === undefined ? {} : { because: fallback }) }],
      explanation: 'Popular with other users.',
    };
  }
  return { reasons: [{ type: 'model', model: source }], explanation: `Recommended by the ${source} model from your activity.` };
}

/**
 * Wraps `engine.recommend` as a {@link RecommendFunction}. With serving rules in force (blocklists,
 * exposure caps) more items are fetched, so that `k` remain once the server has applied them.
 */
export function engineRecommend(engine: Engine, rules?: Pick<ServingRules, 'active'>): RecommendFunction {
  return async (request: RecommendRequest): Promise<RecommendResult> => {
    const filtered = Object.keys(request.filters).length > 0;
    const ruled = rules?.active === true;
    const k = filtered ? Math.min(MAX_K, request.k * FILTER_OVERFETCH) : ruled ? Math.min(MAX_K, 2 * request.k + 20) : request.k;
    const rec: Recommendations = await engine.recommend(request.userId, {
      k,
      model: request.model,
      exclude: request.exclude,
      includeSeen: request.includeSeen,
      signal: request.signal,
    });
    let items = rec.items;
    if (filtered) {
      const catalogue = new Map((await engine.storage.items.getMany(items.map((it) => it.id), { signal: request.signal })).map((it) => [it.id, it]));
      items = items.filter((it) => matchesFilters(catalogue.get(it.id), request.filters));
    }
    const out: RecommendResult = {
      modelVersion: rec.modelVersion,
      items: items.slice(0, ruled ? k : request.k).map((it) => ({ ...it, ...explain(it.sources[0] ?? 'popularity', rec.fallback) })),
    };
    if (rec.fallback !== undefined) out.fallback = rec.fallback;
    return out;
  };
}
