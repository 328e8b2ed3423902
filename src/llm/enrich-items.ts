/**
 * Enrichment of thin items (C16, C19): items whose own text is shorter than `minChars` get a
 * description written by the chat model from their title and attributes only, stored beside the
 * item (`storage.generatedTexts`, with the model, the prompt version and the time; the item's own
 * text is never changed) and read by the text models from then on (`engine/catalogue-text.ts`).
 * Answers are cached by prompt (no user data is in these prompts). Runs as background work: the
 * server starts it as a job ({@link createEnrichmentJobs}) and the CLI as `lmrec enrich`.
 * @module
 */
import { randomUUID } from 'node:crypto';
import { ConflictError, NotFoundError, throwIfAborted } from '../core/errors.js';
import { silentLogger } from '../core/logger.js';
import type { Logger } from '../core/logger.js';
import type { Item } from '../core/types.js';
import type { Engine } from '../engine/engine.js';
import { withGeneratedText } from '../engine/catalogue-text.js';
import type { GuardedChatModel } from './guarded-chat-model.js';
import { PROMPT_VERSIONS, enrichPrompt } from './prompts.js';

/** Options of {@link enrichThinItems}. */
export interface EnrichOptions {
  /** Items whose own text has fewer characters are thin (default 80). */
  minChars?: number;
  /** At most this many descriptions per run (default 1,000). */
  maxItems?: number;
  /** Write again for items that already have a generated description (default false). */
  force?: boolean;
  /** Only these items (default every item). */
  itemIds?: readonly string[];
  /** Requests at once (default 4; the provider's own limit applies too). */
  concurrency?: number;
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

/** What a run did. */
export interface EnrichReport {
  model: string;
  promptVersion: string;
  scanned: number;
  /** Items below the threshold. */
  thin: number;
  generated: number;
  /** Thin items that already had a generated description (not `force`). */
  kept: number;
  failed: number;
  /** The first failures' reasons. */
  errors: string[];
  /** The items written (at most 200 listed), each as the text models now read it. */
  items: Item[];
  seconds: number;
}

/** Longest generated description kept, in characters. */
const MAX_DESCRIPTION_CHARS = 1_200;

/** `Genres: Comedy, Drama` … lines of an item's descriptive attributes for the prompt. */
export function attributeLines(item: Item): string {
  const lines: string[] = [];
  for (const [key, value] of Object.entries(item.attributes ?? {})) {
    if (/id$/i.test(key) || key === 'available' || value === null || value === undefined) continue;
    const text = Array.isArray(value) ? value.filter((v) => typeof v === 'string' || typeof v === 'number').join(', ') : typeof value === 'object' ? '' : String(value);
    if (text !== '' && text.length <= 300) lines.push(`${key[0].toUpperCase()}${key.slice(1)}: ${text}`);
  }
  if (item.text !== undefined && item.text.trim() !== '') lines.push(`Existing text: ${item.text.trim()}`);
  return lines.join('\n');
}

/** Cleans a model's description: one paragraph, no wrapping quotes, bounded. */
export function cleanDescription(text: string): string {
  const one = text.replace(/\s+/g, ' ').trim().replace(/^["'“]+|["'”]+$/g, '').trim();
  return one.length <= MAX_DESCRIPTION_CHARS ? one : `${one.slice(0, one.lastIndexOf(' ', MAX_DESCRIPTION_CHARS))}…`;
}

/** Writes descriptions for thin items; see the module description. */
export async function enrichThinItems(engine: Engine, model: GuardedChatModel, options: EnrichOptions = {}): Promise<EnrichReport> {
  const t0 = performance.now();
  const { signal } = options;
  const minChars = options.minChars ?? 80;
  const maxItems = options.maxItems ?? 1_000;
  const domain = engine.verbalizer.template.name;
  const report: EnrichReport = { model: model.id, promptVersion: PROMPT_VERSIONS.enrich, scanned: 0, thin: 0, generated: 0, kept: 0, failed: 0, errors: [], items: [], seconds: 0 };
  const todo: Item[] = [];
  const wanted = options.itemIds === undefined ? undefined : new Set(options.itemIds);
  const pages = wanted === undefined ? engine.storage.items.scan({ signal }) : (async function* () {
    yield await engine.storage.items.getMany([...wanted], { signal });
  })();
  for await (const page of pages) {
    const thin = page.filter((item) => (item.text?.trim().length ?? 0) < minChars && (wanted === undefined || wanted.has(item.id)));
    report.scanned += page.length;
    report.thin += thin.length;
    const existing = options.force === true ? new Set<string>() : new Set((await engine.storage.generatedTexts.getMany(thin.map((it) => it.id), { signal })).map((g) => g.itemId));
    for (const item of thin) {
      if (existing.has(item.id)) report.kept++;
      else if (todo.length < maxItems) todo.push(item);
    }
  }
  const concurrency = Math.max(1, options.concurrency ?? 4);
  let done = 0;
  for (let start = 0; start < todo.length; start += concurrency) {
    throwIfAborted(signal);
    const batch = todo.slice(start, start + concurrency);
    const written = await Promise.all(
      batch.map(async (item) => {
        try {
          const answer = await model.complete({ messages: enrichPrompt(domain, item.title, attributeLines(item)), cache: true, maxTokens: 200, temperature: 0, ...(signal === undefined ? {} : { signal }) });
          const text = cleanDescription(answer.text);
          if (text.length < 20) throw new Error(`description too short (${text.length} characters)`);
          return { item, text };
        } catch (error) {
          if (signal?.aborted) throw error;
          report.failed++;
          if (report.errors.length < 5) report.errors.push(`${item.id}: ${error instanceof Error ? error.message : String(error)}`);
          return undefined;
        }
      }),
    );
    const ok = written.filter((w): w is { item: Item; text: string } => w !== undefined);
    const createdAt = Date.now();
    await engine.storage.generatedTexts.put(ok.map((w) => ({ itemId: w.item.id, text: w.text, model: model.id, promptVersion: PROMPT_VERSIONS.enrich, createdAt })), { ...(signal === undefined ? {} : { signal }) });
    report.generated += ok.length;
    for (const w of ok) if (report.items.length < 200) report.items.push(withGeneratedText(w.item, w.text));
    done += batch.length;
    options.onProgress?.(done, todo.length);
  }
  report.seconds = (performance.now() - t0) / 1000;
  return report;
}

/** A run of {@link enrichThinItems} as a background job. */
export interface EnrichmentJob {
  id: string;
  state: 'running' | 'succeeded' | 'failed' | 'cancelled';
  startedAt: number;
  finishedAt?: number;
  progress: { done: number; total: number };
  report?: Omit<EnrichReport, 'items'> & { itemIds: string[] };
  error?: string;
}

/** Enrichment jobs of one server: at most one runs at a time. */
export interface EnrichmentJobs {
  /** Starts a job; `ConflictError` while one runs. */
  start(options?: Omit<EnrichOptions, 'signal' | 'onProgress'>): EnrichmentJob;
  /** A job by id, or undefined. */
  get(id: string): EnrichmentJob | undefined;
  /** Jobs, newest first (the last 20). */
  list(): EnrichmentJob[];
  /** Cancels the running job and waits for it to stop. */
  close(): Promise<void>;
}

/** Options of {@link createEnrichmentJobs}. */
export interface EnrichmentJobsOptions {
  engine: Engine;
  model: GuardedChatModel;
  /** Defaults of every run (threshold, cap). */
  defaults?: Pick<EnrichOptions, 'minChars' | 'maxItems' | 'concurrency'>;
  /** Called with the enriched items (as text models read them) when a job ends, e.g. a pipeline's `observeItems`, which encodes them. */
  onEnriched?: (items: readonly Item[]) => Promise<void> | void;
  logger?: Logger;
}

/** Creates the job runner; the work happens off any request (a request only starts it). */
export function createEnrichmentJobs(options: EnrichmentJobsOptions): EnrichmentJobs {
  const jobs: EnrichmentJob[] = [];
  const logger = options.logger ?? silentLogger;
  let running: { job: EnrichmentJob; controller: AbortController; done: Promise<void> } | undefined;
  return {
    start(runOptions = {}) {
      if (running !== undefined) throw new ConflictError(`enrichment job ${running.job.id} is still running`, { details: { jobId: running.job.id } });
      const job: EnrichmentJob = { id: randomUUID(), state: 'running', startedAt: Date.now(), progress: { done: 0, total: 0 } };
      const controller = new AbortController();
      const done = (async () => {
        try {
          const report = await enrichThinItems(options.engine, options.model, {
            ...options.defaults,
            ...runOptions,
            signal: controller.signal,
            onProgress: (d, t) => {
              job.progress = { done: d, total: t };
            },
          });
          const { items, ...rest } = report;
          job.report = { ...rest, itemIds: items.map((it) => it.id) };
          job.state = 'succeeded';
          if (items.length > 0) await options.onEnriched?.(items);
        } catch (error) {
          job.state = controller.signal.aborted ? 'cancelled' : 'failed';
          job.error = error instanceof Error ? error.message : String(error);
          if (job.state === 'failed') logger.log('warn', 'enrichment job failed', { jobId: job.id, error: job.error });
        } finally {
          job.finishedAt = Date.now();
          running = undefined;
        }
      })();
      running = { job, controller, done };
      jobs.unshift(job);
      jobs.splice(20);
      return job;
    },
    get: (id) => jobs.find((j) => j.id === id),
    list: () => [...jobs],
    async close() {
      const current = running;
      if (current === undefined) return;
      current.controller.abort();
      await current.done;
    },
  };
}

/** Discards an item's generated description; `NotFoundError` when it has none. Returns the item as text models read it now. */
export async function discardGeneratedText(engine: Engine, itemId: string, options: { signal?: AbortSignal } = {}): Promise<Item | undefined> {
  if (!(await engine.storage.generatedTexts.delete(itemId, options))) throw new NotFoundError(`item "${itemId}" has no generated description`, { details: { itemId } });
  return engine.storage.items.get(itemId, options);
}
