/**
 * Enrichment routes (C16, C19): start a background job that writes descriptions for items whose
 * own text is thin (admin; the request only starts it), follow it, and review and discard the
 * generated texts, which are kept beside the items' own text. Without a configured LLM the job
 * routes answer 501; review and discard work regardless.
 * @module
 */
import type { FastifyInstance } from 'fastify';
import { UnsupportedError, discardGeneratedText, NotFoundError } from '../../index.js';
import type { EnrichmentJobs } from '../../index.js';
import type { ServerContext } from '../context.js';
import { requestSignal } from '../request-signal.js';
import { errorResponse } from '../schemas.js';

const jobSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    state: { type: 'string', enum: ['running', 'succeeded', 'failed', 'cancelled'] },
    startedAt: { type: 'integer' },
    finishedAt: { type: 'integer' },
    progress: { type: 'object', properties: { done: { type: 'integer' }, total: { type: 'integer' } }, required: ['done', 'total'] },
    report: {
      type: 'object',
      properties: {
        model: { type: 'string' },
        promptVersion: { type: 'string' },
        scanned: { type: 'integer' },
        thin: { type: 'integer' },
        generated: { type: 'integer' },
        kept: { type: 'integer' },
        failed: { type: 'integer' },
        errors: { type: 'array', items: { type: 'string' } },
        itemIds: { type: 'array', items: { type: 'string' } },
        seconds: { type: 'number' },
      },
    },
    error: { type: 'string' },
  },
  required: ['id', 'state', 'startedAt', 'progress'],
} as const;

const generatedSchema = {
  type: 'object',
  properties: {
    itemId: { type: 'string' },
    title: { type: 'string' },
    text: { type: 'string', description: 'the generated description' },
    ownText: { type: 'string', description: "the item's own text, unchanged" },
    model: { type: 'string' },
    promptVersion: { type: 'string' },
    createdAt: { type: 'integer' },
  },
  required: ['itemId', 'text', 'model', 'promptVersion', 'createdAt'],
} as const;

const idParams = { type: 'object', properties: { id: { type: 'string', minLength: 1, maxLength: 512 } }, required: ['id'], additionalProperties: false } as const;

function jobs(ctx: ServerContext): EnrichmentJobs {
  if (ctx.enrichment === undefined) throw new UnsupportedError('enrichment needs a generative model: set LMREC_LLM=openai:<base-url>#<model> (or llm.provider in lmrec.config.json)');
  return ctx.enrichment;
}

/** Registers the enrichment routes. */
export function registerEnrichmentRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.post<{ Body: { minChars?: number; maxItems?: number; force?: boolean; itemIds?: string[] } }>(
    '/v1/admin/enrichment',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['admin'],
        summary: 'Start writing descriptions for thin items',
        description:
          'Starts a background job: every item whose own text is shorter than `minChars` (default from `llm.enrichment`) gets a description from the LLM, written from its title and attributes only and stored beside its text with model, prompt version and time; the text models read it from then on, and the pipeline re-encodes the items when the job ends. One job at a time (409 while one runs).',
        body: {
          type: 'object',
          properties: {
            minChars: { type: 'integer', minimum: 1, maximum: 100000 },
            maxItems: { type: 'integer', minimum: 1, maximum: 1000000 },
            force: { type: 'boolean', description: 'write again for items that already have a generated description' },
            itemIds: { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1, maxItems: 10000 },
          },
          additionalProperties: false,
        },
        response: { 202: jobSchema, 409: errorResponse, 501: errorResponse },
      },
    },
    async (request, reply) => reply.code(202).send(jobs(ctx).start(request.body)),
  );

  app.get(
    '/v1/admin/enrichment',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['admin'],
        summary: 'Enrichment jobs, newest first',
        response: { 200: { type: 'object', properties: { jobs: { type: 'array', items: jobSchema } }, required: ['jobs'] }, 501: errorResponse },
      },
    },
    async () => ({ jobs: jobs(ctx).list() }),
  );

  app.get<{ Params: { id: string } }>(
    '/v1/admin/enrichment/:id',
    { config: { scope: 'admin' }, schema: { tags: ['admin'], summary: 'One enrichment job', params: idParams, response: { 200: jobSchema, 501: errorResponse } } },
    async (request) => {
      const job = jobs(ctx).get(request.params.id);
      if (job === undefined) throw new NotFoundError(`enrichment job "${request.params.id}" not found`, { details: { jobId: request.params.id } });
      return job;
    },
  );

  app.get<{ Querystring: { after?: string; limit: number } }>(
    '/v1/admin/generated-texts',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['admin'],
        summary: 'Generated item descriptions, for review',
        querystring: { type: 'object', properties: { after: { type: 'string' }, limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } }, additionalProperties: false },
        response: { 200: { type: 'object', properties: { items: { type: 'array', items: generatedSchema } }, required: ['items'] } },
      },
    },
    async (request, reply) => {
      const signal = requestSignal(reply);
      const list = await ctx.storage.generatedTexts.list({ ...(request.query.after === undefined ? {} : { after: request.query.after }), limit: request.query.limit, signal });
      const items = new Map((await ctx.storage.items.getMany(list.map((g) => g.itemId), { signal })).map((it) => [it.id, it]));
      return {
        items: list.map((g) => {
          const item = items.get(g.itemId);
          return { ...g, ...(item === undefined ? {} : { title: item.title }), ...(item?.text === undefined ? {} : { ownText: item.text }) };
        }),
      };
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/v1/admin/generated-texts/:id',
    {
      config: { scope: 'admin' },
      schema: { tags: ['admin'], summary: "Discard an item's generated description", description: 'The text models read the item\'s own text again (the pipeline re-encodes it at once).', params: idParams, response: { 204: { type: 'null' } } },
    },
    async (request, reply) => {
      const signal = requestSignal(reply);
      const item = await discardGeneratedText(ctx.engine, request.params.id, { signal });
      if (item !== undefined) await ctx.onItems?.([item], signal);
      return reply.code(204).send();
    },
  );
}
