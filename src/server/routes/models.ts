/**
 * Model lifecycle routes. They delegate to the `lifecycle` plug-in given to `createServer`; without
 * one, training, activation and rollback answer 501, and the model list is read from storage.
 * @module
 */
import type { FastifyInstance } from 'fastify';
import { UnsupportedError } from '../../index.js';
import type { ModelParams } from '../../index.js';
import type { ServerContext, ServerLifecycle } from '../context.js';
import { requestSignal } from '../request-signal.js';
import { activateBody, nameParams, trainBody } from '../schemas.js';

function need(ctx: ServerContext, operation: string): ServerLifecycle {
  if (ctx.lifecycle === undefined) {
    throw new UnsupportedError(`${operation} needs the model lifecycle, which this server was started without (pass \`lifecycle\` to createServer)`, {
      details: { operation },
    });
  }
  return ctx.lifecycle;
}

/** Registers `/v1/models…`. */
export function registerModelRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.get(
    '/v1/models',
    { config: { scope: 'read' }, schema: { tags: ['models'], summary: 'Stored model versions and the active one per model' } },
    async (_request, reply) => {
      if (ctx.lifecycle !== undefined) return { models: await ctx.lifecycle.versions() };
      const signal = requestSignal(reply);
      const models = [];
      for (const name of await ctx.storage.models.names({ signal })) {
        const versions = await ctx.storage.models.versions(name, { signal });
        models.push({ name, active: (await ctx.storage.models.active(name, { signal })) ?? null, latest: versions[0]?.version ?? null, versions });
      }
      return { models };
    },
  );

  app.get('/v1/models/jobs', { config: { scope: 'read' }, schema: { tags: ['models'], summary: 'Training jobs' } }, async () => ({
    jobs: await need(ctx, 'listing training jobs').jobs(),
  }));

  app.post<{ Params: { name: string }; Body: { params?: ModelParams } | undefined }>(
    '/v1/models/:name/train',
    { config: { scope: 'admin' }, schema: { tags: ['models'], summary: 'Start training a model in the background', params: nameParams, body: trainBody } },
    async (request, reply) => {
      const job = await need(ctx, 'training').train(request.params.name, request.body?.params ?? {});
      return reply.code(202).send(job);
    },
  );

  app.post<{ Params: { name: string }; Body: { version: number } }>(
    '/v1/models/:name/activate',
    { config: { scope: 'admin' }, schema: { tags: ['models'], summary: 'Serve a stored version', params: nameParams, body: activateBody } },
    async (request) => ({ result: (await need(ctx, 'activation').activate(request.params.name, request.body.version)) ?? null }),
  );

  app.post<{ Params: { name: string } }>(
    '/v1/models/:name/rollback',
    { config: { scope: 'admin' }, schema: { tags: ['models'], summary: 'Serve the previously active version again', params: nameParams } },
    async (request) => ({ result: (await need(ctx, 'rollback').rollback(request.params.name)) ?? null }),
  );
}
