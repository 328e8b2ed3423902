/**
 * Configuration: one schema-validated object with defaults in code, read from an optional JSON file
 * and overridden by environment variables. Secrets (passwords in URLs, API keys) are redacted when the
 * config is printed.
 * @module
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { ValidationError } from '../core/errors.js';

const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;

/** Schema of the configuration file (`lmrec.config.json`). */
export const configSchema = z
  .object({
    /** Storage location: `sqlite:///abs/path.db`, `sqlite://relative.db`, `postgres://…`. */
    storageUrl: z.string().min(1).default('sqlite://var/lmrec.db'),
    logLevel: z.enum(LOG_LEVELS).default('info'),
    /** Model used when a request names none. */
    defaultModel: z.string().default('ease'),
    /** Text encoder for language-model features. */
    encoder: z
      .discriminatedUnion('kind', [
        z.object({ kind: z.literal('use-lite') }).strict(),
        z.object({ kind: z.literal('onnx'), dir: z.string().min(1) }).strict(),
        z
          .object({
            kind: z.literal('openai'),
            baseUrl: z.string().url(),
            model: z.string().min(1),
            apiKey: z.string().optional(),
            dimensions: z.number().int().positive().optional(),
            timeoutMs: z.number().int().positive().optional(),
          })
          .strict(),
      ])
      .default({ kind: 'use-lite' }),
    feedback: z
      .object({
        positiveRating: z.number().default(3),
      })
      .strict()
      .default({}),
    /**
     * Events naming an item the catalogue does not hold (`POST /v1/events`, CSV/JSONL imports):
     * `reject` refuses them naming the event and the item; `accept` stores them.
     */
    unknownItems: z.enum(['accept', 'reject']).default('reject'),
    /** HTTP server (`lmrec serve`). */
    server: z
      .object({
        host: z.string().min(1).default('127.0.0.1'),
        port: z.number().int().min(0).max(65535).default(8080),
        /** `key:scope,key:scope` (scopes read < write < admin); empty = see `lmrec serve --help`. */
        apiKeys: z.string().default(''),
        /**
         * Hostnames (no scheme or port) the server answers in `Host` besides the loopback names: an
         * array or a comma list. Bound to a loopback interface, other names are refused (DNS
         * rebinding); bound elsewhere, a non-empty list is enforced and empty accepts any host.
         */
        allowedHosts: z
          .union([z.array(z.string()), z.string()])
          .transform((value) => (typeof value === 'string' ? value.split(',') : value).map((host) => host.trim()).filter((host) => host !== ''))
          .pipe(z.array(z.string().regex(/^[^\s/@?#]+$/, 'must be a hostname or IP address without scheme, port or path')))
          .default([]),
        /**
         * Worker threads searching the retrieval indices of large model versions (semantic, hybrid,
         * EASE, item-kNN, …) beside the thread that answers requests; `auto` = one less than the
         * machine's cores, at least 2 (1 on a single core) and at most 4; 0 = search on the serving thread (env
         * `LMREC_RETRIEVAL_THREADS`).
         */
        retrievalThreads: z.union([z.literal('auto'), z.number().int().min(0).max(64)]).default('auto'),
        /** Smallest catalogue (items of a model version) searched on the retrieval threads. */
        retrievalMinItems: z.number().int().min(0).default(50_000),
        /** Largest request body in bytes (batch endpoints allow `batchBodyLimit`). */
        bodyLimit: z.number().int().positive().default(1024 * 1024),
        batchBodyLimit: z.number().int().positive().default(16 * 1024 * 1024),
        /** A/B experiment: users are bucketed by a hash of salt + user id into weighted variants. */
        experiment: z
          .object({
            salt: z.string().min(1),
            variants: z
              .array(
                z
                  .object({
                    name: z.string().min(1),
                    model: z.string().min(1).optional(),
                    weight: z.number().positive().default(1),
                    /** LLM stages for this arm's lists: `rerank` and/or `explain`, or `off` (default: `llm.rerank.enabled` / `llm.explanations.enabled`). */
                    llm: z.array(z.enum(['rerank', 'explain', 'off'])).optional(),
                  })
                  .strict(),
              )
              .min(1),
          })
          .strict()
          .optional(),
      })
      .strict()
      .default({}),
    /** The web dashboard served by `lmrec serve`. */
    dashboard: z
      .object({
        /**
         * Scope of the per-process session key written into the page for a browser on this machine
         * (loopback connection, allowed host, no proxy headers); `none` writes no key.
         */
        pageScope: z.enum(['none', 'read', 'write']).default('read'),
        /** Most live event streams (`GET /v1/events/stream`) open at once; beyond, 503 `too_many_streams`. */
        maxStreams: z.number().int().min(0).default(64),
      })
      .strict()
      .default({}),
    /**
     * Recency-aware scoring (C17): history events weigh 0.5^(age / halfLife) in user interests and
     * fold-in; ms or a duration such as `180d`; unset = no decay.
     */
    recency: z
      .object({
        halfLife: z.union([z.number().positive(), z.string().min(1)]).optional(),
      })
      .strict()
      .default({}),
    /**
     * Retention windows (C22): `lmrec serve` deletes events, and served lists with their clicks, older
     * than this many days (checked every `checkEvery`, in batches of `batchSize` rows); unset = kept.
     */
    retention: z
      .object({
        eventsDays: z.number().positive().optional(),
        impressionsDays: z.number().positive().optional(),
        checkEvery: z.union([z.number().positive(), z.string().min(1)]).default('1h'),
        batchSize: z.number().int().positive().default(500),
      })
      .strict()
      .default({}),
    /**
     * Items never recommended (C22): ids, and attribute values (`{ "genres": ["Horror"] }`). Always in
     * force; `PUT /v1/admin/blocklist` adds a runtime list kept in storage.
     */
    blocklist: z
      .object({
        items: z.array(z.string().min(1)).default([]),
        attributes: z.record(z.string().min(1), z.array(z.union([z.string(), z.number(), z.boolean()]))).default({}),
      })
      .strict()
      .default({}),
    /**
     * Exposure caps (C22): at most this many impressions of one item, or of the items of one provider
     * (`providerAttribute`), per hour across all users; over the cap an item leaves lists until the
     * window passes (it fills a list's end only when the list would be short otherwise).
     */
    exposure: z
      .object({
        maxPerItemPerHour: z.number().int().positive().optional(),
        maxPerProviderPerHour: z.number().int().positive().optional(),
        providerAttribute: z.string().min(1).default('provider'),
      })
      .strict()
      .default({}),
    /** The request pipeline of `lmrec serve`. */
    pipeline: z
      .object({
        /**
         * A user's list is reused while nothing it depends on changed (the user's events, the served
         * versions, the catalogue, the blocklist), for at most `ttl` (ms or a duration; `0` = every
         * request computes its list; env `LMREC_LIST_CACHE_TTL`), for the `users` most recently served.
         * A list served again once it is `refreshAt` old (default two thirds of `ttl`; `0` = never) is
         * renewed in the background while the kept one is served.
         */
        listCache: z
          .object({
            ttl: z.union([z.number().min(0), z.string().min(1)]).default('30s'),
            users: z.number().int().min(0).default(10_000),
            refreshAt: z.union([z.number().min(0), z.string().min(1)]).optional(),
          })
          .strict()
          .default({}),
      })
      .strict()
      .default({}),
    /** Privacy of user ids (C22). */
    privacy: z
      .object({
        /** User ids in log lines are replaced by keyed-hash pseudonyms (HMAC-SHA256 under `pseudonymSecret`). */
        pseudonymiseLogs: z.boolean().default(true),
        /** The HMAC secret (at least 16 characters); unset: generated once into `var/lmrec-pseudonym-secret`. */
        pseudonymSecret: z.string().min(16).optional(),
      })
      .strict()
      .default({}),
    /**
     * Generative language models (C19): the provider (`LMREC_LLM`; none = every LLM feature answers
     * with the engine's own result) and the features that use it.
     */
    llm: z
      .object({
        provider: z
          .discriminatedUnion('kind', [
            z
              .object({
                kind: z.literal('openai'),
                baseUrl: z.string().url(),
                model: z.string().min(1),
                /** Prefer `LMREC_LLM_API_KEY`; never logged, redacted when the config is printed. */
                apiKey: z.string().optional(),
                timeoutMs: z.number().int().positive().optional(),
                retries: z.number().int().min(0).optional(),
                concurrency: z.number().int().positive().optional(),
                /** Send `response_format: json_object` for JSON answers (some servers refuse it). */
                jsonMode: z.boolean().optional(),
              })
              .strict(),
            z.object({ kind: z.literal('gguf'), path: z.string().min(1), contextSize: z.number().int().positive().optional() }).strict(),
          ])
          .optional(),
        /** Listwise re-ranking of the pipeline's top N after the learned ranker. */
        rerank: z
          .object({
            /** On for every list (still off per request with `?llm=off`); default off: `?llm=rerank` or an A/B arm turns it on. */
            enabled: z.boolean().default(false),
            topN: z.number().int().min(2).max(100).default(20),
            /** Position-bias control: `shuffle` = `passes` orders shuffled and Borda-aggregated; `window` = sliding windows from the bottom up. */
            strategy: z.enum(['shuffle', 'window']).default('shuffle'),
            passes: z.number().int().min(1).max(10).default(3),
            window: z.number().int().min(2).max(100).default(10),
            stride: z.number().int().min(1).max(100).default(5),
            /** Past this many ms the ranker's order is served, with the reason. */
            budgetMs: z.number().int().positive().default(1500),
            /** Most recent behaviour events put into the prompt. */
            historyEvents: z.number().int().min(0).max(100).default(20),
          })
          .strict()
          .default({}),
        /** Written explanations (one sentence per item from the explanation data, checked; else the template). */
        explanations: z.object({ enabled: z.boolean().default(false), budgetMs: z.number().int().positive().default(1500) }).strict().default({}),
        /** Descriptions for items whose own text is shorter than `minChars` (a background job). */
        enrichment: z.object({ minChars: z.number().int().min(1).default(80), maxItems: z.number().int().positive().default(1000) }).strict().default({}),
        /** `POST /v1/conversations`: held in memory, at most `maxConversations`, each dropped after `ttl` idle. */
        conversations: z
          .object({
            maxConversations: z.number().int().positive().default(1000),
            ttl: z.union([z.number().positive(), z.string().min(1)]).default('1h'),
            maxTurns: z.number().int().positive().default(20),
            /** Per LLM call of a turn (parsing, reply); past it the rule-based parser or the plain reply answers. */
            budgetMs: z.number().int().positive().default(5000),
          })
          .strict()
          .default({}),
      })
      .strict()
      .default({}),
    /** Model lifecycle: background retraining (see `src/lifecycle`). */
    lifecycle: z
      .object({
        /** Retrain on this interval: ms or a duration such as `6h`; unset = no timed retraining. */
        retrainEvery: z.union([z.number().positive(), z.string().min(1)]).optional(),
        /** Retrain a model once this many events arrived after its training data; unset = never. */
        retrainAfterEvents: z.number().int().positive().optional(),
        /** How often the retrain schedule is checked. */
        checkEvery: z.union([z.number().positive(), z.string().min(1)]).default('1m'),
        /** How often `lmrec serve` looks at storage for versions trained or activated by another process (`0` = never). */
        syncEvery: z.union([z.number().min(0), z.string().min(1)]).default('5s'),
        /** Models the schedule keeps fresh (default: every model with a stored version). */
        models: z.array(z.string().min(1)).optional(),
        /**
         * Serve a newly trained version as soon as it is stored: a server's job, `lmrec train`, or a
         * version another process stored (noticed within `syncEvery`), even over an older activated one.
         */
        autoActivate: z.boolean().default(true),
        /**
         * Several `lmrec serve` processes on one storage: how long the trainer lease lasts (the
         * process holding it schedules and starts automatic jobs; a dead holder is replaced after it).
         */
        trainerLease: z.union([z.number().positive(), z.string().min(1)]).default('15s'),
        /**
         * How often `lmrec serve` reads what other processes wrote (events, item changes, user
         * deletions; `0` = never). Default 20 ms; on PostgreSQL, which wakes the reader at each
         * commit (LISTEN/NOTIFY), 1 s as a safety net.
         */
        followEvery: z.union([z.number().min(0), z.string().min(1)]).optional(),
      })
      .strict()
      .default({}),
  })
  .strict();

/** The validated configuration. */
export type Config = z.infer<typeof configSchema>;

/** Environment variables that override file values. */
export const ENV_OVERRIDES = {
  LMREC_STORAGE_URL: 'storageUrl',
  LMREC_LOG_LEVEL: 'logLevel',
  LMREC_DEFAULT_MODEL: 'defaultModel',
} as const;

/**
 * `LMREC_ENCODER` selects the encoder: `use-lite`, `onnx:/path/to/model-dir`, or
 * `openai:<base-url>#<model>` (the key comes from `LMREC_ENCODER_API_KEY`).
 */
export function encoderFromEnv(value: string, apiKey?: string): Config['encoder'] {
  if (value === 'use-lite') return { kind: 'use-lite' };
  if (value.startsWith('onnx:')) return { kind: 'onnx', dir: value.slice(5) };
  if (value.startsWith('openai:')) {
    const [baseUrl, model] = value.slice(7).split('#');
    if (!baseUrl || !model) throw new ValidationError(`LMREC_ENCODER=openai:<base-url>#<model> expected, got "${value}"`, { details: { field: 'LMREC_ENCODER' } });
    return apiKey ? { kind: 'openai', baseUrl, model, apiKey } : { kind: 'openai', baseUrl, model };
  }
  throw new ValidationError(`LMREC_ENCODER must be use-lite, onnx:<dir> or openai:<base-url>#<model>, got "${value}"`, { details: { field: 'LMREC_ENCODER' } });
}

/**
 * `LMREC_LLM` selects the generative model: `openai:<base-url>#<model>`, `gguf:<path>` or `none`
 * (the key of an OpenAI-compatible server comes from `LMREC_LLM_API_KEY`).
 */
export function llmProviderFromEnv(value: string, apiKey?: string): Config['llm']['provider'] {
  if (value === 'none') return undefined;
  if (value.startsWith('gguf:') && value.length > 5) return { kind: 'gguf', path: value.slice(5) };
  if (value.startsWith('openai:')) {
    const rest = value.slice(7);
    const hash = rest.lastIndexOf('#');
    const baseUrl = hash < 0 ? '' : rest.slice(0, hash);
    const model = hash < 0 ? '' : rest.slice(hash + 1);
    if (!baseUrl || !model) throw new ValidationError(`LMREC_LLM=openai:<base-url>#<model> expected, got "${value.replace(/\/\/[^/@]*@/, '//')}"`, { details: { field: 'LMREC_LLM' } });
    return apiKey ? { kind: 'openai', baseUrl, model, apiKey } : { kind: 'openai', baseUrl, model };
  }
  throw new ValidationError(`LMREC_LLM must be openai:<base-url>#<model>, gguf:<path> or none, got "${value.replace(/\/\/[^/@]*@/, '//')}"`, { details: { field: 'LMREC_LLM' } });
}

/** Where to look for settings. */
export interface LoadConfigOptions {
  /** Explicit config file; when absent `lmrec.config.json` in `cwd` is used if it exists. */
  file?: string;
  cwd?: string;
  env?: Record<string, string | undefined>;
  /** Values that win over file and environment (e.g. CLI flags). */
  overrides?: Partial<Config>;
}

/** Loads, merges and validates the configuration. Errors name the file and the offending key. */
export function loadConfig(options: LoadConfigOptions = {}): Config {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  const file = options.file ? resolve(cwd, options.file) : resolve(cwd, 'lmrec.config.json');
  let fromFile: Record<string, unknown> = {};
  if (options.file && !existsSync(file)) throw new ValidationError(`config file ${file} does not exist`, { details: { file } });
  if (existsSync(file)) {
    try {
      fromFile = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    } catch (cause) {
      throw new ValidationError(`config file ${file} is not valid JSON: ${(cause as Error).message}`, { cause, details: { file } });
    }
  }
  const merged: Record<string, unknown> = { ...fromFile };
  for (const [name, key] of Object.entries(ENV_OVERRIDES)) {
    const v = env[name];
    if (v !== undefined && v !== '') merged[key] = v;
  }
  if (env.LMREC_API_KEYS !== undefined) merged.server = { ...(merged.server as Record<string, unknown> | undefined), apiKeys: env.LMREC_API_KEYS };
  const threads = env.LMREC_RETRIEVAL_THREADS;
  if (threads !== undefined && threads !== '') {
    // A value that is neither `auto` nor a number stays a string, so the schema's error names the key.
    merged.server = { ...(merged.server as Record<string, unknown> | undefined), retrievalThreads: threads === 'auto' || !Number.isFinite(Number(threads)) ? threads : Number(threads) };
  }
  if (env.LMREC_ALLOWED_HOSTS !== undefined) merged.server = { ...(merged.server as Record<string, unknown> | undefined), allowedHosts: env.LMREC_ALLOWED_HOSTS };
  if (env.LMREC_DASHBOARD_SCOPE !== undefined && env.LMREC_DASHBOARD_SCOPE !== '') {
    merged.dashboard = { ...(merged.dashboard as Record<string, unknown> | undefined), pageScope: env.LMREC_DASHBOARD_SCOPE };
  }
  for (const [name, key] of [['LMREC_RETENTION_EVENTS_DAYS', 'eventsDays'], ['LMREC_RETENTION_IMPRESSIONS_DAYS', 'impressionsDays']] as const) {
    const v = env[name];
    if (v === undefined || v === '') continue;
    // A value that is not a number stays a string, so the schema's error names the key.
    const days = Number(v);
    merged.retention = { ...(merged.retention as Record<string, unknown> | undefined), [key]: Number.isFinite(days) ? days : v };
  }
  if (env.LMREC_LIST_CACHE_TTL !== undefined && env.LMREC_LIST_CACHE_TTL !== '') {
    const pipeline = (merged.pipeline as Record<string, unknown> | undefined) ?? {};
    merged.pipeline = { ...pipeline, listCache: { ...(pipeline.listCache as Record<string, unknown> | undefined), ttl: env.LMREC_LIST_CACHE_TTL } };
  }
  if (env.LMREC_PSEUDONYM_SECRET !== undefined && env.LMREC_PSEUDONYM_SECRET !== '') {
    merged.privacy = { ...(merged.privacy as Record<string, unknown> | undefined), pseudonymSecret: env.LMREC_PSEUDONYM_SECRET };
  }
  const pseudonymise = env.LMREC_PSEUDONYMISE_LOGS;
  if (pseudonymise !== undefined && pseudonymise !== '') {
    const flag = pseudonymise === 'true' || pseudonymise === '1' ? true : pseudonymise === 'false' || pseudonymise === '0' ? false : pseudonymise;
    merged.privacy = { ...(merged.privacy as Record<string, unknown> | undefined), pseudonymiseLogs: flag };
  }
  if (env.LMREC_ENCODER) merged.encoder = encoderFromEnv(env.LMREC_ENCODER, env.LMREC_ENCODER_API_KEY);
  if (env.LMREC_LLM) {
    const llm = { ...((merged.llm as Record<string, unknown> | undefined) ?? {}) };
    delete llm.provider;
    const provider = llmProviderFromEnv(env.LMREC_LLM, env.LMREC_LLM_API_KEY);
    merged.llm = provider === undefined ? llm : { ...llm, provider };
  } else if (env.LMREC_LLM_API_KEY) {
    const llm = merged.llm as { provider?: Record<string, unknown> } | undefined;
    if (llm?.provider?.kind === 'openai') merged.llm = { ...llm, provider: { ...llm.provider, apiKey: env.LMREC_LLM_API_KEY } };
  }
  for (const [k, v] of Object.entries(options.overrides ?? {})) if (v !== undefined) merged[k] = v;
  const parsed = configSchema.safeParse(merged);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue.path.join('.') || '(root)';
    throw new ValidationError(`invalid configuration at "${where}": ${issue.message} (file ${file}, or env ${Object.keys(ENV_OVERRIDES).join('/')})`, {
      details: { file, field: where, issues: parsed.error.issues },
    });
  }
  return parsed.data;
}

/** A copy of `config` safe to print: passwords in URLs, API keys and the pseudonym secret are replaced. */
export function redactConfig(config: Config): Config {
  const encoder = config.encoder.kind === 'openai' && config.encoder.apiKey ? { ...config.encoder, apiKey: '***' } : config.encoder;
  const server = { ...config.server, apiKeys: config.server.apiKeys.replace(/[^,:]+:/g, '***:') };
  const privacy = config.privacy.pseudonymSecret === undefined ? config.privacy : { ...config.privacy, pseudonymSecret: '***' };
  const provider = config.llm.provider;
  const llm =
    provider?.kind === 'openai' && (provider.apiKey || /\/\/[^/@]+@/.test(provider.baseUrl))
      ? { ...config.llm, provider: { ...provider, baseUrl: provider.baseUrl.replace(/(\/\/[^:/@]+:)[^@]*@/, '$1***@'), ...(provider.apiKey ? { apiKey: '***' } : {}) } }
      : config.llm;
  return { ...config, encoder, server, privacy, llm, storageUrl: config.storageUrl.replace(/(\/\/[^:/@]+:)[^@]*@/, '$1***@') };
}
