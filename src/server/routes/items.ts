/**
 * Catalogue routes: upsert one or many items, read, list in pages, delete.
 * @module
 */
import type { FastifyInstance } from 'fastify';
import { NotFoundError, ValidationError } from '../../index.js';
import type { Item } from '../../index.js';
import type { ServerContext } from '../context.js';
import { requestSignal } from '../request-signal.js';
import { MAX_UPSERT_BATCH, idParams, itemBody, itemSchema, listQuery } from '../schemas.js';

/** Registers `/v1/items…`. */
export function registerItemRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const { storage } = ctx;

  app.put<{ Params: { id: string }; Body: Omit<Item, 'id'> & { id?: string } }>(
    '/v1/items/:id',
    {
      config: { scope: 'write' },
      schema: { tags: ['items'], summary: 'Insert or replace one item', params: idParams, body: { ...itemBody, required: ['title'] } },
    },
    async (request, reply) => {
      const { id } = request.params;
      if (request.body.id !== undefined && request.body.id !== id) {
        throw new ValidationError(`body/id "${request.body.id}" differs from the path id "${id}"`, { details: { field: 'body/id' } });
      }
      const item: Item = { ...request.body, id };
      const signal = requestSignal(reply);
      await storage.items.upsert([item], { signal });
      await ctx.onItems?.([item], signal);
      return { upserted: 1, item };
    },
  );

  app.post<{ Body: { items: Item[] } }>(
    '/v1/items',
    {
      config: { scope: 'write' },
      bodyLimit: ctx.batchBodyLimit,
      schema: {
        tags: ['items'],
        summary: 'Insert or replace items in one transaction',
        body: {
          type: 'object',
          properties: { items: { type: 'array', items: itemSchema, minItems: 1, maxItems: MAX_UPSERT_BATCH } },
          required: ['items'],
          additionalProperties: false,
        },
      },
    },
    async (request, reply) => {
      const signal = requestSignal(reply);
      const upserted = await storage.items.upsert(request.body.items, { signal });
      await ctx.onItems?.(request.body.items, signal);
      return { upserted };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/v1/items/:id',
    { config: { scope: 'read' }, schema: { tags: ['items'], summary: 'One item', params: idParams } },
    async (request, reply) => {
      const item = await storage.items.get(request.params.id, { signal: requestSignal(reply) });
      if (item === undefined) throw new NotFoundError(`item "${request.params.id}" not found`, { details: { itemId: request.params.id } });
      return item;
    },
  );

  app.get<{ Querystring: { after?: string; limit: number } }>(
    '/v1/items',
    { config: { scope: 'read' }, schema: { tags: ['items'], summary: 'Items ordered by id, in pages', querystring: listQuery } },
    async (request, reply) => {
      const { after, limit } = request.query;
      const items = await storage.items.list({ after, limit, signal: requestSignal(reply) });
      const next = items.length === limit ? items[items.length - 1].id : undefined;
      return next === undefined ? { items } : { items, next };
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/v1/items/:id',
    { config: { scope: 'write' }, schema: { tags: ['items'], summary: 'Remove an item (its events stay as history)', params: idParams } },
    async (request, reply) => {
      const existed = await storage.items.delete(request.params.id, { signal: requestSignal(reply) });
      if (!existed) throw new NotFoundError(`item "${request.params.id}" not found`, { details: { itemId: request.params.id } });
      await ctx.onItemDeleted?.(request.params.id);
      return { deleted: true, itemId: request.params.id };
    },
  );
}
