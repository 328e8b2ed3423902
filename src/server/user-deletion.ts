/**
 * Complete deletion of a user (SPEC C22). Rows go at once: the user, their events, their served
 * lists and clicks. Influence takes one more step: a model trained while the user's events were
 * stored still carries them (in item-item statistics, item factors or popularity counts), so every
 * model whose served version was trained on this user is retrained without them, through the
 * plugged-in lifecycle when there is one, else by the server itself in the background. The answer
 * says which models were affected and what was done about each.
 *
 * Until the retrained version is served, the deleted user's own list comes from nothing of theirs
 * (their history is gone, so the engine falls back to popularity), but other users' lists may still
 * reflect the old statistics; `?wait=true` answers only once retraining has finished.
 * @module
 */
import type { ModelParams, UserDeletion } from '../index.js';
import type { ServerContext } from './context.js';

/** One model version trained on the deleted user's data. */
export interface AffectedModel {
  model: string;
  version: number;
}

/** What was done to remove the user's influence from one model. */
export interface RetrainOutcome {
  model: string;
  /** `retrained`: a new version without the user is stored and served; `scheduled`: running in the background;
   * `job`: handed to the lifecycle as `jobId`; `failed`: see `error`; `not-retrained`: retraining is switched off. */
  status: 'retrained' | 'scheduled' | 'job' | 'failed' | 'not-retrained';
  version?: number;
  jobId?: string;
  error?: string;
}

/** The answer of `DELETE /v1/users/:id`. */
export interface UserDeletionReport {
  userId: string;
  removed: UserDeletion;
  influence: {
    /** Model versions that were trained on this user's events. */
    affectedModels: AffectedModel[];
    retraining: RetrainOutcome[];
    /** Plain statement of what remains and until when. */
    note: string;
  };
}

/** Model versions currently served that were trained on `userId`'s data. */
export async function modelsTrainedOn(ctx: ServerContext, userId: string, signal: AbortSignal): Promise<AffectedModel[]> {
  const affected: AffectedModel[] = [];
  for (const name of await ctx.storage.models.names({ signal })) {
    const active = await ctx.storage.models.active(name, { signal });
    const versions = new Set<number>();
    const latest = (await ctx.storage.models.versions(name, { signal }))[0]?.version;
    if (latest !== undefined) versions.add(latest);
    if (active !== undefined) versions.add(active);
    for (const version of versions) {
      const loaded = await ctx.engine.loadModel(name, version, signal);
      if (loaded?.trained.users.has(userId)) affected.push({ model: name, version });
    }
  }
  return affected;
}

async function paramsOf(ctx: ServerContext, model: string): Promise<ModelParams> {
  const meta = (await ctx.storage.models.versions(model))[0]?.meta;
  const params = meta?.params;
  return typeof params === 'object' && params !== null && !Array.isArray(params) ? (params as ModelParams) : {};
}

/** Retrains `models` one after another on the queue; resolves with one outcome per model. */
function retrainInBackground(ctx: ServerContext, models: readonly string[]): Promise<RetrainOutcome[]> {
  const run = ctx.retrainQueue.tail.then(async () => {
    const outcomes: RetrainOutcome[] = [];
    for (const model of models) {
      try {
        const result = await ctx.engine.train(model, await paramsOf(ctx, model));
        outcomes.push({ model, status: 'retrained', version: result.version });
        ctx.logger.log('info', `retrained ${model} v${result.version} after a user deletion`);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        outcomes.push({ model, status: 'failed', error: message });
        ctx.logger.log('error', `retraining ${model} after a user deletion failed`, { error: message });
      }
    }
    return outcomes;
  });
  ctx.retrainQueue.tail = run.catch(() => undefined);
  return run;
}

/** Deletes the user's rows and starts (or, with `wait`, completes) removing their influence from models. */
export async function deleteUser(ctx: ServerContext, userId: string, wait: boolean, signal: AbortSignal): Promise<UserDeletionReport> {
  const affectedModels = await modelsTrainedOn(ctx, userId, signal);
  const removed = await ctx.storage.users.delete(userId, { signal });
  await ctx.onUserDeleted?.(userId);
  const names = [...new Set(affectedModels.map((m) => m.model))];
  let retraining: RetrainOutcome[] = [];
  if (names.length > 0) {
    if (ctx.lifecycle !== undefined) {
      const lifecycle = ctx.lifecycle;
      retraining = await Promise.all(
        names.map(async (model): Promise<RetrainOutcome> => {
          try {
            const { jobId } = await lifecycle.train(model, await paramsOf(ctx, model));
            if (!wait || lifecycle.wait === undefined) return { model, status: 'job', jobId };
            const done = await lifecycle.wait(jobId);
            if (done?.state === 'succeeded' && done.result) return { model, status: 'retrained', version: done.result.version, jobId };
            return { model, status: 'failed', jobId, error: done?.error?.message ?? `training job ended ${done?.state ?? 'unknown'}` };
          } catch (error) {
            return { model, status: 'failed', error: error instanceof Error ? error.message : String(error) };
          }
        }),
      );
    } else if (ctx.retrainOnUserDeletion) {
      const done = retrainInBackground(ctx, names);
      retraining = wait ? await done : names.map((model) => ({ model, status: 'scheduled' }));
    } else {
      retraining = names.map((model) => ({ model, status: 'not-retrained' }));
    }
  }
  return { userId, removed, influence: { affectedModels, retraining, note: noteFor(affectedModels, retraining) } };
}

function noteFor(affected: readonly AffectedModel[], retraining: readonly RetrainOutcome[]): string {
  if (affected.length === 0) return 'All rows of this user were removed; no stored model was trained on their data.';
  const pending = retraining.filter((r) => r.status !== 'retrained');
  if (pending.length === 0) {
    return 'All rows of this user were removed and every model trained on their data was retrained without them; the new versions are served.';
  }
  return (
    'All rows of this user were removed. Models trained before the deletion still hold their past interactions in ' +
    'item statistics or factors until retrained (' +
    pending.map((r) => `${r.model}: ${r.status}${r.jobId === undefined ? '' : ` ${r.jobId}`}`).join(', ') +
    '); their own recommendations no longer use anything of theirs.'
  );
}
