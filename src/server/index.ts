/**
 * HTTP server: `createServer` / `startServer`, API-key parsing, the `Host` allow-list, A/B bucketing, and the plug-in
 * types for a recommendation pipeline and a model lifecycle. Explicit re-exports only.
 * @module
 */
export { DEFAULT_BATCH_BODY_LIMIT, DEFAULT_BODY_LIMIT, createServer, startServer } from './server.js';
export type { ServerOptions, StartServerOptions } from './server.js';
export { SCOPES, createKeyRing, generateApiKey, parseApiKeys, presentedKey, scopeAllows } from './auth.js';
export type { ApiKey, KeyRing, Scope } from './auth.js';
export { LOOPBACK_HOSTNAMES, createHostAllowList, hostnameOf, isLoopbackAddress, isLoopbackHostname, normaliseAllowedHost } from './host-allow-list.js';
export type { HostAllowList, HostAllowListOptions } from './host-allow-list.js';
export { DEFAULT_VARIANT, bucketOf, createVariantAssigner } from './ab-testing.js';
export type { Experiment, Variant, VariantAssigner } from './ab-testing.js';
export type {
  EventHook,
  ItemDeletedHook,
  ItemsHook,
  RecommendFunction,
  RecommendRequest,
  RecommendResult,
  RecommendedEntry,
  ServerLifecycle,
  TrendingProvider,
  UserDeletedHook,
} from './context.js';
export { STATUS_BY_CODE, toHttpFailure } from './http-errors.js';
export { pipelineRecommend } from './pipeline-recommend.js';
export { startService } from './start-service.js';
export type { Service, ServiceOptions } from './start-service.js';
export { engineRecommend } from './engine-recommend.js';
export type { ErrorBody } from './http-errors.js';
export type { UserDeletionReport, RetrainOutcome, AffectedModel, KeptModel } from './user-deletion.js';
