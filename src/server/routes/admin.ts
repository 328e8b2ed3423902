/**
 * Admin routes for what may be served: the runtime blocklist (`GET/PUT /v1/admin/blocklist`, kept in
 * storage so it survives restarts and reaches every process on the same storage within seconds) and
 * the exposure counts behind the caps (`GET /v1/admin/exposure`).
 * @module
 */
import type { FastifyInstance } from 'fastify';
import { MAX_BLOCKLIST_ENTRIES } from '../../index.js';
import type { BlocklistState } from '../../index.js';
import type { ServerContext } from '../context.js';
import { requestSignal } from '../request-signal.js';

const blockedValues = {
  type: 'array',
  maxItems: MAX_BLOCKLIST_ENTRIES,
  items: { anyOf: [{ type: 'string', minLength: 1, maxLength: 512 }, { type: 'number' }, { type: 'boolean' }] },
} as const;

/** A blocklist: item ids, and attribute values whose items are never served. */
export const blocklistSchema = {
  type: 'object',
  properties: {
    items: { type: 'array', maxItems: MAX_BLOCKLIST_ENTRIES, items: { type: 'string', minLength: 1, maxLength: 512 }, description: 'item ids never served' },
    attributes: {
      type: 'object',
      maxProperties: 256,
      additionalProperties: blockedValues,
      description: 'attribute name → values; an item whose attribute equals (or, for arrays, contains) one of them is never served, e.g. `{ "genres": ["Horror"], "provider": ["acme"] }`',
    },
  },
  additionalProperties: false,
} as const;

const blocklistResponse = {
  type: 'object',
  properties: {
    configured: { ...blocklistSchema, description: 'from the configuration (`blocklist`); changed by a restart only' },
    runtime: { ...blocklistSchema, description: 'set with PUT, kept in storage' },
    version: { type: 'integer', description: 'version of the stored runtime list, 0 when never set' },
    updatedAt: { type: 'integer', description: 'when the runtime list was last set, ms since epoch' },
  },
  required: ['configured', 'runtime', 'version'],
} as const;

const exposureCount = { type: 'object', properties: { key: { type: 'string' }, count: { type: 'number' } }, required: ['key', 'count'] } as const;

const exposureResponse = {
  type: 'object',
  properties: {
    maxPerItemPerHour: { type: ['number', 'null'] },
    maxPerProviderPerHour: { type: ['number', 'null'] },
    providerAttribute: { type: 'string' },
    windowMs: { type: 'integer' },
    items: { type: 'array', items: exposureCount, description: 'most served items in the sliding window, this process only' },
    providers: { type: 'array', items: exposureCount },
  },
  required: ['windowMs', 'items', 'providers'],
} as const;

function body(state: BlocklistState): BlocklistState {
  return state;
}

/** Registers `/v1/admin/blocklist` and `/v1/admin/exposure`. */
export function registerAdminRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.get(
    '/v1/admin/blocklist',
    { config: { scope: 'admin' }, schema: { tags: ['admin'], summary: 'Blocklists in force (configured and runtime)', response: { 200: blocklistResponse } } },
    async (_request, reply) => {
      await ctx.servingRules.refresh({ signal: requestSignal(reply) });
      return body(ctx.servingRules.blocklist());
    },
  );

  app.put<{ Body: { items?: string[]; attributes?: Record<string, (string | number | boolean)[]> } }>(
    '/v1/admin/blocklist',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['admin'],
        summary: 'Replace the runtime blocklist',
        description:
          'Replaces the runtime list (the configured one stays in force). Stored, so it survives restarts; other processes on the same storage apply it within 5 s. Applies to recommendations, similar items and query answers.',
        body: blocklistSchema,
        response: { 200: blocklistResponse },
      },
    },
    async (request, reply) => body(await ctx.servingRules.setBlocklist(request.body, { signal: requestSignal(reply) })),
  );

  app.get(
    '/v1/admin/exposure',
    { config: { scope: 'admin' }, schema: { tags: ['admin'], summary: 'Exposure caps and the most served items and providers now', response: { 200: exposureResponse } } },
    async () => {
      const caps = ctx.servingRules.exposure;
      return {
        maxPerItemPerHour: caps.maxPerItem ?? null,
        maxPerProviderPerHour: caps.maxPerProvider ?? null,
        providerAttribute: caps.providerAttribute,
        ...caps.snapshot(20),
      };
    },
  );
}
