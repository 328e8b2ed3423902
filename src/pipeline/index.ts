/**
 * The recommendation pipeline: user state, candidate sources, learned ranker, re-rank stages and
 * explanations. Explicit re-exports only.
 * @module
 */
export { createPipeline } from './create-pipeline.js';
export type { Pipeline, PipelineItem, PipelineListCacheStats, PipelineOptions, PipelineRecommendOptions, PipelineRecommendations, TrendingItem, TrendingTopicAnswer } from './create-pipeline.js';
export { TrendingTopics, DEFAULT_TOPIC_ATTRIBUTES } from './trending-topics.js';
export type { TrendingTopic, TrendingTopicsOptions } from './trending-topics.js';
export { createSequentialSource, userSequence, SEQUENTIAL_SOURCE_MODELS } from './sequential-source.js';
export type { SequentialSourceOptions } from './sequential-source.js';
export type { Candidate, CandidateSource, ItemSignals, SourceOutput, SourceRequest } from './candidate-source.js';
export { buildUserState, isNegativeEvent, mergeLiveEvents, DEFAULT_SESSION_WINDOW_MS } from './user-state.js';
export type { BuildUserStateOptions, SessionOptions, UserState } from './user-state.js';
export { TrendingTracker, DEFAULT_TRENDING_HALF_LIFE_MS } from './trending-tracker.js';
export type { TrendingEntry, TrendingTrackerOptions } from './trending-tracker.js';
export { LiveItemSignals } from './live-item-signals.js';
export type { LiveItemSignalsOptions, SignalsLoadOptions, SignalsLoadReport } from './live-item-signals.js';
export { createModelSource } from './model-source.js';
export { createTrendingSource } from './trending-source.js';
export { createFreshSource, recencyScore } from './fresh-source.js';
export type { FreshSourceOptions } from './fresh-source.js';
export { createSessionSource, sessionCandidates } from './session-source.js';
export type { SessionSourceOptions } from './session-source.js';
export { TextVectors, cosine } from './text-vectors.js';
export { buildFeatureRows, featureNames } from './ranker-features.js';
export type { FeatureContext, FeatureRows } from './ranker-features.js';
export { LearnedRanker, fitRanker, meanNdcg } from './learned-ranker.js';
export type { RankerFitOptions, RankerFitReport, RankerJson, RankingGroup } from './learned-ranker.js';
export { engineModelSpecs, evaluateRanker, fitRankerOn, formatRankerTable, prepareRankerData, trainEngineRanker, rankerCoverage, RANKER_MODEL, trainRanker } from './train-ranker.js';
export type {
  EngineRankerOptions,
  EngineRankerResult,
  RankerData,
  RankerEvaluationRow,
  RankerExample,
  RankerTrainingOptions,
  RankerTrainingResult,
  SourceModelSpec,
} from './train-ranker.js';
export { sortByScore } from './scored-item.js';
export type { ScoredItem } from './scored-item.js';
export { excludeItems } from './exclude-items.js';
export { MAX_BLOCKLIST_ENTRIES, compileBlocklist, emptyBlocklist, isBlocked, isEmptyBlocklist, mergeBlocklists, parseBlocklist } from './blocklist.js';
export type { BlockedValue, Blocklist, BlocklistMatcher } from './blocklist.js';
export { ExposureCaps } from './exposure-caps.js';
export type { ExposureCapOptions, ExposureCount } from './exposure-caps.js';
export { BLOCKLIST_SETTING, createServingRules } from './serving-rules.js';
export type { BlocklistState, ServingRules, ServingRulesOptions } from './serving-rules.js';
export { applyBusinessRules, matchesFilter } from './business-rules.js';
export type { AttributeBoost, AttributeCondition, AttributeFilter, BusinessRules, RangeCondition } from './business-rules.js';
export { intraListSimilarity, mmrDiversify } from './mmr-diversify.js';
export type { ItemSimilarity } from './mmr-diversify.js';
export { enforceTailQuota, longTailExposure } from './long-tail-exposure.js';
export type { LongTailOptions } from './long-tail-exposure.js';
export { boostFreshness } from './freshness-boost.js';
export type { FreshnessOptions } from './freshness-boost.js';
export { attributeSimilarity, itemFacets, modelSimilarity, textSimilarity, DESCRIPTIVE_ATTRIBUTES } from './item-similarity.js';
export { explainItem, facetProfile } from './explain-item.js';
export type { BecauseItem, Explanation, ExplanationContext } from './explain-item.js';
export { formatTemporalEffects, runTemporalEffects } from './temporal-effects.js';
export type { TemporalEffectsOptions, TemporalEffectsReport, TemporalEffectsRow } from './temporal-effects.js';
export { ItemCache } from './item-cache.js';
export type { ItemCacheOptions } from './item-cache.js';
