/**
 * Reading routes that serve lists: a user's recommendations, similar items and natural-language
 * queries. Every list served to a known user (one with a user row or events) is recorded as an
 * impression (with model version and A/B variant), whose id the client sends back with feedback.
 * A list for an unknown user is served but not recorded: storage would otherwise gain a row naming
 * an id it holds nothing else about, such as a user deleted a moment ago. A list whose impression
 * cannot be written (full disk, read-only file, a lock held too long) is served all the same, without
 * `impressionId`: the failure is logged, counted and shown by `/v1/health`.
 * @module
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { BackendError, NotFoundError, UnsupportedError } from '../../index.js';
import type { Impression } from '../../index.js';
import type { ServerContext, RecommendRequest, RecommendResult, RecommendedEntry } from '../context.js';
import { applyServingRules, overfetch } from '../apply-serving-rules.js';
import { createKeywordSearch } from '../keyword-search.js';
import { requestSignal } from '../request-signal.js';
import { MAX_K, idParams, queryBody, recommendQuery, recommendationsResponse, recommendedItemSchema, similarQuery } from '../schemas.js';

/** `POST /v1/query`'s answer: a list, and while the semantic model is missing, what the keyword fallback is. */
const queryResponse = {
  ...recommendationsResponse,
  properties: {
    ...recommendationsResponse.properties,
    fallback: { type: 'string', description: '`keyword` when a keyword search answered because no semantic model is trained yet' },
    note: { type: 'string', description: 'with the keyword fallback: why, and what to expect' },
    preparing: {
      type: 'object',
      description: 'with the keyword fallback: the job training the semantic model, if one runs',
      properties: { model: { type: 'string' }, jobId: { type: 'string' }, state: { type: 'string' }, progress: { type: 'object', additionalProperties: true } },
      required: ['model', 'jobId', 'state'],
    },
  },
} as const;

type RecommendQuery = { k: number; model?: string; exclude?: string[]; includeSeen?: boolean; llm?: string } & Record<string, unknown>;

/** `?llm=rerank,explain` / `off` (or a variant's list) as the pipeline's per-request switches; undefined = defaults. */
export function llmFlags(values: readonly string[] | undefined): { rerank?: boolean; explain?: boolean } | undefined {
  if (values === undefined || values.length === 0) return undefined;
  if (values.includes('off')) return { rerank: false, explain: false };
  return { rerank: values.includes('rerank'), explain: values.includes('explain') };
}

/** Splits `filter.x` and `context.x` query keys into their maps. */
function prefixed(query: Record<string, unknown>, prefix: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(query)) if (key.startsWith(prefix) && typeof value === 'string') out[key.slice(prefix.length)] = value;
  return out;
}

function withDefaults(items: readonly RecommendedEntry[]): Required<Pick<RecommendedEntry, 'reasons' | 'explanation'>>[] & RecommendedEntry[] {
  return items.map((it) => ({ ...it, reasons: it.reasons ?? [], explanation: it.explanation ?? '' }));
}

/**
 * Applies the serving rules (blocklists, exposure caps; at most `k` items), records the served list
 * when storage knows `userId` (checked atomically with the write) and returns the response body, with
 * `impressionId` only when the list was recorded. Without a user nothing is recorded.
 */
async function serve(ctx: ServerContext, userId: string | undefined, variant: string, answer: RecommendResult, k: number, signal: AbortSignal): Promise<Record<string, unknown>> {
  const result: RecommendResult = { ...answer, items: await applyServingRules(ctx, answer.items, k, signal) };
  const impressionId = await recordServed(ctx, userId, variant, result.modelVersion, result.items, signal);
  const body: Record<string, unknown> = {
    ...(impressionId === undefined ? {} : { impressionId }),
    userId: userId ?? 'anonymous',
    modelVersion: result.modelVersion,
    variant,
    items: withDefaults(result.items),
  };
  if (result.fallback !== undefined) body.fallback = result.fallback;
  if (result.llm !== undefined) body.llm = result.llm;
  return body;
}

/** The `items` of a recommendations answer, serialised by their response schema. */
const itemsSchema = { type: 'array', items: recommendedItemSchema } as const;

/**
 * The items JSON of lists served whole: a list the pipeline kept for reuse is the same array each
 * time, so it is serialised once, not on every request (serialisation was a fifth of such a request).
 */
const servedItemsJson = new WeakMap<readonly RecommendedEntry[], { count: number; json: string }>();

/**
 * {@link serve} answered as a JSON string: the same body as the response schema would write, with
 * the items serialised once for a list served again unchanged (the serving rules kept its first
 * entries, the very objects of `answer.items`). A body with an LLM report takes the schema path.
 */
async function serveSerialized(reply: FastifyReply, ctx: ServerContext, userId: string, variant: string, answer: RecommendResult, k: number, signal: AbortSignal): Promise<Record<string, unknown> | string> {
  if (answer.llm !== undefined) return serve(ctx, userId, variant, answer, k, signal);
  const items = await applyServingRules(ctx, answer.items, k, signal);
  const whole = items.every((it, i) => it === answer.items[i]);
  let json = whole ? servedItemsJson.get(answer.items) : undefined;
  if (json === undefined || json.count !== items.length) {
    json = { count: items.length, json: (reply.compileSerializationSchema(itemsSchema) as (input: unknown) => string)(withDefaults(items)) };
    if (whole) servedItemsJson.set(answer.items, json);
  }
  const impressionId = await recordServed(ctx, userId, variant, answer.modelVersion, items, signal);
  const head: Record<string, string> = { ...(impressionId === undefined ? {} : { impressionId }), userId, modelVersion: answer.modelVersion, variant };
  let body = '{';
  for (const [key, value] of Object.entries(head)) body += `${JSON.stringify(key)}:${JSON.stringify(value)},`;
  body += `"items":${json.json}`;
  if (answer.fallback !== undefined) body += `,"fallback":${JSON.stringify(answer.fallback)}`;
  reply.type('application/json; charset=utf-8');
  return `${body}}`;
}

/** Records the served list for `userId` (a user storage knows); its impression id, or undefined when nothing was recorded. */
async function recordServed(ctx: ServerContext, userId: string | undefined, variant: string, modelVersion: string, items: readonly { id: string }[], signal: AbortSignal): Promise<string | undefined> {
  const impressionId = randomUUID();
  const recorded = userId !== undefined && (await record(ctx, { id: impressionId, userId, modelVersion, variant, itemIds: items.map((it) => it.id), createdAt: Date.now() }, signal));
  if (recorded) ctx.counters.impressions++;
  return recorded ? impressionId : undefined;
}

/**
 * Records `impression` for a user storage knows; false when the user is unknown or the write failed
 * in storage (then logged and counted: the list is served without an impression). On read-only
 * storage nothing is tried.
 */
async function record(ctx: ServerContext, impression: Impression, signal: AbortSignal): Promise<boolean> {
  if (ctx.storage.health().writes === 'read-only') {
    ctx.counters.impressionsNotRecorded++;
    return false;
  }
  try {
    return await ctx.storage.impressions.record(impression, { signal, onlyKnownUser: true });
  } catch (error) {
    if (!(error instanceof BackendError || error instanceof UnsupportedError)) throw error;
    const failures = ++ctx.counters.impressionsNotRecorded;
    // The first failure and every hundredth after it: a full disk must not also flood the log.
    if (failures % 100 === 1) {
      ctx.logger.log('warn', `served a list without recording its impression (${failures} so far; see /v1/health): ${error.message}`);
    }
    return false;
  }
}

/** Registers recommendation, similar-item and query routes. */
export function registerRecommendationRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.get<{ Params: { id: string }; Querystring: RecommendQuery }>(
    '/v1/users/:id/recommendations',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['recommendations'],
        summary: 'Top-k items for a user',
        description:
          'Filters: `filter.<attribute>=v1,v2` keeps items whose attribute equals (or contains) one of the values. Context: `context.<key>=value`. For a known user (a user row or events) the list is recorded as an impression; send its `impressionId` with feedback. For an unknown user nothing is recorded and `impressionId` is absent (post events, or `PUT /v1/users/:id` first).',
        params: idParams,
        querystring: recommendQuery,
        response: { 200: recommendationsResponse },
      },
    },
    async (request, reply) => {
      const signal = requestSignal(reply);
      const userId = request.params.id;
      const q = request.query;
      const filters = Object.fromEntries(
        Object.entries(prefixed(q, 'filter.')).map(([name, values]) => [name, values.split(',').filter((v) => v !== '')]),
      );
      const assigned = ctx.variants.assign(userId);
      const llm = llmFlags(q.llm?.split(',')) ?? llmFlags(assigned.llm);
      const base: Omit<RecommendRequest, 'model'> = {
        ...(llm === undefined ? {} : { llm }),
        userId,
        k: q.k,
        exclude: q.exclude ?? [],
        includeSeen: q.includeSeen ?? false,
        filters,
        context: prefixed(q, 'context.'),
        variant: assigned.name,
        signal,
      };
      let result: RecommendResult;
      let variant = assigned.name;
      if (q.model !== undefined) {
        // A model named by the client overrides the experiment; the list is not attributed to a variant.
        variant = 'override';
        result = await ctx.recommend({ ...base, variant, model: q.model });
      } else if (assigned.model !== undefined) {
        try {
          result = await ctx.recommend({ ...base, model: assigned.model });
        } catch (error) {
          if (!(error instanceof NotFoundError)) throw error;
          ctx.logger.log('warn', `variant ${assigned.name}: model ${assigned.model} is not trained; serving the default`);
          result = await ctx.recommend(base);
        }
      } else {
        result = await ctx.recommend(base);
      }
      return serveSerialized(reply, ctx, userId, variant, result, q.k, signal);
    },
  );

  app.get<{ Params: { id: string }; Querystring: { k: number; model?: string } }>(
    '/v1/items/:id/similar',
    { config: { scope: 'read' }, schema: { tags: ['recommendations'], summary: 'Items most similar to an item', params: idParams, querystring: similarQuery } },
    async (request, reply) => {
      const signal = requestSignal(reply);
      const k = request.query.k;
      const res = await ctx.engine.similarItems(request.params.id, { k: overfetch(ctx.servingRules, k, MAX_K), model: request.query.model, signal });
      const source = await ctx.storage.items.get(request.params.id, { signal });
      const name = source?.title ?? `item ${request.params.id}`;
      const items = await applyServingRules(ctx, res.items, k, signal);
      return {
        itemId: res.itemId,
        modelVersion: res.modelVersion,
        items: items.map((it) => ({
          ...it,
          reasons: [{ type: 'similar-to', itemId: res.itemId, title: name, model: it.sources[0] }],
          explanation: similarSentence(it.sources[0] ?? '', name),
        })),
      };
    },
  );

  const keywords = createKeywordSearch(ctx.storage);

  app.post<{ Body: { text: string; k?: number; userId?: string; exclude?: string[] } }>(
    '/v1/query',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['recommendations'],
        summary: 'Answer a natural-language request',
        description:
          'Answered by the semantic model. While it is not trained (e.g. being prepared after the first start), by a keyword search over titles, descriptions and genres/tags instead: `fallback` is `keyword`, `note` says so, and `preparing` names the training job and its progress when one is running.',
        body: queryBody,
        response: { 200: queryResponse },
      },
    },
    async (request, reply) => {
      const signal = requestSignal(reply);
      const { text, k, userId, exclude } = request.body;
      const wanted = k ?? 10;
      const variant = userId === undefined ? 'anonymous' : ctx.variants.assign(userId).name;
      const res = await ctx.engine.query(text, { k: overfetch(ctx.servingRules, wanted, MAX_K), userId, exclude, signal }).catch((error: unknown) => {
        if (error instanceof NotFoundError && (error.details as { model?: unknown } | undefined)?.model === 'semantic') return undefined;
        throw error;
      });
      if (res !== undefined) {
        // The semantic model answers from now on: the keyword index's memory is not needed.
        keywords.clear();
        const result: RecommendResult = {
          modelVersion: res.modelVersion,
          items: res.items.map(({ explanation, ...it }) => ({
            ...it,
            reasons: [{ type: 'query', text, similarity: it.score, matched: explanation.matched, facets: explanation.facets, ...(explanation.because ? { because: explanation.because } : {}) }],
            explanation: explanation.sentence,
          })),
        };
        return serve(ctx, userId, variant, result, wanted, signal);
      }
      const found = await keywords.search(text, overfetch(ctx.servingRules, wanted, MAX_K), new Set(exclude ?? []), signal);
      const titles = new Map((await ctx.storage.items.getMany(found.hits.map((h) => h.id), { signal })).map((it) => [it.id, it.title]));
      const result: RecommendResult = {
        modelVersion: 'keyword',
        fallback: 'keyword',
        items: found.hits.map((hit) => {
          const title = titles.get(hit.id);
          return {
            id: hit.id,
            score: hit.score,
            ...(title === undefined ? {} : { title }),
            sources: ['keyword'],
            reasons: [{ type: 'keyword', terms: hit.matched }],
            explanation: `Its title, description or genres mention ${hit.matched.map((t) => `"${t}"`).join(', ')}.`,
          };
        }),
      };
      const job = await preparingJob(ctx, 'semantic');
      const body = await serve(ctx, userId, variant, result, wanted, signal);
      body.note =
        (job === undefined
          ? 'No semantic model is trained (run `lmrec embed` then `lmrec train semantic`, or POST /v1/models/semantic/train): '
          : `The semantic model is being prepared (job ${job.id}: ${job.where}): `) +
        `these items match words of the request, not its meaning${found.truncated ? ` (the first ${found.indexed} catalogue items searched)` : ''}.`;
      if (job !== undefined) body.preparing = { model: 'semantic', jobId: job.id, state: job.state, ...(job.progress === undefined ? {} : { progress: job.progress }) };
      return body;
    },
  );
}

interface JobLike {
  id?: unknown;
  model?: unknown;
  state?: unknown;
  progress?: { phase?: unknown; done?: unknown; total?: unknown };
}

/** The job training `model` right now, with a short "phase n%" description of where it is; undefined when none. */
async function preparingJob(ctx: ServerContext, model: string): Promise<{ id: string; state: string; where: string; progress?: JobLike['progress'] } | undefined> {
  if (ctx.lifecycle === undefined) return undefined;
  const jobs = (await ctx.lifecycle.jobs()) as readonly JobLike[];
  const job = jobs.find((j) => j.model === model && (j.state === 'running' || j.state === 'queued'));
  if (!job) return undefined;
  const p = job.progress;
  const share = p && typeof p.done === 'number' && typeof p.total === 'number' && p.total > 0 ? Math.round((100 * p.done) / p.total) : undefined;
  const where = p && typeof p.phase === 'string' ? `${p.phase}${share === undefined ? '' : ` ${share}%`}` : String(job.state);
  return { id: String(job.id), state: String(job.state), where, ...(p === undefined ? {} : { progress: p }) };
}

/** Why an item is similar, in the words of the model that found it. */
function similarSentence(model: string, title: string): string {
  if (model === 'semantic') return `Close in content to ${title}.`;
  if (model === 'hybrid') return `Close to ${title} in content and in who likes it.`;
  return `Often liked by the same people as ${title}.`;
}
