#!/usr/bin/env node
/**
 * The `lmrec` command line: import data, train models, run evaluation protocols, and ask for
 * recommendations. Tables go to stdout; `--json` prints exactly one JSON document instead; progress
 * bars go to stderr on a terminal only; failures exit non-zero with the reason on stderr.
 * @module
 */
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CF_MODEL_KINDS,
  DEFAULT_FEEDBACK_POLICY,
  IMPORT_TRANSACTION_ROWS,
  ITEM_COLD_START,
  TEXT_MODEL_KINDS,
  createEncoder,
  createServingEncoder,
  loadDataset,
  renderColdStartMarkdown,
  runColdStartProtocol,
  EngineError,
  MODEL_KINDS,
  ModelManager,
  validateModelParams,
  BEAUTY_SEQ_PUBLISHED,
  LOO_SEQ,
  LOO_SEQ_5CORE,
  ML_SMALL_SEQ_PUBLISHED,
  RECBOLE_GENERAL,
  RECBOLE_ML1M_PUBLISHED,
  createEngine,
  createLevelLogger,
  detectFormat,
  loadConfig,
  openStorage,
  readInteractionFile,
  renderJson,
  renderMarkdown,
  runProtocol,
  formatRankerTable,
  parseDuration,
  trainEngineRanker,
} from '../index.js';
import type { Config, Engine, TrainResult, ImportSource, ItemVectorSource, MarkdownOptions, ModelParams, ModelRun, ProtocolConfig } from '../index.js';
import { createProgressDisplay, progressWanted } from './progress.js';
import { generateApiKey, isLoopbackHostname, parseApiKeys, startService } from '../server/index.js';
import type { ApiKey } from '../server/index.js';
import { DEFAULT_DASHBOARD_DIST, registerDashboard } from '../server-dashboard/index.js';
import type { DashboardSessionKey } from '../server-dashboard/index.js';

interface GlobalOptions {
  config?: string;
  db?: string;
  json?: boolean;
  logLevel?: string;
}

/** Set once Commander has printed an error of its own (usage errors), so it is not printed twice. */
let commanderPrinted = false;
const program = new Command();
program
  .name('lmrec')
  .description('Recommendation engine: import, train, evaluate, recommend.')
  .option('-c, --config <file>', 'config file (default ./lmrec.config.json when present)')
  .option('--db <url>', 'storage URL, e.g. sqlite://var/lmrec.db (overrides config and LMREC_STORAGE_URL)')
  .option('--json', 'print one JSON document on stdout instead of tables')
  .option('--log-level <level>', 'debug | info | warn | error')
  .showHelpAfterError()
  // Usage errors come back to the catch at the end as CommanderError instead of exiting, so that
  // `--json` still gets its one document (set before the subcommands, which inherit it).
  .exitOverride()
  .configureOutput({
    writeErr: (text) => {
      commanderPrinted = true;
      process.stderr.write(text);
    },
  });

function globals(): GlobalOptions {
  return program.opts<GlobalOptions>();
}

function config(): Config {
  const g = globals();
  return loadConfig({
    file: g.config,
    overrides: { storageUrl: g.db, logLevel: g.logLevel as Config['logLevel'] | undefined },
  });
}

/**
 * Opens storage and the engine for one command. `serving` runs a local encoder in a worker thread
 * (`createServingEncoder`), so a server never encodes on the thread that answers requests.
 */
async function withEngine<T>(fn: (engine: Engine, cfg: Config) => Promise<T>, options: { serving?: boolean } = {}): Promise<T> {
  const cfg = config();
  const logger = createLevelLogger(cfg.logLevel, (line) => process.stderr.write(line + '\n'));
  const storage = await openStorage(cfg.storageUrl);
  const health = storage.health();
  if (health.writes === 'read-only') {
    logger.log('warn', `storage ${storage.url} is read-only (${health.readOnlyReason ?? 'unknown reason'}): reads are served, writes are refused`);
  }
  // LMREC_ENCODER_THREAD=main keeps a served encoder on the request thread: for comparison benchmarks only.
  const inWorker = options.serving === true && process.env.LMREC_ENCODER_THREAD !== 'main';
  const encoder = inWorker ? await createServingEncoder(cfg.encoder, { logger }) : await createEncoder(cfg.encoder, { logger });
  const recency = cfg.recency.halfLife === undefined ? undefined : { halfLifeMs: parseDuration(cfg.recency.halfLife, 'recency.halfLife') };
  const engine = createEngine(storage, {
    logger,
    encoder,
    defaultModel: cfg.defaultModel,
    feedback: { ...DEFAULT_FEEDBACK_POLICY, positiveRating: cfg.feedback.positiveRating },
    ...(recency === undefined ? {} : { recency }),
    ...(options.serving ? { historyText: 'background' as const } : {}),
  });
  try {
    return await fn(engine, cfg);
  } finally {
    await engine.close();
  }
}

function print(json: unknown, table: () => string): void {
  if (globals().json) process.stdout.write(JSON.stringify(json, null, 2) + '\n');
  else process.stdout.write(table());
}

function intArg(name: string, min = 1) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be an integer ≥ ${min}, got "${v}"`);
    return n;
  };
}

function numberArg(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n)) throw new InvalidArgumentError(`${name} must be a number, got "${v}"`);
    return n;
  };
}

function parseParam(v: string, prev: ModelParams = {}): ModelParams {
  const eq = v.indexOf('=');
  if (eq <= 0) throw new InvalidArgumentError(`--param expects key=value, got "${v}"`);
  const key = v.slice(0, eq);
  const raw = v.slice(eq + 1);
  const num = Number(raw);
  prev[key] = raw === 'true' ? true : raw === 'false' ? false : raw !== '' && Number.isFinite(num) ? num : raw;
  return prev;
}

/**
 * The `-p` parameters for `model` among `models`: unprefixed keys apply to every model; `model.key`
 * to that model only (a prefix naming a model not being trained is an error).
 */
function paramsFor(model: string, models: readonly string[], params: ModelParams): ModelParams {
  const out: ModelParams = {};
  for (const [key, value] of Object.entries(params)) {
    const dot = key.indexOf('.');
    if (dot < 0) out[key] = value;
    else if (!models.includes(key.slice(0, dot))) throw new InvalidArgumentError(`--param ${key}: "${key.slice(0, dot)}" is not among the models trained (${models.join(', ')})`);
    else if (key.slice(0, dot) === model) out[key.slice(dot + 1)] = value;
  }
  return out;
}

function parseModels(v: string): string[] {
  const list = v.split(',').map((s) => s.trim()).filter(Boolean);
  for (const m of list) {
    if (!(MODEL_KINDS as readonly string[]).includes(m)) throw new InvalidArgumentError(`unknown model "${m}"; known: ${MODEL_KINDS.join(', ')}`);
  }
  return list;
}

function table(headers: string[], rows: (string | number)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map((c) => (typeof c === 'number' ? (Number.isInteger(c) ? String(c) : c.toFixed(4)) : c)))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => String(r[i] ?? '').length)));
  return cells.map((r) => r.map((c, i) => String(c ?? '').padEnd(widths[i])).join('  ').trimEnd()).join('\n') + '\n';
}

program
  .command('import')
  .description(`import a dataset into storage (MovieLens dir, S3-Rec file, CSV, JSONL), validated whole first, then written in transactions of ${IMPORT_TRANSACTION_ROWS} rows`)
  .argument('<path>', 'directory or file')
  .option('-f, --format <format>', 'movielens-100k | movielens-latest | s3rec | csv | jsonl (detected when omitted)')
  .option('-k, --kind <kind>', 'items | users | events (csv and jsonl; default events)', 'events')
  .option('--force', 'import even when the same content was imported before (its events are then stored twice)')
  .option('--allow-unknown-items', 'store events (csv and jsonl) naming items the catalogue does not hold (default: config unknownItems, reject)')
  .action(async (path: string, opts: { format?: string; kind: string; force?: boolean; allowUnknownItems?: boolean }) => {
    await withEngine(async (engine, cfg) => {
      const source = await importSourceFor(resolve(path), opts.format, opts.kind);
      const t0 = performance.now();
      // Bounded transactions: a server on the same file waits for one chunk, never for the whole file.
      const report = await engine.import(source, {
        force: opts.force === true,
        unknownItems: opts.allowUnknownItems ? 'accept' : cfg.unknownItems,
        transactionRows: IMPORT_TRANSACTION_ROWS,
      });
      const seconds = (performance.now() - t0) / 1000;
      print({ ...report, seconds }, () => table(['format', 'items', 'users', 'events', 'seconds'], [[report.format, report.items, report.users, report.events, seconds.toFixed(1)]]) + report.warnings.map((w) => `warning: ${w}\n`).join(''));
    });
  });

async function importSourceFor(path: string, format: string | undefined, kind: string): Promise<ImportSource> {
  if (format === undefined) {
    const detected = await detectFormat(path);
    if (!detected) throw new InvalidArgumentError(`cannot tell the format of ${path}; pass --format`);
    return detected;
  }
  const f = format;
  if (kind !== 'items' && kind !== 'users' && kind !== 'events') throw new InvalidArgumentError(`--kind must be items, users or events, got "${kind}"`);
  switch (f) {
    case 'movielens-100k':
    case 'movielens-latest':
      return { format: f, dir: path };
    case 's3rec':
      return { format: 's3rec', file: path };
    case 'csv':
    case 'jsonl':
      return { format: f, kind, file: path };
    default:
      throw new InvalidArgumentError(`cannot tell the format of ${path}; pass --format`);
  }
}

program
  .command('train')
  .description('train models on everything stored and save a new version of each')
  .argument('[models...]', `models to train (${MODEL_KINDS.join(', ')})`, ['ease'])
  .option('-p, --param <key=value>', 'hyper-parameter (repeatable), checked against the model\'s schema, e.g. -p lambda=500; model.key=value applies to one of several models', parseParam, {})
  .action(async (models: string[], opts: { param: ModelParams }) => {
    for (const m of models) parseModels(m);
    // Every model's parameters are checked before the first one trains.
    const paramsOf = new Map(models.map((m) => [m, validateModelParams(m, paramsFor(m, models, opts.param))]));
    await withEngine(async (engine, cfg) => {
      const progress = createProgressDisplay(progressWanted(globals().json));
      const results: TrainResult[] = [];
      // With lifecycle.autoActivate (default) a version trained here goes into service as one trained
      // by a server's job does: activated (persisted), so a running `lmrec serve` swaps it in.
      const manager = cfg.lifecycle.autoActivate ? new ModelManager(engine) : undefined;
      for (const m of models) {
        const result = await engine.train(m, paramsOf.get(m) ?? {}, { onProgress: progress.onProgress });
        await manager?.activate(m, result.version);
        results.push(result);
        progress.stop();
      }
      print(results, () =>
        table(
          ['model', 'version', 'users', 'items', 'interactions', 'fit s', 'params'],
          results.map((r) => [r.model, r.version, r.users, r.items, r.interactions, r.fit.seconds.toFixed(2), JSON.stringify(r.params)]),
        ),
      );
    });
  });

program
  .command('train-ranker')
  .description("train the pipeline's learned ranker over the trained models' candidate lists and print its validation table against every single source")
  .option('--no-save', 'evaluate only; do not store a new ranker version')
  .action(async (opts: { save: boolean }) => {
    await withEngine(async (engine) => {
      const progress = createProgressDisplay(progressWanted(globals().json));
      const result = await trainEngineRanker(engine, { onProgress: progress.onProgress, save: opts.save });
      progress.stop();
      print({ version: result.version, bestSource: result.bestSource, split: result.split, table: result.table, seconds: result.seconds }, () =>
        [
          `ranker${result.version === undefined ? ' (not stored)' : ` v${result.version}`}: validation on ${result.split.validUsers} users' held-out interactions; best single source: ${result.bestSource}`,
          formatRankerTable(result.table),
          `took ${result.seconds.toFixed(1)} s`,
          '',
        ].join('\n'),
      );
    });
  });

program
  .command('evaluate')
  .description('run an offline protocol on a ratings file (user,item,rating[,timestamp] CSV, u.data, ratings.dat, MovieLens dir, S3-Rec file)')
  .argument('<path>', 'ratings file or directory')
  .option('--protocol <name>', 'recbole (ratings ≥ 3, 10-core, random 8:1:1, full ranking) | loo (leave-one-out by time) | temporal (global 8:1:1 by time) | cold-start (20% of items held out, ranked among themselves) | loo-seq (S3-Rec/SASRec: leave-one-out, sequences ≤ 50, HR/NDCG@5/10/20) | loo-seq-5core (LRURec/LlamaRec MovieLens: all ratings, 5-core, leave-one-out by time then item id, sequences ≤ 200, NDCG/Recall@10)', 'recbole')
  .option('-m, --models <list>', `comma-separated models (default: ${CF_MODEL_KINDS.join(',')}, plus ${TEXT_MODEL_KINDS.join(',')} with --text)`, parseModels)
  .option('--text <dir>', 'dataset directory with item texts (e.g. a MovieLens dir): enables the text-aware models, encoding items through the cache in --db')
  .option('--min-rating <n>', 'positive-feedback threshold (protocol default; "none" keeps all)')
  .option('--kcore <n>', 'k-core threshold for users and items (0 = none)', intArg('--kcore', 0))
  .option('--seed <n>', 'split seed', intArg('--seed', 0))
  .option('--ks <list>', 'metric cut-offs, e.g. 5,10,20', (v: string) => v.split(',').map(intArg('--ks')))
  .option('--valid-metric <metric>', 'metric that picks hyper-parameters, e.g. ndcg@10')
  .option('--sampled <n>', 'rank among n sampled negatives instead of all items (labelled as sampled)', intArg('--sampled'))
  .option('--grid <spec>', 'override a grid: model.key=v1|v2 (repeatable)', (v: string, prev: string[] = []) => [...prev, v], [] as string[])
  .option('--no-grid', 'use default hyper-parameters only (no search)')
  .option('--format <format>', 'input format: ratings (default, auto-detected delimiter) | s3rec')
  .option('-o, --out <dir>', 'write report.json and report.md into this directory')
  .action(async (path: string, opts: EvaluateCliOptions) => {
    const json = Boolean(globals().json);
    const progress = createProgressDisplay(progressWanted(json));
    const log = await readInteractionFile(resolve(path), opts.format === 's3rec' ? { format: 's3rec' } : {});
    const sequential = opts.protocol === 'loo-seq' || opts.protocol === 'loo-seq-5core';
    const models = opts.models ?? (sequential ? ['pop', 'itemknn', 'gru4rec', 'sasrec'] : [...CF_MODEL_KINDS, ...(opts.text ? TEXT_MODEL_KINDS : [])]);
    const needsText = models.filter((m) => TEXT_MODEL_KINDS.includes(m));
    if (needsText.length > 0 && !opts.text) throw new InvalidArgumentError(`models ${needsText.join(', ')} read item texts: pass --text <dataset dir>`);
    const runs: ModelRun[] = models.map((kind) => ({ kind, grid: gridFor(kind, opts) }));
    const logger = createLevelLogger((globals().logLevel as Config['logLevel'] | undefined) ?? 'warn', (line) => process.stderr.write(line + '\n'));
    const itemVectors = opts.text ? await datasetVectors(resolve(opts.text), progress.onProgress) : undefined;
    progress.stop();
    if (opts.protocol === 'cold-start') {
      const config = { ...ITEM_COLD_START, ...(opts.seed !== undefined ? { seed: opts.seed } : {}), ...(opts.ks ? { ks: opts.ks } : {}) };
      if (opts.minRating === 'none') delete config.minValue;
      else if (opts.minRating !== undefined) config.minValue = numberArg('--min-rating')(opts.minRating);
      const report = await runColdStartProtocol(log, path, config, runs, { itemVectors, logger, onProgress: progress.onProgress });
      progress.stop();
      const md = renderColdStartMarkdown(report);
      writeReports(opts.out, JSON.stringify(report, null, 2) + '\n', md);
      print(report, () => md);
      return;
    }
    const protocol = protocolFor(opts);
    const report = await runProtocol(log, path, protocol, runs, {
      itemVectors,
      onProgress: progress.onProgress,
      logger,
      onModel: (m) => {
        progress.stop();
        if (!json) process.stderr.write(`${m.kind}: test ndcg@10=${(m.test.metrics['ndcg@10'] ?? NaN).toFixed(4)} (${m.trials.length} trial(s))\n`);
      },
    });
    progress.stop();
    const reference = protocol.name === 'recbole-general' ? { name: 'RecBole ML-1M', table: RECBOLE_ML1M_PUBLISHED } : undefined;
    const md = renderMarkdown(report, reference, sequenceReportOptions(protocol.name, path));
    writeReports(opts.out, renderJson(report), md);
    print(report, () => md);
  });

function writeReports(out: string | undefined, json: string, md: string): void {
  if (!out) return;
  const dir = resolve(out);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'report.json'), json);
  writeFileSync(join(dir, 'report.md'), md);
}

/** Text vectors of a dataset's items (verbalised with their tags), encoded through the storage cache. */
async function datasetVectors(dir: string, onProgress: (phase: string, done: number, total: number) => void): Promise<ItemVectorSource> {
  const source = await detectFormat(dir);
  if (!source) throw new InvalidArgumentError(`cannot tell the dataset format of ${dir}`);
  const dataset = await loadDataset(source);
  const tags = new Map<string, string[]>();
  for (const e of dataset.batch.events) {
    if (e.type !== 'tag' || e.itemId === undefined || !e.text) continue;
    const list = tags.get(e.itemId) ?? [];
    list.push(e.text);
    tags.set(e.itemId, list);
  }
  return withEngine((engine) => engine.encodeItems(dataset.batch.items, tags, { onProgress }));
}

interface EvaluateCliOptions {
  protocol: string;
  models?: string[];
  text?: string;
  minRating?: string;
  kcore?: number;
  seed?: number;
  ks?: number[];
  validMetric?: string;
  sampled?: number;
  grid: string[] | false;
  format?: string;
  out?: string;
}

function protocolFor(opts: EvaluateCliOptions): ProtocolConfig {
  let p: ProtocolConfig;
  if (opts.protocol === 'recbole') p = { ...RECBOLE_GENERAL };
  else if (opts.protocol === 'loo') p = { name: 'leave-one-out', split: { kind: 'leave-one-out' }, ks: [10, 20], validMetric: 'ndcg@10', seed: 2020 };
  else if (opts.protocol === 'temporal') p = { name: 'global-temporal', minValue: 3, split: { kind: 'temporal', ratios: [0.8, 0.1, 0.1] }, ks: [10], validMetric: 'ndcg@10', seed: 2020 };
  else if (opts.protocol === 'loo-seq') p = { ...LOO_SEQ };
  else if (opts.protocol === 'loo-seq-5core') p = { ...LOO_SEQ_5CORE };
  else throw new InvalidArgumentError(`--protocol must be recbole, loo, temporal, cold-start, loo-seq or loo-seq-5core, got "${opts.protocol}"`);
  if (opts.minRating !== undefined) {
    if (opts.minRating === 'none') delete p.minValue;
    else p.minValue = numberArg('--min-rating')(opts.minRating);
  }
  if (opts.kcore !== undefined) {
    if (opts.kcore === 0) delete p.kCore;
    else p.kCore = { minUserInteractions: opts.kcore, minItemInteractions: opts.kcore };
  }
  if (opts.seed !== undefined) p.seed = opts.seed;
  if (opts.ks) p.ks = opts.ks;
  if (opts.validMetric) p.validMetric = opts.validMetric;
  if (opts.sampled) p.sampledNegatives = opts.sampled;
  return p;
}

/**
 * Columns and published numbers of the sequence protocols: the Beauty table for an S3-Rec file named
 * like Beauty, the MovieLens latest-small table for a path under ml-latest-small.
 */
function sequenceReportOptions(protocol: string, path: string): MarkdownOptions {
  if (protocol === LOO_SEQ.name) {
    const published = /beauty/i.test(basename(path)) ? { name: 'Amazon Beauty, full ranking', table: BEAUTY_SEQ_PUBLISHED } : undefined;
    return published ? { metrics: ['hit', 'ndcg'], published } : { metrics: ['hit', 'ndcg'] };
  }
  if (protocol === LOO_SEQ_5CORE.name) {
    const published = /ml-latest-small/i.test(path) ? { name: 'MovieLens latest-small, LRURec / LlamaRec papers', table: ML_SMALL_SEQ_PUBLISHED } : undefined;
    return published ? { metrics: ['ndcg', 'recall', 'hit'], published } : { metrics: ['ndcg', 'recall', 'hit'] };
  }
  return {};
}

function gridFor(kind: string, opts: EvaluateCliOptions): Record<string, (number | string | boolean)[]> | undefined {
  if (opts.grid === false) return {};
  const overrides = opts.grid.filter((g) => g.startsWith(`${kind}.`));
  if (overrides.length === 0) return undefined;
  const grid: Record<string, (number | string | boolean)[]> = {};
  for (const g of overrides) {
    const [key, values] = g.slice(kind.length + 1).split('=');
    if (!key || values === undefined) throw new InvalidArgumentError(`--grid expects model.key=v1|v2, got "${g}"`);
    grid[key] = values.split('|').map((v) => (Number.isFinite(Number(v)) ? Number(v) : v));
  }
  return grid;
}

program
  .command('recommend')
  .description('top-k items for a user (popularity for unknown users)')
  .argument('<userId>')
  .option('-k, --k <n>', 'list length', intArg('-k'), 10)
  .option('-m, --model <name>', 'model (default: config defaultModel)')
  .option('--exclude <ids>', 'comma-separated item ids to leave out', (v: string) => v.split(','))
  .option('--include-seen', 'allow items the user already interacted with')
  .action(async (userId: string, opts: { k: number; model?: string; exclude?: string[]; includeSeen?: boolean }) => {
    await withEngine(async (engine) => {
      const rec = await engine.recommend(userId, { k: opts.k, model: opts.model, exclude: opts.exclude, includeSeen: opts.includeSeen });
      print(rec, () => {
        const head = `user ${userId} · ${rec.modelVersion}${rec.fallback ? ` · fallback: ${rec.fallback}` : ''}\n`;
        return head + table(['#', 'item', 'score', 'title'], rec.items.map((it, r) => [r + 1, it.id, it.score, it.title ?? '']));
      });
    });
  });

program
  .command('similar')
  .description('items most similar to an item under a model')
  .argument('<itemId>')
  .option('-k, --k <n>', 'list length', intArg('-k'), 10)
  .option('-m, --model <name>', 'model (default: config defaultModel)')
  .action(async (itemId: string, opts: { k: number; model?: string }) => {
    await withEngine(async (engine) => {
      const res = await engine.similarItems(itemId, { k: opts.k, model: opts.model });
      print(res, () => `similar to ${itemId} · ${res.modelVersion}\n` + table(['#', 'item', 'score', 'title'], res.items.map((it, r) => [r + 1, it.id, it.score, it.title ?? ''])));
    });
  });

program
  .command('embed')
  .description('encode every catalogue item\'s text once (cached in storage; a second run encodes nothing)')
  .action(async () => {
    await withEngine(async (engine) => {
      const progress = createProgressDisplay(progressWanted(globals().json));
      const report = await engine.embedCatalogue({ onProgress: progress.onProgress });
      progress.stop();
      print(report, () => table(['encoder', 'items', 'encoded', 'from cache', 'seconds'], [[report.encoder, report.items, report.encoded, report.cached, report.seconds.toFixed(1)]]));
    });
  });

program
  .command('query')
  .description('answer a natural-language request ("a heist movie with a twist") with the semantic model')
  .argument('<text...>')
  .option('-k, --k <n>', 'list length', intArg('-k'), 10)
  .option('-u, --user <id>', 'blend in this user\'s interests and skip what they know')
  .action(async (words: string[], opts: { k: number; user?: string }) => {
    await withEngine(async (engine) => {
      const res = await engine.query(words.join(' '), { k: opts.k, userId: opts.user });
      print(res, () => `"${res.query}" · ${res.modelVersion}\n` + table(['#', 'item', 'score', 'title'], res.items.map((it, r) => [r + 1, it.id, it.score, it.title ?? ''])));
    });
  });

program
  .command('models')
  .description('stored model versions')
  .action(async () => {
    await withEngine(async (engine) => {
      const names = await engine.storage.models.names();
      const rows: { name: string; version: number; createdAt: string; meta: Record<string, unknown> }[] = [];
      for (const n of names) for (const v of await engine.storage.models.versions(n)) rows.push({ name: n, version: v.version, createdAt: new Date(v.createdAt).toISOString(), meta: v.meta });
      print(rows, () => table(['model', 'version', 'created', 'params'], rows.map((r) => [r.name, r.version, r.createdAt, JSON.stringify((r.meta as { params?: unknown }).params ?? {})])));
    });
  });

program
  .command('status')
  .description('what storage holds')
  .action(async () => {
    await withEngine(async (engine, cfg) => {
      const s = engine.storage;
      const status = { storage: s.url, items: await s.items.count(), users: await s.users.count(), events: await s.events.count(), models: await s.models.names() };
      void cfg;
      print(status, () => table(['storage', 'items', 'users', 'events', 'models'], [[status.storage, status.items, status.users, status.events, status.models.join(',') || '–']]));
    });
  });

program
  .command('demo')
  .description('import the bundled MovieLens demo (first run), train models, and show recommendations')
  .action(async () => {
    await withEngine(async (engine) => {
      const json = Boolean(globals().json);
      const progress = createProgressDisplay(progressWanted(json));
      const say = (line: string): void => {
        if (!json) process.stderr.write(line + '\n');
      };
      let imported;
      if ((await engine.storage.events.count()) === 0) {
        const dir = fileURLToPath(new URL('../../data/demo/ml-latest-small', import.meta.url));
        say(`importing the MovieLens latest-small demo from ${dir} …`);
        imported = await engine.import({ format: 'movielens-latest', dir });
        say(`imported ${imported.items} items, ${imported.users} users, ${imported.events} events`);
      } else say(`storage ${engine.storage.url} already holds data; reusing it`);
      const trained = [];
      for (const [kind, params] of [['pop', {}], ['itemknn', { k: 100, shrink: 10 }], ['ease', { lambda: 500, minSupport: 5 }]] as const) {
        if ((await engine.storage.models.versions(kind)).length > 0) continue;
        say(`training ${kind} …`);
        trained.push(await engine.train(kind, params, { onProgress: progress.onProgress }));
        progress.stop();
      }
      const rec = await engine.recommend('1', { k: 10 });
      const sim = await engine.similarItems('1', { k: 5 });
      print({ imported, trained, recommendations: rec, similar: sim }, () =>
        `Recommendations for user 1 (${rec.modelVersion}):\n` +
        table(['#', 'item', 'score', 'title'], rec.items.map((it, r) => [r + 1, it.id, it.score, it.title ?? ''])) +
        `\nSimilar to item 1 (${sim.modelVersion}):\n` +
        table(['#', 'item', 'score', 'title'], sim.items.map((it, r) => [r + 1, it.id, it.score, it.title ?? ''])) +
        `\nTry: node dist/cli/main.js recommend 42 · similar 260 · evaluate data/demo/ml-latest-small/ratings.csv\n`,
      );
    });
  });

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
  .action(async (opts: { port?: number; host?: string; open?: boolean; demo?: boolean; pipeline: boolean; textModels: boolean; dashboard: boolean }) => {
    await withEngine(async (engine, cfg) => {
      const json = Boolean(globals().json);
      const say = (line: string): void => void process.stderr.write(line + '\n');
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
      const sessionKey: DashboardSessionKey | undefined = dashboard && !opts.open && pageScope !== 'none' ? { key: generateApiKey(), scope: pageScope } : undefined;
      const progress = createProgressDisplay(progressWanted(json));
      const service = await startService({
        engine,
        storageUrl: cfg.storageUrl,
        encoder: cfg.encoder,
        feedback: engine.feedbackPolicy(),
        lifecycle: cfg.lifecycle,
        demo: Boolean(opts.demo),
        pipeline: opts.pipeline,
        trainTextModels: Boolean(opts.demo) && opts.textModels,
        onProgress: progress.onProgress,
        say: (line) => {
          progress.stop();
          say(line);
        },
        register: async (app) => {
          if (!dashboard) return;
          await registerDashboard(app, {
            engine,
            reportsDirs: [resolve('var/reports'), fileURLToPath(new URL('../../dashboard/fixtures/reports', import.meta.url))],
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
        logger,
      });
      progress.stop();
      const { url } = service;
      if (json) process.stdout.write(JSON.stringify({ url, storage: engine.storage.url, keys: apiKeys.length, openAccess: Boolean(opts.open) }) + '\n');
      else {
        process.stdout.write(`lmrec listening on ${url} (storage ${engine.storage.url}; OpenAPI at ${url}/openapi.json)\n`);
        if (dashboard) {
          const access = sessionKey
            ? ` (a browser on this machine gets a ${sessionKey.scope} session key; for more, enter a key on the Settings page)`
            : opts.open
              ? ''
              : ' (enter an API key on the Settings page)';
          process.stdout.write(`dashboard: ${url}/${access}\n`);
        }
      }
      await new Promise<void>((done) => {
        const stop = (): void => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          done();
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
      say('shutting down …');
      await service.close();
    }, { serving: true });
  });

const wantsJson = process.argv.slice(2).includes('--json');
try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError && (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.exitCode === 0)) {
    process.exitCode = 0;
  } else {
    const e = err as Error;
    const usage = err instanceof CommanderError;
    const printed = commanderPrinted;
    const code = err instanceof EngineError ? err.code : usage || err instanceof InvalidArgumentError ? 'invalid_argument' : 'internal';
    const details = err instanceof EngineError ? err.details : undefined;
    const message = usage ? e.message.replace(/^error:\s*/, '') : e.message;
    // A usage error Commander caught itself is already on stderr.
    if (!printed) process.stderr.write(`lmrec: ${message}${err instanceof EngineError ? ` [${code}]` : ''}${details ? ` ${JSON.stringify(details)}` : ''}\n`);
    if (wantsJson) process.stdout.write(JSON.stringify({ error: { code, message, ...(details ? { details } : {}) } }) + '\n');
    if (!(err instanceof EngineError) && !usage && !(err instanceof InvalidArgumentError) && process.env.LMREC_DEBUG) process.stderr.write(`${e.stack ?? ''}\n`);
    process.exitCode = 1;
  }
}
