/**
 * Trending routes (C17): the items whose time-decayed counts are highest now, and the topics
 * (genres, categories, tags) bursting above their baseline, each with its hottest items. Both read
 * the pipeline's live counters, so an event posted a moment ago already counts.
 * @module
 */
import type { FastifyInstance } from 'fastify';
import { UnsupportedError } from '../../index.js';
import type { Item } from '../../index.js';
import type { ServerContext, TrendingProvider } from '../context.js';
import { requestSignal } from '../request-signal.js';

const k = { type: 'integer', minimum: 1, maximum: 100, default: 10 } as const;

/** `GET /v1/trending` query. */
export const trendingQuery = { type: 'object', properties: { k }, additionalProperties: false } as const;

/** `GET /v1/trending/topics` query. */
export const trendingTopicsQuery = {
  type: 'object',
  properties: { k, items: { type: 'integer', minimum: 0, maximum: 50, default: 5, description: 'items listed per topic' } },
  additionalProperties: false,
} as const;

const trendingItem = {
  type: 'object',
  properties: { id: { type: 'string' }, title: { type: 'string' }, score: { type: 'number' } },
  required: ['id', 'score'],
} as const;

const itemsResponse = {
  type: 'object',
  properties: { asOf: { type: 'integer' }, items: { type: 'array', items: trendingItem } },
  required: ['asOf', 'items'],
} as const;

const topicsResponse = {
  type: 'object',
  properties: {
    asOf: { type: 'integer' },
    topics: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          topic: { type: 'string' },
          kind: { type: 'string' },
          name: { type: 'string' },
          score: { type: 'number', description: 'burst z-score: (recent − expected) / √(expected + smoothing)' },
          recent: { type: 'number' },
          expected: { type: 'number' },
          items: { type: 'array', items: trendingItem },
        },
        required: ['topic', 'kind', 'name', 'score', 'recent', 'expected', 'items'],
      },
    },
  },
  required: ['asOf', 'topics'],
} as const;

function provider(ctx: ServerContext): TrendingProvider {
  if (ctx.trending === undefined) throw new UnsupportedError('trending needs the recommendation pipeline: start the server with it (it is on unless --no-pipeline)');
  return ctx.trending;
}

/** Registers `/v1/trending` and `/v1/trending/topics`. */
export function registerTrendingRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.get<{ Querystring: { k: number } }>(
    '/v1/trending',
    { config: { scope: 'read' }, schema: { tags: ['trending'], summary: 'Items trending now (time-decayed counts of positive events)', querystring: trendingQuery, response: { 200: itemsResponse } } },
    async (request, reply) => {
      const signal = requestSignal(reply);
      const k = request.query.k;
      // Blocked items are never listed; trending lists are not capped (they report, they are not served lists).
      const items = await withoutBlocked(ctx, await provider(ctx).trendingItems(ctx.servingRules.active ? Math.min(1_000, 2 * k + 20) : k, { signal }), signal);
      return { asOf: Date.now(), items: items.slice(0, k) };
    },
  );

  app.get<{ Querystring: { k: number; items: number } }>(
    '/v1/trending/topics',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['trending'],
        summary: 'Topics (genres, categories, tags) bursting above their baseline, with their hottest items',
        querystring: trendingTopicsQuery,
        response: { 200: topicsResponse },
      },
    },
    async (request, reply) => {
      const signal = requestSignal(reply);
      const topics = (await provider(ctx).trendingTopics(request.query.k, { itemsPerTopic: request.query.items, signal })) as readonly { items?: { id: string }[] }[];
      const shown = [];
      for (const topic of topics) shown.push(Array.isArray(topic.items) ? { ...topic, items: await withoutBlocked(ctx, topic.items, signal) } : topic);
      return { asOf: Date.now(), topics: shown };
    },
  );
}

/** `items` without the blocklisted ones (their records read only when attribute rules exist). */
async function withoutBlocked<T extends { id: string }>(ctx: ServerContext, items: readonly T[], signal: AbortSignal): Promise<T[]> {
  const rules = ctx.servingRules;
  if (!rules.active) return [...items];
  const records = rules.needsItems ? new Map((await ctx.storage.items.getMany(items.map((it) => it.id), { signal })).map((it) => [it.id, it])) : new Map<string, Item>();
  return items.filter((it) => !rules.blocks(it.id, records.get(it.id)));
}
