/**
 * `lmrec serve`: the HTTP API and dashboard over lifecycle and pipeline (`startService`).
 * @module
 */
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConversationStore, DEFAULT_PSEUDONYM_SECRET_FILE, cachedCatalogueVocabulary, createChatModel, createConversations, createEnrichmentJobs, createLevelLogger, createPseudonymiser, loadPseudonymSecret, parseDuration } from '../../index.js';
import type { Config, Pipeline, PipelineOptions, Pseudonymiser } from '../../index.js';
import { generateApiKey, isLoopbackHostname, parseApiKeys, startService } from '../../server/index.js';
import type { ApiKey } from '../../server/index.js';
import { DEFAULT_DASHBOARD_DIST, registerDashboard } from '../../server-dashboard/index.js';
import type { DashboardSessionKey } from '../../server-dashboard/index.js';
import { availableParallelism } from 'node:os';
import { createProgressDisplay, progressWanted, writeStderrLine } from '../progress.js';
import { config, globals, intArg, withEngine } from '../cli-context.js';
import { SESSION_KEY_ENV, isServeWorker, reportListening, runServeCluster, untilStopSignal } from '../serve-cluster.js';

/** Registers `serve`. */
export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description(
      'run the HTTP API (keys from LMREC_API_KEYS="key1:admin,key2:read" or server.apiKeys; none configured: an admin key is generated into var/lmrec-api-key on first start; Host names other than loopback ones need server.allowedHosts / LMREC_ALLOWED_HOSTS)',
    )
    .option('-p, --port <n>', 'port (0 = any free port; default config server.port, 8080)', intArg('--port', 0))
    .option('-H, --host <host>', 'interface to bind (default config server.host, 127.0.0.1)')
    .option('--open', 'accept requests without a key (allowed on a loopback host only)')
    .option('--demo', 'import the bundled MovieLens demo into an empty store and train the default models first (progress shown)')
    .option('--no-pipeline', 'serve lists from the default model alone instead of the ranked multi-source pipeline')
    .option('--no-text-models', 'with --demo: do not train the text-aware models (semantic, hybrid) in the background when missing')
    .option('--no-dashboard', 'do not serve the web dashboard at /')
    .option('--workers <n>', 'serving processes on this machine behind one port: a number, or auto for one per core; they share the storage and its live state, and one of them trains', workersArg, 1)
    .action(async (opts: ServeCliOptions) => {
      if (opts.workers > 1 && !isServeWorker()) {
        await runPrimary(opts);
        return;
      }
      await withEngine(async (engine, cfg) => {
        const json = Boolean(globals().json);
        const say = writeStderrLine;
        const logger = createLevelLogger(cfg.logLevel, say);
        const host = opts.host ?? cfg.server.host;
        if (opts.open && !isLoopbackHostname(host)) throw new InvalidArgumentError(`--open is refused on ${host}: open access is for a loopback host only`);
        const apiKeys = opts.open ? parseApiKeys(cfg.server.apiKeys) : serverKeys(cfg.server.apiKeys, say);
        if (opts.open) say(`warning: open access on ${host}: requests without a key are served with admin rights`);
        const dashboard = opts.dashboard && existsSync(join(DEFAULT_DASHBOARD_DIST, 'index.html'));
        if (opts.dashboard && !dashboard) say(`dashboard not built (${DEFAULT_DASHBOARD_DIST} missing): run npm run build:dashboard`);
        // The page never carries a configured key: a key of its own, made for this process, held in
        // memory only (never written or printed), with the configured least scope. Open access needs
        // none (a key would only lower what the page may do).
        const pageScope = cfg.dashboard.pageScope;
        // Workers behind one port share the primary's session key (a page's calls reach any of them).
        const sharedKey = process.env[SESSION_KEY_ENV];
        delete process.env[SESSION_KEY_ENV];
        const sessionKey: DashboardSessionKey | undefined = dashboard && !opts.open && pageScope !== 'none' ? { key: sharedKey ?? generateApiKey(), scope: pageScope } : undefined;
        const logUserIds = logPseudonymiser(cfg, say);
        const { trainerLease, followEvery, ...lifecycleOptions } = cfg.lifecycle;
        const progress = createProgressDisplay(progressWanted(json));
        // Without a provider every LLM feature answers with the engine's own result.
        const chat = createChatModel(cfg.llm.provider, { cache: engine.storage.llmCache, logger });
        if (chat) say(`llm ${chat.id}: re-ranking ${cfg.llm.rerank.enabled ? 'on' : 'off unless asked (?llm=rerank)'}, written explanations ${cfg.llm.explanations.enabled ? 'on' : 'off unless asked (?llm=explain)'}`);
        // Conversations are answered by the engine's own models; the model (when configured) reads and replies.
        const conversationSettings = cfg.llm.conversations;
        // Built at start, in the background (page by page), so no conversation's first message waits for it.
        const vocabulary = cachedCatalogueVocabulary(engine.storage);
        vocabulary().catch((error: unknown) => logger.log('warn', 'building the conversation vocabulary failed; the first message retries', { error: String(error) }));
        const conversations = createConversations({
          engine,
          store: new ConversationStore({ maxConversations: conversationSettings.maxConversations, ttlMs: parseDuration(conversationSettings.ttl, 'llm.conversations.ttl'), maxTurns: conversationSettings.maxTurns }),
          vocabulary,
          budgetMs: conversationSettings.budgetMs,
          ...(chat === undefined ? {} : { model: chat }),
        });
        let servingPipeline: () => Pipeline | undefined = () => undefined;
        const enrichment =
          chat === undefined
            ? undefined
            : createEnrichmentJobs({ engine, model: chat, defaults: cfg.llm.enrichment, logger, onEnriched: (items) => servingPipeline()?.observeItems(items) });
        const service = await startService({
          engine,
          storageUrl: cfg.storageUrl,
          encoder: cfg.encoder,
          feedback: engine.feedbackPolicy(),
          lifecycle: lifecycleOptions,
          trainerLeaseMs: parseDuration(trainerLease, 'lifecycle.trainerLease'),
          ...(followEvery === undefined ? {} : { followEvery: followEvery === 0 || followEvery === '0' ? 0 : parseDuration(followEvery, 'lifecycle.followEvery') }),
          reportsDir: resolve('var/reports'),
          retention: cfg.retention,
          blocklist: cfg.blocklist,
          exposure: cfg.exposure,
          demo: Boolean(opts.demo),
          pipeline: opts.pipeline,
          pipelineOptions: {
            listCache: listCacheOptions(cfg.pipeline.listCache),
            ...(chat === undefined ? {} : { llm: { model: chat, rerank: cfg.llm.rerank, explanations: cfg.llm.explanations } }),
          },
          trainTextModels: Boolean(opts.demo) && opts.textModels,
          onProgress: progress.onProgress,
          say: (line) => {
            progress.stop();
            say(line);
          },
          conversations,
          ...(enrichment === undefined ? {} : { enrichment }),
          register: async (app, parts) => {
            servingPipeline = parts.pipeline;
            if (!dashboard) return;
            await registerDashboard(app, {
              engine,
              reportsDirs: [resolve('var/reports')],
              sampleReportsDirs: [fileURLToPath(new URL('../../../dashboard/fixtures/reports', import.meta.url))],
              allowedHosts: cfg.server.allowedHosts,
              maxStreams: cfg.dashboard.maxStreams,
              ...(sessionKey === undefined ? {} : { sessionKey }),
            });
          },
          apiKeys: sessionKey === undefined ? apiKeys : [...apiKeys, sessionKey],
          openAccess: Boolean(opts.open),
          allowedHosts: cfg.server.allowedHosts,
          host,
          port: opts.port ?? cfg.server.port,
          bodyLimit: cfg.server.bodyLimit,
          batchBodyLimit: cfg.server.batchBodyLimit,
          unknownItems: cfg.unknownItems,
          experiment: cfg.server.experiment,
          logUserIds,
          logger,
        });
        progress.stop();
        const { url } = service;
        const lines: string[] = [];
        if (json) lines.push(JSON.stringify({ url, storage: engine.storage.url, keys: apiKeys.length, openAccess: Boolean(opts.open), ...(isServeWorker() ? { workers: opts.workers } : {}) }));
        else {
          lines.push(`lmrec listening on ${url} (storage ${engine.storage.url}; OpenAPI at ${url}/openapi.json)${isServeWorker() ? ` with ${opts.workers} serving processes` : ''}`);
          if (dashboard) {
            const access = sessionKey
              ? ` (a browser on this machine gets a ${sessionKey.scope} session key; for more, enter a key on the Settings page)`
              : opts.open
                ? ''
                : ' (enter an API key on the Settings page)';
            lines.push(`dashboard: ${url}/${access}`);
          }
        }
        // A worker's primary prints the first worker's lines once.
        if (isServeWorker()) reportListening({ url, lines });
        else for (const line of lines) process.stdout.write(`${line}\n`);
        await untilStopSignal();
        say('shutting down …');
        await enrichment?.close();
        await service.close();
        await chat?.close();
      }, { serving: true });
      // A worker's channel to its primary would keep it alive after everything else closed.
      if (isServeWorker()) process.disconnect?.();
    });
}

/** Options of `lmrec serve`. */
interface ServeCliOptions {
  port?: number;
  host?: string;
  open?: boolean;
  demo?: boolean;
  pipeline: boolean;
  textModels: boolean;
  dashboard: boolean;
  workers: number;
}

/** `--workers`: a positive integer or `auto` (one per core). */
function workersArg(value: string): number {
  if (value === 'auto') return availableParallelism();
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 256) throw new InvalidArgumentError(`--workers must be a number from 1 to 256 or auto, got "${value}"`);
  return n;
}

/**
 * The primary of `--workers N`: settles once what every worker must share — the API keys (a key
 * generated on first start is written once), the pseudonym secret, the dashboard's session key —
 * then runs the workers (`serve-cluster.ts`) until SIGINT / SIGTERM.
 */
async function runPrimary(opts: ServeCliOptions): Promise<void> {
  const cfg = config();
  const say = writeStderrLine;
  const host = opts.host ?? cfg.server.host;
  if (opts.open && !isLoopbackHostname(host)) throw new InvalidArgumentError(`--open is refused on ${host}: open access is for a loopback host only`);
  const apiKeys = opts.open ? parseApiKeys(cfg.server.apiKeys) : serverKeys(cfg.server.apiKeys, say);
  logPseudonymiser(cfg, say);
  const env: Record<string, string> = {};
  if (apiKeys.length > 0) env.LMREC_API_KEYS = apiKeys.map((k) => `${k.key}:${k.scope}`).join(',');
  if (opts.dashboard && !opts.open && cfg.dashboard.pageScope !== 'none') env[SESSION_KEY_ENV] = generateApiKey();
  await runServeCluster({
    workers: opts.workers,
    env,
    say,
    onListening: (message) => {
      for (const line of message.lines) process.stdout.write(`${line}\n`);
    },
  });
}

/** Where `serve` keeps the admin key it generates when none is configured. */
const GENERATED_KEY_FILE = 'var/lmrec-api-key';

/**
 * Configured keys; with none, the key generated on first start (kept in var/, mode 0600). The key
 * itself is never printed (terminals and service logs keep what they show): only where it is.
 */
function serverKeys(spec: string, say: (line: string) => void): ApiKey[] {
  const configured = parseApiKeys(spec);
  if (configured.length > 0) return configured;
  const file = resolve(GENERATED_KEY_FILE);
  const howToRead = `show it with: cat ${GENERATED_KEY_FILE} (the key is the part before ":admin")`;
  if (existsSync(file)) {
    say(`no API keys configured: using the admin key in ${file}; ${howToRead}`);
    return parseApiKeys(readFileSync(file, 'utf8').trim());
  }
  const key = generateApiKey();
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${key}:admin\n`, { mode: 0o600 });
  say(`no API keys configured (LMREC_API_KEYS or server.apiKeys): generated an admin key into ${file} (readable by this user only); ${howToRead}`);
  return [{ key, scope: 'admin' }];
}

/**
 * How log lines show user ids: pseudonyms under the configured secret, else under the secret kept in
 * var/ (generated on first start, mode 0600, never printed), so they stay the same across restarts.
 */
function logPseudonymiser(cfg: Config, say: (line: string) => void): Pseudonymiser | 'raw' {
  if (!cfg.privacy.pseudonymiseLogs) {
    say('warning: privacy.pseudonymiseLogs is off: log lines name users by their ids');
    return 'raw';
  }
  if (cfg.privacy.pseudonymSecret !== undefined) return createPseudonymiser(cfg.privacy.pseudonymSecret);
  const file = resolve(DEFAULT_PSEUDONYM_SECRET_FILE);
  const { secret, created } = loadPseudonymSecret(file);
  if (created) say(`user ids in logs are pseudonymised: generated the pseudonym secret into ${file} (readable by this user only)`);
  return createPseudonymiser(secret);
}

/**
 * `pipeline.listCache` as the pipeline takes it: `ttl` in ms, `0` (or `"0"`) turning list reuse off,
 * anything else a duration; `refreshAt` alike, `0` turning background renewal off.
 */
function listCacheOptions(c: { ttl: number | string; users: number; refreshAt?: number | string | undefined }): NonNullable<PipelineOptions['listCache']> {
  const ttlMs = c.ttl === 0 || c.ttl === '0' ? 0 : parseDuration(c.ttl, 'pipeline.listCache.ttl');
  const out: NonNullable<PipelineOptions['listCache']> = { ttlMs, users: c.users };
  // Renewal off: from an age no list reaches.
  if (c.refreshAt !== undefined) out.refreshAtMs = c.refreshAt === 0 || c.refreshAt === '0' ? ttlMs : parseDuration(c.refreshAt, 'pipeline.listCache.refreshAt');
  return out;
}
