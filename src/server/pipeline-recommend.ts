/**
 * The server's recommendation function backed by the request pipeline (candidates from every
 * source → learned ranker → re-rank stages → explanations). A request that names a model (by the
 * client or by its A/B variant) is served by that model alone, through `fallback`, so experiments
 * compare models rather than pipelines.
 * @module
 */
import type { AttributeFilter, Pipeline } from '../index.js';
import type { RecommendFunction, RecommendRequest, RecommendResult } from './context.js';

/** Wraps `pipeline.recommend` as a {@link RecommendFunction}; `fallback` serves requests that name a model. */
export function pipelineRecommend(pipeline: Pipeline, fallback: RecommendFunction): RecommendFunction {
  // A list the pipeline kept for reuse comes back as the same object: so does its answer (whose
  // items the route then serialises once).
  const answers = new WeakMap<object, RecommendResult>();
  return async (request: RecommendRequest): Promise<RecommendResult> => {
    if (request.model !== undefined || request.includeSeen) return fallback(request);
    const filters: AttributeFilter = {};
    for (const [name, values] of Object.entries(request.filters)) filters[name] = values.length === 1 ? values[0] : values;
    const rec = await pipeline.recommend(request.userId, {
      k: request.k,
      filters,
      exclude: request.exclude,
      context: request.context,
      ...(request.llm === undefined ? {} : { llm: request.llm }),
      signal: request.signal,
    });
    const kept = answers.get(rec);
    if (kept !== undefined) return kept;
    const out: RecommendResult = {
      modelVersion: rec.modelVersion,
      items: rec.items.map((item) => ({
        id: item.id,
        score: item.score,
        ...(item.title === undefined ? {} : { title: item.title }),
        sources: item.sources,
        ...(item.explanation === undefined ? {} : { explanationSource: item.explanation.provenance ?? 'template' }),
        ...(item.explanation === undefined
          ? {}
          : {
              explanation: item.explanation.sentence,
              reasons: [
                ...item.explanation.because.map((b) => ({ type: 'history', ...b })),
                ...(item.explanation.aspects.length > 0 ? [{ type: 'aspects', aspects: item.explanation.aspects }] : []),
                { type: 'sources', scores: item.explanation.sourceScores },
              ],
            }),
      })),
    };
    if (rec.fallback !== undefined) out.fallback = rec.fallback;
    if (rec.llm !== undefined) out.llm = rec.llm as Record<string, unknown>;
    answers.set(rec, out);
    return out;
  };
}
