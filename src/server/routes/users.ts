/**
 * User routes: upsert, read with recent events, and complete deletion (rows and model influence).
 * @module
 */
import type { FastifyInstance } from 'fastify';
import { NotFoundError } from '../../index.js';
import type { Attributes, User } from '../../index.js';
import type { ServerContext } from '../context.js';
import { requestSignal } from '../request-signal.js';
import { MAX_UPSERT_BATCH, deleteUserQuery, idParams, userQuery, userSchema } from '../schemas.js';
import { deleteUser } from '../user-deletion.js';

/** Registers `/v1/users…` (recommendations are in `recommendations.ts`). */
export function registerUserRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const { storage } = ctx;

  app.put<{ Params: { id: string }; Body: { attributes?: Attributes } }>(
    '/v1/users/:id',
    {
      config: { scope: 'write' },
      schema: {
        tags: ['users'],
        summary: 'Insert or replace one user',
        params: idParams,
        body: { type: 'object', properties: { attributes: userSchema.properties.attributes }, additionalProperties: false },
      },
    },
    async (request, reply) => {
      const user: User = request.body.attributes === undefined ? { id: request.params.id } : { id: request.params.id, attributes: request.body.attributes };
      await storage.users.upsert([user], { signal: requestSignal(reply) });
      return { upserted: 1, user };
    },
  );

  app.post<{ Body: { users: User[] } }>(
    '/v1/users',
    {
      config: { scope: 'write' },
      bodyLimit: ctx.batchBodyLimit,
      schema: {
        tags: ['users'],
        summary: 'Insert or replace users in one transaction',
        body: {
          type: 'object',
          properties: { users: { type: 'array', items: userSchema, minItems: 1, maxItems: MAX_UPSERT_BATCH } },
          required: ['users'],
          additionalProperties: false,
        },
      },
    },
    async (request, reply) => ({ upserted: await storage.users.upsert(request.body.users, { signal: requestSignal(reply) }) }),
  );

  app.get<{ Params: { id: string }; Querystring: { events: number } }>(
    '/v1/users/:id',
    { config: { scope: 'read' }, schema: { tags: ['users'], summary: 'One user with their recent events', params: idParams, querystring: userQuery } },
    async (request, reply) => {
      const signal = requestSignal(reply);
      const { id } = request.params;
      const user = await storage.users.get(id, { signal });
      const total = await storage.events.count({ userId: id, signal });
      if (user === undefined && total === 0) throw new NotFoundError(`user "${id}" not found`, { details: { userId: id } });
      const events = request.query.events === 0 ? [] : await storage.events.forUser(id, { limit: request.query.events, signal });
      return { user: user ?? { id }, stored: user !== undefined, eventCount: total, events: events.reverse() };
    },
  );

  app.delete<{ Params: { id: string }; Querystring: { wait: boolean } }>(
    '/v1/users/:id',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['users'],
        summary: 'Delete a user completely: rows now, model versions trained on them deleted, served ones retrained',
        description:
          'Removes the user row, every event, impression and click of the user (storage logs the erasure without the user id), deletes every stored model version trained on the user except the ones serving, and retrains every model whose served version was trained on the user (through the model lifecycle when configured); a replaced version is deleted once its successor serves, and no version trained on the user can be activated or rolled back to. The learned ranker (weights over aggregate features) is kept. The answer lists deleted versions (`purgedVersions`), versions deleted once their replacement serves (`pendingVersions`), retraining outcomes and a note; `wait=true` answers after retraining.',
        params: idParams,
        querystring: deleteUserQuery,
      },
    },
    async (request, reply) => {
      const report = await deleteUser(ctx, request.params.id, request.query.wait, requestSignal(reply));
      const r = report.removed;
      if (!r.user && r.events === 0 && r.impressions === 0 && report.influence.affectedModels.length === 0) {
        throw new NotFoundError(`user "${request.params.id}" not found`, { details: { userId: request.params.id } });
      }
      return report;
    },
  );
}
