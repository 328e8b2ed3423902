/**
 * Complete deletion of a user (SPEC C22). Rows go at once: the user, their events, their served
 * lists and clicks; storage logs the erasure (where their events began and when, never who) in the
 * same transaction. Influence takes two more steps:
 *
 * - every stored model version trained while the user's events were stored is deleted at once,
 *   except the version each model serves (deleting it would serve an older one, also trained on
 *   the user); rollback and activation refuse such versions;
 * - every model whose serving version was trained on the user is retrained without them (through
 *   the plugged-in lifecycle when there is one, else by the server itself in the background); once
 *   the new version serves, the old one is deleted too.
 *
 * The answer says which versions were deleted, which are still stored until their replacement
 * serves, and what retraining did. The learned ranker is kept (`KEPT_ON_ERASURE`): it holds a few
 * dozen weights over aggregate features, no per-user parameters. Until the retrained versions
 * serve, the deleted user's own list comes from nothing of theirs (their history is gone, so the
 * engine falls back to popularity), but other users' lists may still reflect the old statistics;
 * `?wait=true` answers only once retraining has finished.
 * @module
 */
import { KEPT_ON_ERASURE, isModelKind, purgeErasedVersions } from '../index.js';
import type { ModelParams, ModelVersionRef, UserDeletion } from '../index.js';
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

/** A stored artefact kept after the deletion by design. */
export interface KeptModel {
  model: string;
  reason: string;
}

/** The answer of `DELETE /v1/users/:id`. */
export interface UserDeletionReport {
  userId: string;
  removed: UserDeletion;
  influence: {
    /** Served model versions whose training data named this user. */
    affectedModels: AffectedModel[];
    retraining: RetrainOutcome[];
    /** Stored versions trained on this user's (or an earlier deleted user's) data, deleted by this request. */
    purgedVersions: ModelVersionRef[];
    /** Such versions still stored because they serve: each is deleted once its retrained replacement serves. */
    pendingVersions: ModelVersionRef[];
    /** Stored artefacts kept on purpose, with the reason (the learned ranker). */
    keptModels: KeptModel[];
    /** Plain statement of what was done, what remains and until when. */
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

/** Retrains `models` one after another on the queue, serving each new version; resolves with one outcome per model. */
function retrainInBackground(ctx: ServerContext, models: readonly string[]): Promise<RetrainOutcome[]> {
  const run = ctx.retrainQueue.tail.then(async () => {
    const outcomes: RetrainOutcome[] = [];
    for (const model of models) {
      try {
        const result = await ctx.engine.train(model, await paramsOf(ctx, model));
        // An activated version would keep serving over the new latest: move the activation along.
        if ((await ctx.storage.models.active(model)) !== undefined) {
          await ctx.storage.models.activate(model, result.version);
          await ctx.engine.serveVersion(model, result.version);
        }
        outcomes.push({ model, status: 'retrained', version: result.version });
        ctx.logger.log('info', `retrained ${model} v${result.version} after a user deletion`);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        outcomes.push({ model, status: 'failed', error: message });
        ctx.logger.log('error', `retraining ${model} after a user deletion failed`, { error: message });
      }
    }
    // The versions these replaced no longer serve: delete them now.
    try {
      await purge(ctx);
    } catch (error) {
      ctx.logger.log('error', 'deleting replaced model versions after a user deletion failed', { error: error instanceof Error ? error.message : String(error) });
    }
    return outcomes;
  });
  ctx.retrainQueue.tail = run.catch(() => undefined);
  return run;
}

async function purge(ctx: ServerContext, signal?: AbortSignal): Promise<{ purged: ModelVersionRef[]; serving: ModelVersionRef[] }> {
  const result = await purgeErasedVersions(ctx.engine, signal === undefined ? {} : { signal });
  if (result.purged.length > 0) {
    ctx.logger.log('info', 'deleted model versions trained on data of a deleted user', { versions: result.purged.map(label) });
  }
  return result;
}

function label(ref: ModelVersionRef): string {
  return `${ref.model} v${ref.version}`;
}

/**
 * Deletes the user's rows, deletes the stored model versions trained on them that do not serve, and
 * starts (or, with `wait`, completes) retraining the models whose serving version was trained on them.
 */
export async function deleteUser(ctx: ServerContext, userId: string, wait: boolean, signal: AbortSignal): Promise<UserDeletionReport> {
  const affectedModels = await modelsTrainedOn(ctx, userId, signal);
  // The events are read first so that live counts can take exactly these out again; an event stored
  // in between makes the counts differ, and the hook is then told nothing (it rebuilds).
  const events = ctx.onUserDeleted === undefined ? [] : await ctx.storage.events.forUser(userId, { signal });
  const removed = await ctx.storage.users.delete(userId, { signal });
  await ctx.onUserDeleted?.(userId, removed.events === events.length ? events : undefined);
  // Conversations hold what the user typed: they go with the user.
  ctx.conversations?.forgetUser(userId);
  // Before answering: nothing older than the served versions may hold the user's data any longer.
  const first = await purge(ctx, signal);
  const names = [...new Set([...affectedModels.map((m) => m.model), ...first.serving.map((s) => s.model)])].filter(isModelKind);
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
  const purgedVersions = [...first.purged];
  let pendingVersions = first.serving;
  if (wait && names.length > 0) {
    // The lifecycle deletes a replaced version when its successor is activated; this pass catches the rest.
    const after = await purge(ctx, signal);
    purgedVersions.push(...after.purged);
    for (const ref of pendingVersions) {
      const stored = (await ctx.storage.models.versions(ref.model, { signal })).some((v) => v.version === ref.version);
      if (!stored && !purgedVersions.some((p) => p.model === ref.model && p.version === ref.version)) purgedVersions.push(ref);
    }
    pendingVersions = after.serving;
  }
  const keptModels: KeptModel[] = [];
  const stored = await ctx.storage.models.names({ signal });
  for (const [model, reason] of Object.entries(KEPT_ON_ERASURE)) if (stored.includes(model)) keptModels.push({ model, reason });
  return {
    userId,
    removed,
    influence: {
      affectedModels,
      retraining,
      purgedVersions,
      pendingVersions,
      keptModels,
      note: noteFor({ affectedModels, retraining, purgedVersions, pendingVersions, keptModels }),
    },
  };
}

function noteFor(influence: Omit<UserDeletionReport['influence'], 'note'>): string {
  const { retraining, purgedVersions, pendingVersions, keptModels } = influence;
  const parts = ['All rows of this user were removed (user, events, served lists, clicks).'];
  if (purgedVersions.length === 0 && pendingVersions.length === 0 && retraining.length === 0) {
    parts.push('No stored model version was trained on their data.');
  }
  if (purgedVersions.length > 0) {
    parts.push(`Deleted ${purgedVersions.length} stored model version(s) trained on their data: ${purgedVersions.map(label).join(', ')}.`);
  }
  const failed = retraining.filter((r) => r.status === 'failed');
  if (pendingVersions.length > 0) {
    const how = retraining
      .filter((r) => r.status !== 'retrained')
      .map((r) => `${r.model}: ${r.status}${r.jobId === undefined ? '' : ` ${r.jobId}`}${r.error === undefined ? '' : ` (${r.error})`}`);
    parts.push(
      `Still stored and served, because nothing clean replaces them yet: ${pendingVersions.map(label).join(', ')}; ` +
        `each is deleted as soon as its retrained version serves${how.length > 0 ? ` (${how.join(', ')})` : ''}. ` +
        'Until then other users\' lists may reflect their past interactions; their own list uses nothing of theirs. ' +
        'No version trained on their data can be activated or rolled back to.',
    );
  } else if (retraining.length > 0 && failed.length === 0) {
    parts.push('Every model whose served version was trained on their data was retrained without them; the new versions serve and no stored version holds their data.');
  }
  if (failed.length > 0 && pendingVersions.length === 0) {
    parts.push(`Retraining failed for ${failed.map((r) => r.model).join(', ')}: ${failed.map((r) => r.error ?? 'unknown error').join('; ')}.`);
  }
  for (const kept of keptModels) parts.push(`Kept: ${kept.model}, because ${kept.reason}.`);
  return parts.join(' ');
}
