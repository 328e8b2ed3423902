/**
 * The HTTP server (SPEC C12, C20): a Fastify app under `/v1` with JSON-schema validation of every
 * body, path and query, API keys with scopes, one error handler, request metrics, A/B bucketing,
 * impressions on every served list, and an OpenAPI 3 document at `/openapi.json`.
 * @module
 */
import swagger from '@fastify/swagger';
import Fastify from 'fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ValidationError, createEphemeralPseudonymiser, createServingRules, silentLogger } from '../index.js';
import type { Engine, Logger, Pseudonymiser, RetentionSchedule, ServingRules, UnknownItemsPolicy } from '../index.js';
import type { Conversations, EnrichmentJobs } from '../index.js';
import { createVariantAssigner } from './ab-testing.js';
import type { Experiment } from './ab-testing.js';
import { createKeyRing, presentedKey, scopeAllows } from './auth.js';
import type { ApiKey, Scope } from './auth.js';
import { coerceQuery } from './coerce-query.js';
import type { QuerySchema } from './coerce-query.js';
import type { EventHook, RecommendFunction, ServerContext, ServerLifecycle, ItemDeletedHook, ItemsHook, TrendingProvider, UserDeletedHook } from './context.js';
import { engineRecommend } from './engine-recommend.js';
import { createHostAllowList, isLoopbackHostname } from './host-allow-list.js';
import { HttpError, clientErrorResponse, toHttpFailure } from './http-errors.js';
import { loggedMessage, loggedUrl } from './log-user-ids.js';
import { createRequestMetrics } from './metrics.js';
import { ERROR_SCHEMA_NAME, finishOpenApiDocument } from './openapi.js';
import { registerAdminRoutes } from './routes/admin.js';
import { registerConversationRoutes } from './routes/conversations.js';
import { registerEnrichmentRoutes } from './routes/enrichment.js';
import { registerEventRoutes } from './routes/events.js';
import { registerItemRoutes } from './routes/items.js';
import { registerModelRoutes } from './routes/models.js';
import { registerEvaluationRoutes } from './routes/evaluations.js';
import { registerRecommendationRoutes } from './routes/recommendations.js';
import { registerSystemRoutes } from './routes/system.js';
import { registerTrendingRoutes } from './routes/trending.js';
import { registerUserRoutes } from './routes/users.js';
import { errorResponse } from './schemas.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Scope a key needs for this route; absent = public. */
    scope?: Scope;
  }
}

/** Default largest request body: 1 MiB. */
export const DEFAULT_BODY_LIMIT = 1024 * 1024;
/** Default largest body of batch endpoints (event batches, bulk upserts): 16 MiB. */
export const DEFAULT_BATCH_BODY_LIMIT = 16 * 1024 * 1024;

/** Options of {@link createServer}. */
export interface ServerOptions {
  engine: Engine;
  /** Recommendation function (e.g. a pipeline); default `engine.recommend` with attribute filters. */
  recommend?: RecommendFunction;
  /** Observer of accepted events (e.g. a pipeline's `observe`). */
  onEvent?: EventHook;
  /** Observer of stored items (e.g. a pipeline's `observeItems`, so a new item is recommendable at once). */
  onItems?: ItemsHook;
  /** Called after an item was deleted (e.g. a pipeline's `forgetItems`). */
  onItemDeleted?: ItemDeletedHook;
  /** Called after a user was deleted, to drop in-memory state of theirs. */
  onUserDeleted?: UserDeletedHook;
  /** Live trending lists for `/v1/trending` (e.g. the pipeline); without it those routes answer 501. */
  trending?: TrendingProvider;
  /** Extra routes or plugins (e.g. the dashboard), registered after the API's own routes. */
  register?: (app: FastifyInstance) => Promise<void> | void;
  /** Model lifecycle operations; without it the training/activation/rollback routes answer 501. */
  lifecycle?: ServerLifecycle;
  /** Accepted keys; an empty list refuses every keyed route unless `openAccess` is set. */
  apiKeys: readonly ApiKey[];
  /** Let requests without a key through as admin (for development on loopback only). */
  openAccess?: boolean;
  /**
   * Hostnames (no port) answered besides the loopback names. A non-empty list refuses every other
   * `Host` with 403 `host_not_allowed`; empty accepts any host unless `loopbackHostsOnly` is set.
   */
  allowedHosts?: readonly string[];
  /**
   * Answer only loopback names and `allowedHosts` in `Host` (against DNS rebinding). `startServer`
   * sets it when binding a loopback interface; default false.
   */
  loopbackHostsOnly?: boolean;
  /** Largest request body in bytes (default 1 MiB); larger bodies get 413. */
  bodyLimit?: number;
  /** Largest body of batch endpoints (default 16 MiB). */
  batchBodyLimit?: number;
  /** A/B experiment; without one every list is attributed to variant `default`. */
  experiment?: Experiment;
  /**
   * Events naming an item the catalogue does not hold: `reject` (default) answers 400 naming the
   * event and the item (they would train models on items nothing can be shown for); `accept` stores them.
   */
  unknownItems?: UnknownItemsPolicy;
  /**
   * Blocklists and exposure caps applied to every served list (`createServingRules`); default: the
   * runtime blocklist in storage, no caps.
   */
  servingRules?: ServingRules;
  /** The retention job, whose status `GET /v1/metrics` reports (`startService` passes it). */
  retention?: Pick<RetentionSchedule, 'status'>;
  /**
   * User ids in log lines: replaced by pseudonyms of this pseudonymiser (`createPseudonymiser` with the
   * install's secret), or `raw`. Default: a pseudonymiser under a secret of this process only.
   */
  logUserIds?: Pseudonymiser | 'raw';
  /**
   * This process among several serving processes on one storage (its id, whether it is the trainer,
   * how far it follows the others' writes), reported by `GET /v1/metrics` as `process`.
   */
  processInfo?: () => Record<string, unknown>;
  /**
   * While the service behind the server is still starting (the pipeline being built), what it is
   * doing: `/v1/health` then answers `status: starting` (see `PipelineGate`); undefined once ready.
   */
  startup?: () => { step: string; seconds: number } | undefined;
  /** After a user deletion, retrain affected models in the background when no lifecycle is given (default true). */
  retrainOnUserDeletion?: boolean;
  /** Conversations (`POST /v1/conversations`, see `createConversations`); without them those routes answer 501. */
  conversations?: Conversations;
  /** Enrichment jobs over a generative model (`/v1/admin/enrichment`); without them those routes answer 501. */
  enrichment?: EnrichmentJobs;
  logger?: Logger;
}

/** Removes `__proto__` keys while parsing, so that a body can never reach an object's prototype. */
function safeReviver(key: string, value: unknown): unknown {
  return key === '__proto__' ? undefined : value;
}

/** Longest raw path parameter routed: 512 characters, each up to 12 bytes percent-encoded. */
const MAX_PARAM_LENGTH = 512 * 12;

/**
 * Headers on every response: no MIME sniffing, no referrer, no framing, and a policy under which an
 * API answer opened as a document loads nothing. The dashboard page replaces the policy with its own.
 */
const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
});

function routeKey(request: FastifyRequest): string {
  const url = request.routeOptions.url;
  return url === undefined ? 'unmatched' : `${request.method} ${url}`;
}

/**
 * Builds the server (not listening yet; see {@link startServer}).
 * @example
 * const app = await createServer({ engine, apiKeys: [{ key: 'secret', scope: 'admin' }] });
 * const res = await app.inject({ method: 'GET', url: '/v1/health' });
 */
export async function createServer(options: ServerOptions): Promise<FastifyInstance> {
  const logger = options.logger ?? silentLogger;
  const bodyLimit = options.bodyLimit ?? DEFAULT_BODY_LIMIT;
  const batchBodyLimit = Math.max(bodyLimit, options.batchBodyLimit ?? DEFAULT_BATCH_BODY_LIMIT);
  if (!Number.isSafeInteger(bodyLimit) || bodyLimit < 1) throw new ValidationError('bodyLimit must be a positive integer', { details: { field: 'bodyLimit' } });
  const hosts = createHostAllowList({ allowedHosts: options.allowedHosts ?? [], loopbackOnly: options.loopbackHostsOnly ?? false });
  const pseudonymiser = options.logUserIds === 'raw' ? undefined : (options.logUserIds ?? createEphemeralPseudonymiser());
  const servingRules = options.servingRules ?? (await createServingRules({ storage: options.engine.storage, logger }));
  const ctx: ServerContext = {
    engine: options.engine,
    storage: options.engine.storage,
    recommend: options.recommend ?? engineRecommend(options.engine, servingRules),
    onEvent: options.onEvent,
    onItems: options.onItems,
    onItemDeleted: options.onItemDeleted,
    onUserDeleted: options.onUserDeleted,
    processInfo: options.processInfo,
    startup: options.startup,
    trending: options.trending,
    lifecycle: options.lifecycle,
    variants: createVariantAssigner(options.experiment),
    keys: createKeyRing(options.apiKeys),
    openAccess: options.openAccess ?? false,
    logger,
    metrics: createRequestMetrics(),
    counters: { eventsAccepted: 0, impressions: 0, feedback: 0, impressionsNotRecorded: 0 },
    retrainOnUserDeletion: options.retrainOnUserDeletion ?? true,
    retrainQueue: { tail: Promise.resolve() },
    batchBodyLimit,
    unknownItems: options.unknownItems ?? 'reject',
    servingRules,
    pseudonymiser,
    retention: options.retention,
    conversations: options.conversations,
    enrichment: options.enrichment,
    startedAt: Date.now(),
  };

  const app = Fastify({
    logger: false,
    bodyLimit,
    // Bodies are validated without coercion (a string where a number belongs is the client's
    // mistake); query strings are converted by `coerceQuery` before validation instead.
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, useDefaults: true, allErrors: false, allowUnionTypes: true } },
    return503OnClosing: true,
    // Ids may be 512 characters (up to 12 bytes each once percent-encoded): longer ones reach the
    // schema and are refused naming the parameter, instead of Fastify's 100-character default 414.
    maxParamLength: MAX_PARAM_LENGTH,
    // Routing failures (malformed percent-encoding, a parameter beyond that) in the error shape.
    frameworkErrors: (error, _request, rawReply) => {
      const failure = toHttpFailure(error);
      const reply = rawReply as unknown as FastifyReply;
      void reply.headers(SECURITY_HEADERS).code(failure.status).type('application/json').send(failure.body);
    },
    // Requests Node's HTTP parser refuses (headers too large, garbage) in the error shape too.
    clientErrorHandler: (error, socket) => {
      const response = clientErrorResponse(error);
      if (response !== undefined && !socket.destroyed && socket.writable) socket.write(response);
      socket.destroy(error);
    },
  });

  // First of all hooks, so that refused hosts reach no route (nor /v1/health) and every answer,
  // errors included, carries the security headers.
  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    void reply.headers(SECURITY_HEADERS);
    if (!hosts.allows(request.headers.host)) {
      throw new HttpError(403, 'host_not_allowed', hosts.refusal(request.headers.host), { host: request.headers.host ?? null, allowedHosts: hosts.allowedHosts });
    }
  });

  app.removeContentTypeParser(['application/json']);
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, text, done) => {
    const body = typeof text === 'string' ? text : text.toString('utf8');
    if (body.trim() === '') {
      done(new HttpError(400, 'invalid_json', 'request body is empty; send a JSON document'), undefined);
      return;
    }
    try {
      done(null, JSON.parse(body, safeReviver));
    } catch (error) {
      done(new HttpError(400, 'invalid_json', `malformed JSON body: ${error instanceof Error ? error.message : String(error)}`), undefined);
    }
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'lmrec',
        version: '1',
        license: { name: 'MIT', url: 'https://opensource.org/license/mit' },
        description:
          'Recommendation engine HTTP API. Errors are `{ "error": { "code", "message", "details"? } }`. Keys: `Authorization: Bearer <key>` or `x-api-key`; scopes read < write < admin.',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer' },
          apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' },
        },
      },
    },
    transform: ({ schema, url, route }) => {
      const scope = route.config?.scope;
      if (scope === undefined || schema === undefined) return { schema, url };
      const described = { ...schema, security: [{ bearer: [] }, { apiKey: [] }] } as typeof schema & Record<string, unknown>;
      described.description = `${typeof schema.description === 'string' ? `${schema.description}\n\n` : ''}Needs scope \`${scope}\`.`;
      return { schema: described, url };
    },
    // Operation ids, error answers, servers, and no keywords OpenAPI 3.0 lacks (`openapi.ts`).
    transformObject: (documentObject) => finishOpenApiDocument('openapiObject' in documentObject ? documentObject.openapiObject : documentObject.swaggerObject),
    // Shared schemas keep their `$id` as their name under `components.schemas`.
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
  });

  app.addSchema({ $id: ERROR_SCHEMA_NAME, ...errorResponse });

  app.addHook('onRequest', async (request: FastifyRequest) => {
    const needed = request.routeOptions.config.scope;
    if (needed === undefined) return;
    const key = presentedKey(request.headers);
    if (key === undefined) {
      if (ctx.openAccess) return;
      throw new HttpError(401, 'unauthorized', 'missing API key: send `Authorization: Bearer <key>` or `x-api-key: <key>`');
    }
    const granted = ctx.keys.scopeOf(key);
    if (granted === undefined) throw new HttpError(401, 'unauthorized', 'unknown API key');
    if (!scopeAllows(granted, needed)) {
      throw new HttpError(403, 'forbidden', `this API key has scope "${granted}"; ${request.method} ${request.routeOptions.url ?? ''} needs "${needed}"`, {
        granted,
        needed,
      });
    }
  });

  app.addHook('preValidation', async (request: FastifyRequest) => {
    const schema = request.routeOptions.schema?.querystring as QuerySchema | undefined;
    if (schema !== undefined) request.query = coerceQuery(schema, request.query);
  });

  app.addHook('onResponse', async (request: FastifyRequest, reply: FastifyReply) => {
    const ms = reply.elapsedTime;
    ctx.metrics.observe(routeKey(request), reply.statusCode, ms);
    // The line (and the pseudonyms in it) is built only when debug records are written.
    if (logger.enabled?.('debug') ?? true) logger.log('debug', `${request.method} ${loggedUrl(request, pseudonymiser)} ${reply.statusCode}`, { ms: Math.round(ms * 100) / 100 });
  });

  app.setErrorHandler(async (error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const failure = toHttpFailure(error);
    if (failure.internal) {
      const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
      logger.log('error', `${request.method} ${loggedUrl(request, pseudonymiser)} failed`, { error: loggedMessage(request, detail, pseudonymiser) });
    } else if (failure.status >= 500 && failure.body.error.code !== 'starting') {
      logger.log('warn', `${request.method} ${loggedUrl(request, pseudonymiser)}: ${loggedMessage(request, failure.body.error.message, pseudonymiser)}`);
    }
    const retryAfter = error instanceof HttpError ? error.retryAfterSeconds : undefined;
    if (retryAfter !== undefined) void reply.header('retry-after', String(retryAfter));
    return reply.code(failure.status).type('application/json').send(failure.body);
  });

  app.setNotFoundHandler(async (request: FastifyRequest, reply: FastifyReply) =>
    reply.code(404).send({ error: { code: 'not_found', message: `no route ${request.method} ${request.url.split('?')[0]}; see /openapi.json` } }),
  );

  registerSystemRoutes(app, ctx);
  registerItemRoutes(app, ctx);
  registerUserRoutes(app, ctx);
  registerEventRoutes(app, ctx);
  registerRecommendationRoutes(app, ctx);
  registerModelRoutes(app, ctx);
  registerEvaluationRoutes(app, ctx);
  registerTrendingRoutes(app, ctx);
  registerAdminRoutes(app, ctx);
  registerConversationRoutes(app, ctx);
  registerEnrichmentRoutes(app, ctx);
  if (options.register) await options.register(app);

  // Retraining started by a user deletion finishes before the server reports closed.
  app.addHook('onClose', async () => {
    await ctx.retrainQueue.tail;
  });
  return app;
}

/** Options of {@link startServer}. */
export interface StartServerOptions extends ServerOptions {
  /** Port (0 = any free port). */
  port: number;
  /** Interface to bind (default 127.0.0.1); a loopback interface turns `loopbackHostsOnly` on unless it is given. */
  host?: string;
}

/** Builds the server and starts listening; resolves with the app and its base URL. */
export async function startServer(options: StartServerOptions): Promise<{ app: FastifyInstance; url: string }> {
  const host = options.host ?? '127.0.0.1';
  const app = await createServer({ ...options, loopbackHostsOnly: options.loopbackHostsOnly ?? isLoopbackHostname(host) });
  await app.listen({ port: options.port, host });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return { app, url: `http://${shownHost}:${port}` };
}
