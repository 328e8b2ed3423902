/**
 * Public API of the engine: explicit re-exports only. The CLI and server use nothing else.
 * @module
 */
export { AbortError, BackendError, ConflictError, EngineError, NotFoundError, UnsupportedError, ValidationError, throwIfAborted } from './core/errors.js';
export type { EngineErrorOptions, ErrorDetails } from './core/errors.js';
export { EVENT_TYPES, ITEMLESS_EVENT_TYPES, isEventType } from './core/types.js';
export type { Attributes, Event, EventType, Item, JsonValue, StoredEvent, User } from './core/types.js';
export { IdDictionary } from './core/id-dictionary.js';
export { InteractionLogBuilder, logLength } from './core/interaction-log.js';
export type { InteractionLog } from './core/interaction-log.js';
export { binarize, columnCounts, csrFromCoo, rowIndices, rowLength, rowValues, transposeCsr } from './core/csr-matrix.js';
export type { CsrMatrix, DuplicatePolicy } from './core/csr-matrix.js';
export { createLevelLogger, silentLogger } from './core/logger.js';
export type { LogLevel, Logger, ProgressCallback } from './core/logger.js';

export { configSchema, ENV_OVERRIDES, loadConfig, redactConfig } from './config/config.js';
export type { Config, LoadConfigOptions } from './config/config.js';

export { COPY_TRANSACTION_ROWS, copyStorage, createPostgresStorage, openStorage, parseStorageUrl, createSqliteStorage, redactUrl } from './storage/index.js';
export type { CopyReport, CopyStorageOptions, PostgresStorageOptions, StorageTransfer } from './storage/index.js';
export type {
  BulkWrite,
  BulkWriteOptions,
  BulkWriteResult,
  CallOptions,
  CatalogStore,
  DeleteBeforeOptions,
  Erasure,
  ErasureStore,
  EventQuery,
  EventStore,
  Impression,
  ImpressionDeletion,
  ImpressionStats,
  ImpressionStore,
  ImportMark,
  ImportRecord,
  ImportStore,
  ListOptions,
  ModelChunks,
  ModelHead,
  ModelRecord,
  ModelStore,
  RecordImpressionOptions,
  SettingsStore,
  ChangeKind,
  ChangeStore,
  LeaseStore,
  StoredChange,
  Storage,
  StorageCapabilities,
  StorageHealth,
  StoredSetting,
  UserDeletion,
  UserStore,
} from './storage/index.js';

export { IMPORT_TRANSACTION_ROWS, detectFormat, importDataset, kindFromFileName, loadDataset, mappingFromFlags, parseColumnMap, parseDelimiterOption, readInteractionFile, readS3RecAttributes } from './ingest/index.js';
export type { ColumnFlags, CsvMapping } from './ingest/index.js';
export type { ImportOptions, ImportReport, ImportSource, UnknownItemsPolicy } from './ingest/index.js';

export { MODEL_KINDS, createModel, defaultGrid, describeModel, deserializeModel, expandGrid, isModelKind, modelFromSnapshot, serializeModel } from './models/registry.js';
export type { ModelKind } from './models/registry.js';
export { MODEL_PARAM_SCHEMAS, modelParamNames, validateModelParams } from './models/model-params.js';
export type { ModelParamSchema } from './models/model-params.js';
export type { FitContext, FitReport, ModelParams, Recommender, UserQuery } from './models/recommender.js';
export type { ModelSnapshot } from './models/snapshot.js';

export { filterByValue, kCoreFilter, logStats, selectRows } from './eval/filter.js';
export type { KCoreOptions, LogStats } from './eval/filter.js';
export { leaveOneOutSplit, randomRatioSplit, ratioPartSizes, temporalSplit } from './eval/split.js';
export type { Split, SplitKind } from './eval/split.js';
export { RANKING_METRICS, gini, listMetrics } from './eval/metrics.js';
export type { ListMetrics, MetricValues, RankingMetric } from './eval/metrics.js';
export { evaluateRanking } from './eval/evaluate-ranking.js';
export type { EvaluateOptions, EvaluationResult, RankingTask } from './eval/evaluate-ranking.js';
export { BEAUTY_SEQ_PUBLISHED, BLEND_KIND, LOO_SEQ, LOO_SEQ_5CORE, ML_SMALL_SEQ_PUBLISHED, RECBOLE_GENERAL, RECBOLE_ML1M_PUBLISHED, matrixOfRows, prepareProtocol, runProtocol, sampleTaskUsers, splitLog } from './eval/protocol.js';
export { ScoreBlend, fitBlendWeights, standardiseScores } from './eval/score-blend.js';
export type { BlendMember, FitBlendOptions } from './eval/score-blend.js';
export type { ModelResult, ModelRun, ProtocolConfig, ProtocolReport, SplitConfig, Trial } from './eval/protocol.js';
export { renderJson, renderMarkdown } from './eval/report.js';
export type { MarkdownOptions, ReferenceTable } from './eval/report.js';

export { ENCODER_KINDS, createCachedEncoder, createEncoder, createOnnxEncoder, createOpenAiEncoder, createServingEncoder, createUseLiteEncoder, createWorkerEncoder, encoderConfigSchema, hasEmbeddingPack, readEmbeddingPackManifest, seedFromEmbeddingPack, textHash, writeEmbeddingPack } from './encoders/index.js';
export type { CachedEncoder, EncodeOptions, EncodePriority, Encoder, EncoderConfig, EmbeddingPackManifest, EncoderKind, WorkerEncoder, WorkerEncoderStats } from './encoders/index.js';
export { createVerbalizer, MOVIE_TEMPLATE, NEWS_TEMPLATE, RETAIL_TEMPLATE, analyzeSentiment, extractAspects, scrubPii } from './text/index.js';
export type { DomainTemplate, Verbalizer } from './text/index.js';
export { CF_MODEL_KINDS, SEQUENCE_MODEL_KINDS, TEXT_MODEL_KINDS } from './models/registry.js';
export { SasRecModel, createSasRec } from './models/sasrec.js';
export type { SasRecOptions } from './models/sasrec.js';
export { Gru4RecModel, createGru4Rec } from './models/gru4rec.js';
export type { Gru4RecOptions } from './models/gru4rec.js';
export type { ItemEmbeddings } from './models/recommender.js';
export { SemanticModel, updateInterest } from './models/semantic.js';
export { HybridModel } from './models/hybrid.js';
export { ITEM_COLD_START, renderColdStartMarkdown, runColdStartProtocol } from './eval/cold-start-protocol.js';
export type { ColdStartConfig, ColdStartReport } from './eval/cold-start-protocol.js';
export { itemColdStartSplit, coldUserTargets, tailTargets, targetsInMask } from './eval/cold-start.js';
export { alignItemVectors } from './eval/protocol.js';
export type { ItemVectorSource } from './eval/protocol.js';
export { DEFAULT_FEEDBACK_POLICY, eventSentiment, feedbackSignal, feedbackWeight, isNegativeFeedback } from './engine/feedback-policy.js';
export type { FeedbackPolicy } from './engine/feedback-policy.js';
export { DEFAULT_HISTORY_LIMIT, Engine, MAX_ENCODED_CHARS, clipForEncoder, createEngine } from './engine/engine.js';
export { catalogueText } from './engine/catalogue-text.js';
export type { EmbedReport, EngineOptions, QueryItem, QueryOptions, RecommendOptions, RecommendedItem, Recommendations, TrainResult } from './engine/engine.js';
export type { QueryBecause, QueryExplanation } from './engine/explain-query.js';
export type { UserScores } from './engine/engine.js';
export { ITEM_LINEAR_KINDS, recencyWeight, scoreWeighted } from './engine/recency.js';
export type { RecencyOptions } from './engine/recency.js';
export { createPipeline, buildUserState, isNegativeEvent, mergeLiveEvents, DEFAULT_SESSION_WINDOW_MS, TrendingTracker, DEFAULT_TRENDING_HALF_LIFE_MS, LiveItemSignals, createModelSource, createTrendingSource, createFreshSource, recencyScore, createSessionSource, sessionCandidates, TextVectors, cosine, buildFeatureRows, featureNames, LearnedRanker, fitRanker, meanNdcg, engineModelSpecs, evaluateRanker, fitRankerOn, formatRankerTable, prepareRankerData, trainEngineRanker, rankerCoverage, RANKER_MODEL, trainRanker, sortByScore, excludeItems, applyBusinessRules, matchesFilter, intraListSimilarity, mmrDiversify, enforceTailQuota, longTailExposure, boostFreshness, attributeSimilarity, itemFacets, modelSimilarity, textSimilarity, DESCRIPTIVE_ATTRIBUTES, explainItem, facetProfile, TrendingTopics, DEFAULT_TOPIC_ATTRIBUTES, createSequentialSource, userSequence, SEQUENTIAL_SOURCE_MODELS, formatTemporalEffects, runTemporalEffects } from './pipeline/index.js';
export type { Pipeline, PipelineItem, PipelineListCacheStats, PipelineOptions, PipelineRecommendOptions, PipelineRecommendations, Candidate, CandidateSource, ItemSignals, SourceOutput, SourceRequest, BuildUserStateOptions, SessionOptions, UserState, TrendingEntry, TrendingTrackerOptions, LiveItemSignalsOptions, SignalsLoadOptions, SignalsLoadReport, FreshSourceOptions, SessionSourceOptions, FeatureContext, FeatureRows, RankerFitOptions, RankerFitReport, RankerJson, RankingGroup, EngineRankerOptions, EngineRankerResult, RankerData, RankerEvaluationRow, RankerExample, RankerTrainingOptions, RankerTrainingResult, SourceModelSpec, ScoredItem, AttributeBoost, AttributeCondition, AttributeFilter, BusinessRules, RangeCondition, ItemSimilarity, LongTailOptions, FreshnessOptions, BecauseItem, Explanation, ExplanationContext, TrendingItem, TrendingTopicAnswer, TrendingTopic, TrendingTopicsOptions, SequentialSourceOptions, TemporalEffectsOptions, TemporalEffectsReport, TemporalEffectsRow } from './pipeline/index.js';
export { DEFAULT_TRAINER_LEASE_MS, TRAINER_LEASE, startTrainerLease } from './lifecycle/index.js';
export type { TrainerLease, TrainerLeaseOptions } from './lifecycle/index.js';
export { EVALUATION_JOB, EVALUATION_PROTOCOLS, MAX_EVALUATION_MODELS, evaluationParams, evaluationProtocol, runEvaluation } from './lifecycle/index.js';
export type { EvaluationProtocol, EvaluationReportRef, EvaluationRequest, RunEvaluationOptions } from './lifecycle/index.js';
export { DEFAULT_TRAIN_PARAMS, DEMO_DATA_DIR, DEMO_MODELS, KEPT_ON_ERASURE, describeParams, resolveTrainParams, ModelManager, createLifecycle, createRetrainScheduler, createTrainer, erasuresTainting, isTrainedOnErasedData, parseDuration, prepareDemo, purgeErasedVersions } from './lifecycle/index.js';
export type {
  DemoModel,
  ResolvedTrainParams,
  DemoReport,
  ErasureCompletion,
  ErasurePurge,
  FollowStorageOptions,
  JobError,
  JobProgress,
  JobResult,
  JobState,
  JobStatus,
  Lifecycle,
  LifecycleOptions,
  ManagedLifecycle,
  ModelManagerOptions,
  ModelVersionInfo,
  ModelVersionRef,
  ModelVersions,
  PrepareDemoOptions,
  PurgeErasedVersionsOptions,
  RetrainReason,
  RetrainScheduler,
  RetrainSchedulerOptions,
  StartJobOptions,
  StorageChange,
  Trainer,
  TrainerOptions,
  TrainJob,
} from './lifecycle/index.js';
export type { LoadedModel } from './engine/engine.js';

export { DEFAULT_PURGE_BATCH, DEFAULT_PURGE_PAUSE_MS, purgeExpired, retentionCutoffs, startRetentionSchedule } from './privacy/index.js';
export type { PurgeExpiredOptions, PurgeResult, RetentionSchedule, RetentionScheduleOptions, RetentionStatus, RetentionWindows } from './privacy/index.js';
export { DEFAULT_PSEUDONYM_SECRET_FILE, MIN_PSEUDONYM_SECRET, PSEUDONYM_PREFIX, createEphemeralPseudonymiser, createPseudonymiser, loadPseudonymSecret } from './privacy/index.js';
export type { Pseudonymiser } from './privacy/index.js';
export { BLOCKLIST_SETTING, ExposureCaps, MAX_BLOCKLIST_ENTRIES, compileBlocklist, createServingRules, emptyBlocklist, isBlocked, isEmptyBlocklist, mergeBlocklists, parseBlocklist } from './pipeline/index.js';
export type { BlockedValue, Blocklist, BlocklistMatcher, BlocklistState, ExposureCapOptions, ExposureCount, ServingRules, ServingRulesOptions } from './pipeline/index.js';
export { KeywordIndex, keywordTokens } from './text/index.js';
export type { KeywordDocument, KeywordHit, KeywordIndexOptions } from './text/index.js';

export { PROMPT_VERSIONS, bordaAggregate, checkExplanation, createChatModel, createConcurrencyLimit, createGgufChatModel, createMentionIndex, createOpenAiChatModel, guardChatModel, llmExplain, llmRerank, NODE_LLAMA_CPP_VERSION, parseJsonReply, promptHash, repairPermutation } from './llm/index.js';
export type { ChatMessage, ChatModel, ChatRequest, ChatResponse, ExplainInput, ExplainOutcome, GuardedChatModel, GuardedChatRequest, LlmRerankOptions, RerankOutcome, TokenUsage, WrittenExplanation } from './llm/index.js';
export { ConversationStore, MOOD_GENRES, answerWish, buildCatalogueVocabulary, cachedCatalogueVocabulary, createConversations, createEnrichmentJobs, discardGeneratedText, emptyWish, enrichThinItems, mergeWish, parseWishByRules } from './llm/index.js';
export type { CatalogueVocabulary, Conversation, ConversationTurn, Conversations, ConversationsOptions, EnrichOptions, EnrichReport, EnrichmentJob, EnrichmentJobs, TurnResult, Wish, WishAnswer, WishAnswerItem } from './llm/index.js';
export { withGeneratedText } from './engine/catalogue-text.js';
export type { PipelineLlmOptions, PipelineLlmReport } from './pipeline/create-pipeline.js';
export type { GeneratedText, GeneratedTextStore, LlmCacheEntry, LlmCacheStore } from './storage/storage.js';
export { renderLlmRerankMarkdown, runLlmRerankEvaluation } from './llm/index.js';
export type { LlmRerankEvaluationOptions, LlmRerankEvaluationReport } from './llm/index.js';
