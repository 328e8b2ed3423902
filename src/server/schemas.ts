/**
 * JSON schemas of every request part and the main responses. They drive both validation (Fastify's
 * Ajv, without coercion for bodies) and the OpenAPI document, so the two never disagree.
 * @module
 */
import { EVENT_TYPES } from '../index.js';

/** Largest `k` a list request may ask for. */
export const MAX_K = 1000;
/** Most events in one batch request. */
export const MAX_EVENT_BATCH = 10_000;
/** Most items or users in one batch upsert. */
export const MAX_UPSERT_BATCH = 10_000;

/** Latest timestamp accepted (2100-01-01T00:00:00Z): a year-9999 event is a client bug, not data. */
export const MAX_TIMESTAMP_MS = 4_102_444_800_000;
/** Longest item text accepted over HTTP (stored whole; encoders read its first 2,000 characters). */
export const MAX_ITEM_TEXT = 100_000;

const id = { type: 'string', minLength: 1, maxLength: 512, pattern: '^[^\\u0000-\\u001f\\u007f]+$', description: 'up to 512 characters, no control characters' } as const;
const attributes = { type: 'object', additionalProperties: true, maxProperties: 256, description: 'any JSON object (genres, brand, price, tags, …), at most 256 keys' } as const;
const timestamp = { type: 'integer', minimum: 0, maximum: MAX_TIMESTAMP_MS, description: 'ms since the Unix epoch (until 2100)' } as const;
const eventValue = { type: 'number', minimum: -1e6, maximum: 1e6, description: 'rating value (required for `rating` events) or weight' } as const;

/** An item as clients send it (the id may come from the path). */
export const itemBody = {
  type: 'object',
  properties: {
    id,
    title: { type: 'string', minLength: 1, maxLength: 2_000 },
    text: { type: 'string', maxLength: MAX_ITEM_TEXT },
    attributes,
    createdAt: timestamp,
    available: { type: 'boolean' },
  },
  additionalProperties: false,
} as const;

/** An item with a required id and title. */
export const itemSchema = { ...itemBody, required: ['id', 'title'] } as const;

/** A user. */
export const userSchema = {
  type: 'object',
  properties: { id, attributes },
  required: ['id'],
  additionalProperties: false,
} as const;

/** One event. */
export const eventSchema = {
  type: 'object',
  properties: {
    userId: id,
    itemId: id,
    type: { type: 'string', enum: [...EVENT_TYPES] },
    value: eventValue,
    text: { type: 'string', maxLength: 20_000 },
    timestamp: { ...timestamp, description: 'ms since the Unix epoch; default: when the server receives it' },
    context: attributes,
  },
  required: ['userId', 'type'],
  additionalProperties: false,
} as const;

/** `{ events: [...] }`. */
export const eventBatchSchema = {
  type: 'object',
  properties: { events: { type: 'array', items: eventSchema, minItems: 1, maxItems: MAX_EVENT_BATCH } },
  required: ['events'],
  additionalProperties: false,
} as const;

/** `POST /v1/events`: one event, or `{ events: [...] }`. */
export const eventsBody = {
  type: 'object',
  if: { required: ['events'] },
  then: eventBatchSchema,
  else: eventSchema,
} as const;

/** `:id` path parameter. */
export const idParams = { type: 'object', properties: { id }, required: ['id'], additionalProperties: false } as const;

/** `:name` path parameter (model name). */
export const nameParams = { type: 'object', properties: { name: id }, required: ['name'], additionalProperties: false } as const;

const k = { type: 'integer', minimum: 1, maximum: MAX_K, default: 10 } as const;

/** `GET /v1/users/:id/recommendations` query. */
export const recommendQuery = {
  type: 'object',
  properties: {
    k,
    model: { type: 'string', minLength: 1 },
    exclude: { type: 'array', items: { type: 'string', minLength: 1 }, maxItems: 10_000, description: 'item ids, comma-separated or repeated' },
    includeSeen: { type: 'boolean' },
    llm: {
      type: 'string',
      pattern: '^(rerank|explain|off)(,(rerank|explain|off))*$',
      description: 'LLM stages for this list: `rerank` (listwise re-ranking of the top N), `explain` (written explanations), both comma-separated, or `off`; default the configuration and the A/B variant. Ignored without a configured LLM.',
    },
  },
  patternProperties: {
    '^filter\\.[A-Za-z0-9_-]+$': { type: 'string', minLength: 1, description: 'attribute filter: filter.genres=Comedy,Drama keeps items whose attribute matches any value' },
    '^context\\.[A-Za-z0-9_-]+$': { type: 'string', description: 'request context passed to the recommender (device, page, …)' },
  },
  additionalProperties: false,
} as const;

/** `GET /v1/items/:id/similar` query. */
export const similarQuery = {
  type: 'object',
  properties: { k, model: { type: 'string', minLength: 1 } },
  additionalProperties: false,
} as const;

/** `GET /v1/items` query. */
export const listQuery = {
  type: 'object',
  properties: { after: { type: 'string' }, limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } },
  additionalProperties: false,
} as const;

/** `GET /v1/users/:id` query. */
export const userQuery = {
  type: 'object',
  properties: { events: { type: 'integer', minimum: 0, maximum: 1000, default: 50, description: 'how many recent events to include' } },
  additionalProperties: false,
} as const;

/** `DELETE /v1/users/:id` query. */
export const deleteUserQuery = {
  type: 'object',
  properties: { wait: { type: 'boolean', default: false, description: 'answer only after affected models were retrained' } },
  additionalProperties: false,
} as const;

/** `POST /v1/query` body. */
export const queryBody = {
  type: 'object',
  properties: { text: { type: 'string', minLength: 1, maxLength: 2_000 }, k, userId: id, exclude: { type: 'array', items: id, maxItems: 10_000 } },
  required: ['text'],
  additionalProperties: false,
} as const;

/** Feedback types accepted on a served list. */
export const FEEDBACK_TYPES = ['click', 'view', 'like', 'add-to-cart', 'purchase', 'share', 'skip', 'dislike'] as const;

/** `POST /v1/feedback` body. */
export const feedbackBody = {
  type: 'object',
  properties: {
    impressionId: id,
    itemId: id,
    type: { type: 'string', enum: [...FEEDBACK_TYPES] },
    value: eventValue,
    timestamp,
  },
  required: ['impressionId', 'itemId', 'type'],
  additionalProperties: false,
} as const;

/** `GET /v1/metrics` query. */
export const metricsQuery = {
  type: 'object',
  properties: { since: { ...timestamp, description: 'count impressions created at or after this time' } },
  additionalProperties: false,
} as const;

/** `POST /v1/models/:name/train` body. */
export const trainBody = {
  type: 'object',
  properties: { params: { type: 'object', additionalProperties: { type: ['number', 'string', 'boolean'] } } },
  additionalProperties: false,
} as const;

/** `POST /v1/models/:name/activate` body. */
export const activateBody = {
  type: 'object',
  properties: { version: { type: 'integer', minimum: 1 } },
  required: ['version'],
  additionalProperties: false,
} as const;

/** One recommended item in a response. */
export const recommendedItemSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    score: {
      type: 'number',
      description:
        'Higher is better, relative to this list only. From the pipeline (`modelVersion` `pipeline@…`, unknown users included): the final re-ranked score (ranker score after freshness, long-tail and diversity re-ranking), in [0, 1] and non-increasing down the list. Otherwise (a named model, `POST /v1/query`): the model\'s own score, in list order, on its own scale (may be negative).',
    },
    title: { type: 'string' },
    sources: { type: 'array', items: { type: 'string' } },
    reasons: { type: 'array', items: { type: 'object', additionalProperties: true } },
    explanation: { type: 'string' },
    explanationSource: { type: 'string', enum: ['llm', 'template'], description: 'who wrote `explanation`: the template, or a generative model whose sentence named only items and facts of the reasons' },
  },
  required: ['id', 'score', 'sources', 'reasons', 'explanation'],
} as const;

/** A recommendation list response. */
export const recommendationsResponse = {
  type: 'object',
  properties: {
    impressionId: { type: 'string', description: 'id of the recorded list, for feedback; absent when the user is unknown to storage (nothing recorded)' },
    userId: { type: 'string' },
    modelVersion: { type: 'string' },
    variant: { type: 'string' },
    fallback: { type: 'string' },
    items: { type: 'array', items: recommendedItemSchema },
    llm: {
      type: 'object',
      description: 'present when an LLM stage ran for this list',
      properties: {
        rerank: {
          type: 'object',
          description: '`provenance` `llm`: the model ordered the top N (`modelVersion` ends in `+llm-rerank`); `ranker`: the ranker\'s order was served, `reason` says why (budget, model error, unreadable answer)',
          properties: {
            provenance: { type: 'string', enum: ['llm', 'ranker'] },
            reason: { type: 'string' },
            passes: { type: 'object', properties: { ok: { type: 'integer' }, tried: { type: 'integer' } }, required: ['ok', 'tried'] },
            repaired: { type: 'integer', description: 'ids repaired in the answers (unknown, repeated, missing)' },
            latencyMs: { type: 'number' },
            promptVersion: { type: 'string' },
            promptTokens: { type: 'integer' },
            completionTokens: { type: 'integer' },
          },
          required: ['provenance', 'latencyMs'],
        },
        explanations: {
          type: 'object',
          properties: { llm: { type: 'integer' }, template: { type: 'integer' }, reason: { type: 'string' }, latencyMs: { type: 'number' }, promptVersion: { type: 'string' } },
          required: ['llm', 'template'],
        },
      },
    },
  },
  // No impressionId when the list was not recorded (a user storage does not know).
  required: ['modelVersion', 'variant', 'items'],
} as const;

/** The error body. */
export const errorResponse = {
  type: 'object',
  properties: {
    error: {
      type: 'object',
      properties: { code: { type: 'string' }, message: { type: 'string' }, details: {} },
      required: ['code', 'message'],
    },
  },
  required: ['error'],
} as const;

/** `POST /v1/evaluations` body (models and their number are checked by the lifecycle, which knows the registry). */
export const evaluationBody = {
  type: 'object',
  properties: {
    protocol: { type: 'string', enum: ['temporal', 'random', 'loo'], description: 'temporal (default): the global timeline cut 8:1:1; random: 8:1:1 at random per user; loo: each user\'s last interaction held out' },
    models: { type: 'array', items: { type: 'string', minLength: 1, maxLength: 64 }, minItems: 1, maxItems: 16, description: 'model kinds to compare (default: the models with a stored version)' },
    search: { type: 'boolean', description: 'search each model\'s default grid on validation (default false: the parameters each model serves with)' },
    seed: { type: 'integer', minimum: 0, maximum: 2147483647 },
  },
  additionalProperties: false,
} as const;

/** `:id` of an evaluation job. */
export const jobIdParams = { type: 'object', properties: { id: { type: 'string', minLength: 1, maxLength: 64 } }, required: ['id'], additionalProperties: false } as const;
