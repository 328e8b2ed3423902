/**
 * Evaluation routes: start the offline protocol on the stored events as a background job (in the
 * training workers' queue), follow it, cancel it. The report lands in the reports directory the
 * dashboard lists; the job's result names it. They delegate to the `lifecycle` plug-in.
 * @module
 */
import type { FastifyInstance } from 'fastify';
import { EVALUATION_JOB, NotFoundError, UnsupportedError } from '../../index.js';
import type { EvaluationRequest, JobStatus } from '../../index.js';
import type { ServerContext, ServerLifecycle } from '../context.js';
import { evaluationBody, jobIdParams } from '../schemas.js';

type EvaluatingLifecycle = ServerLifecycle & Required<Pick<ServerLifecycle, 'evaluate' | 'job' | 'cancel'>>;

function need(ctx: ServerContext): EvaluatingLifecycle {
  const lifecycle = ctx.lifecycle;
  if (lifecycle?.evaluate === undefined || lifecycle.job === undefined || lifecycle.cancel === undefined) {
    throw new UnsupportedError('evaluations need the model lifecycle with a reports directory, which this server was started without', { details: { operation: 'evaluate' } });
  }
  return lifecycle as EvaluatingLifecycle;
}

function evaluationJob(lifecycle: EvaluatingLifecycle, id: string): JobStatus {
  const job = lifecycle.job(id) as JobStatus | undefined;
  if (job === undefined || job.model !== EVALUATION_JOB) throw new NotFoundError(`no evaluation "${id}" (finished evaluations are remembered until the service restarts; their reports stay)`, { details: { id } });
  return job;
}

/** Registers `/v1/evaluations…`. */
export function registerEvaluationRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.post<{ Body: EvaluationRequest | undefined }>(
    '/v1/evaluations',
    { config: { scope: 'admin' }, schema: { tags: ['evaluations'], summary: 'Evaluate models on the stored events in the background (the offline protocol; the report appears among the dashboard\'s reports)', body: evaluationBody } },
    async (request, reply) => reply.code(202).send(await need(ctx).evaluate(request.body ?? {})),
  );

  app.get('/v1/evaluations', { config: { scope: 'read' }, schema: { tags: ['evaluations'], summary: 'Evaluation jobs, newest first' } }, async () => ({
    evaluations: ((await need(ctx).jobs()) as JobStatus[]).filter((j) => j.model === EVALUATION_JOB),
  }));

  app.get<{ Params: { id: string } }>(
    '/v1/evaluations/:id',
    { config: { scope: 'read' }, schema: { tags: ['evaluations'], summary: 'One evaluation job: state, progress and, once done, its report', params: jobIdParams } },
    async (request) => evaluationJob(need(ctx), request.params.id),
  );

  app.post<{ Params: { id: string } }>(
    '/v1/evaluations/:id/cancel',
    { config: { scope: 'admin' }, schema: { tags: ['evaluations'], summary: 'Cancel a queued or running evaluation (the models it finished stay in its report)', params: jobIdParams } },
    async (request) => {
      const lifecycle = need(ctx);
      evaluationJob(lifecycle, request.params.id);
      return { cancelled: lifecycle.cancel(request.params.id) };
    },
  );
}
