/**
 * `lmrec evaluate`: an offline protocol on a ratings file, printed as a table and written as reports.
 * @module
 */
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { basename, resolve } from 'node:path';
import {
  BEAUTY_SEQ_PUBLISHED,
  BLEND_KIND,
  CF_MODEL_KINDS,
  ITEM_COLD_START,
  LOO_SEQ,
  LOO_SEQ_5CORE,
  ML_SMALL_SEQ_PUBLISHED,
  RECBOLE_GENERAL,
  RECBOLE_ML1M_PUBLISHED,
  TEXT_MODEL_KINDS,
  createChatModel,
  createLevelLogger,
  detectFormat,
  loadDataset,
  mappingFromFlags,
  readInteractionFile,
  readS3RecAttributes,
  renderColdStartMarkdown,
  renderJson,
  renderLlmRerankMarkdown,
  renderMarkdown,
  runColdStartProtocol,
  runLlmRerankEvaluation,
  runProtocol,
} from '../../index.js';
import type { Item } from '../../index.js';
import type { Config, ItemVectorSource, MarkdownOptions, ModelRun, ProtocolConfig, ProtocolReport } from '../../index.js';
import { createProgressDisplay, progressWanted, writeStderrLine } from '../progress.js';
import { globals, intArg, numberArg, parseModels, print, withEngine, writeReports } from '../cli-context.js';

/** `--models` of evaluate: registered kinds, and `blend` (a validation-fitted blend of models listed before it). */
function parseEvaluateModels(v: string): string[] {
  const list = v.split(',').map((s) => s.trim()).filter(Boolean);
  const kinds = list.filter((m) => m !== BLEND_KIND);
  if (kinds.length > 0) parseModels(kinds.join(','));
  if (list[0] === BLEND_KIND) throw new InvalidArgumentError(`"${BLEND_KIND}" blends the models listed before it; list them first, e.g. -m ease,itemknn,${BLEND_KIND}`);
  return list;
}

/** Registers `evaluate`. */
export function registerEvaluateCommand(program: Command): void {
  program
    .command('evaluate')
    .description('run an offline protocol on a ratings file (user,item,rating[,timestamp] CSV, u.data, ratings.dat, MovieLens dir, S3-Rec file)')
    .argument('<path>', 'ratings file or directory')
    .option('--protocol <name>', 'llm-rerank (the first model\'s top N plus the held-out item, re-ranked by the configured LLM: NDCG/Recall@10 against the ranker\'s order, latency per request) | recbole (ratings ≥ 3, 10-core, random 8:1:1, full ranking) | loo (leave-one-out by time) | temporal (global 8:1:1 by time) | cold-start (20% of items held out, ranked among themselves) | loo-seq (S3-Rec/SASRec: leave-one-out, sequences ≤ 50, HR/NDCG@5/10/20) | loo-seq-5core (LRURec/LlamaRec MovieLens: all ratings, 5-core, leave-one-out by time then item id, sequences ≤ 200, NDCG/Recall@10)', 'recbole')
    .option('-m, --models <list>', `comma-separated models (default: ${CF_MODEL_KINDS.join(',')}, plus ${TEXT_MODEL_KINDS.join(',')} with --text); "${BLEND_KIND}" adds a blend of the three best on validation of the models listed before it, its weights fitted on validation`, parseEvaluateModels)
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
    .option('-d, --delimiter <d>', 'field delimiter, as lmrec import: tab, comma, semicolon, pipe, whitespace, or the characters (detected when omitted)')
    .option('--map <fields>', 'columns by header name or 0-based index, as lmrec import: user=<col>,item=<col>,value=<col>,timestamp=<col>')
    .option('--header', 'the first line is a header (detected when neither is given)')
    .option('--no-header', 'the first line is data')
    .option('-o, --out <dir>', 'write report.json and report.md into this directory')
    .option('--candidates <n>', 'llm-rerank: candidates per list (default llm.rerank.topN)', intArg('--candidates', 2))
    .option('--users <n>', 'llm-rerank: users sampled (seeded by --seed; default 100)', intArg('--users', 1))
    .action(async (path: string, opts: EvaluateCliOptions) => {
      const json = Boolean(globals().json);
      const progress = createProgressDisplay(progressWanted(json));
      const mapping = mappingFromFlags(opts);
      if (mapping !== undefined && opts.format === 's3rec') throw new InvalidArgumentError('--delimiter, --map and --header apply to delimited ratings files, not s3rec');
      // The same flags as lmrec import, read into the same mapping.
      const log = await readInteractionFile(
        resolve(path),
        opts.format === 's3rec'
          ? { format: 's3rec' }
          : {
              ...(mapping?.delimiter === undefined ? {} : { delimiter: mapping.delimiter }),
              ...(mapping?.hasHeader === undefined ? {} : { hasHeader: mapping.hasHeader }),
              ...(mapping?.columns === undefined ? {} : { columns: mapping.columns }),
            },
      );
      const sequential = opts.protocol === 'loo-seq' || opts.protocol === 'loo-seq-5core';
      const models = opts.models ?? (sequential ? ['pop', 'itemknn', 'gru4rec', 'sasrec'] : [...CF_MODEL_KINDS, ...(opts.text ? TEXT_MODEL_KINDS : [])]);
      const needsText = models.filter((m) => TEXT_MODEL_KINDS.includes(m));
      if (needsText.length > 0 && !opts.text) throw new InvalidArgumentError(`models ${needsText.join(', ')} read item texts: pass --text <dataset dir>`);
      const runs: ModelRun[] = models.map((kind) => ({ kind, grid: gridFor(kind, opts) }));
      const logger = createLevelLogger((globals().logLevel as Config['logLevel'] | undefined) ?? 'warn', writeStderrLine);
      // Before the text vectors: this protocol reads titles and descriptions, not vectors.
      if (opts.protocol === 'llm-rerank') {
        // Titles and descriptions come from the dataset directory (--text, else the ratings path itself).
        const source = await detectFormat(resolve(opts.text ?? path));
        const dataset = source === undefined ? undefined : await loadDataset(source);
        if (dataset === undefined || dataset.batch.items.length === 0) throw new InvalidArgumentError(`--protocol llm-rerank needs item titles: pass --text <dataset dir> (e.g. a MovieLens directory)`);
        const items = new Map<string, Item>(dataset.batch.items.map((it) => [it.id, it]));
        await withEngine(async (engine, cfg) => {
          const chat = createChatModel(cfg.llm.provider, { logger });
          try {
            const report = await runLlmRerankEvaluation(log, {
              model: chat,
              items,
              verbalizer: engine.verbalizer,
              baseModel: opts.models?.[0] ?? 'ease',
              candidates: opts.candidates ?? cfg.llm.rerank.topN,
              users: opts.users ?? 100,
              seed: opts.seed ?? 0,
              historyEvents: cfg.llm.rerank.historyEvents,
              ...(opts.minRating === undefined || opts.minRating === 'none' ? {} : { minValue: numberArg('--min-rating')(opts.minRating) }),
              rerank: { strategy: cfg.llm.rerank.strategy, passes: cfg.llm.rerank.passes, window: cfg.llm.rerank.window, stride: cfg.llm.rerank.stride, budgetMs: cfg.llm.rerank.budgetMs },
              dataset: basename(resolve(path)),
              onProgress: (done, total) => progress.onProgress('re-rank users', done, total),
            });
            progress.stop();
            const md = renderLlmRerankMarkdown(report);
            writeReports(opts.out, JSON.stringify(report, null, 2) + '\n', md);
            print(report, () => md);
          } finally {
            await chat?.close();
          }
        });
        return;
      }
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
      const reference = recboleReference(protocol.name, path);
      const render = (r: ProtocolReport): string => renderMarkdown(r, reference, sequenceReportOptions(protocol.name, path));
      // An S3-Rec file's item attributes (brand, categories), when its `*_item2attributes.json` sits beside it.
      const itemAttributes = opts.format === 's3rec' ? await readS3RecAttributes(resolve(path)) : undefined;
      const report = await runProtocol(log, path, protocol, runs, {
        itemVectors,
        ...(itemAttributes ? { itemAttributes } : {}),
        onProgress: progress.onProgress,
        logger,
        onModel: (m) => {
          progress.stop();
          if (!json) writeStderrLine(`${m.kind}: test ndcg@10=${(m.test.metrics['ndcg@10'] ?? NaN).toFixed(4)} (${m.trials.length} trial(s))`);
        },
        // Each finished model is written at once, so a run stopped later keeps what it measured.
        onReport: (r) => writeReports(opts.out, renderJson(r), render(r)),
      });
      progress.stop();
      const md = render(report);
      writeReports(opts.out, renderJson(report), md);
      print(report, () => md);
    });
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
  delimiter?: string;
  map?: string;
  header?: boolean;
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
  candidates?: number;
  users?: number;
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

/** Whether `path` names MovieLens-1M (`ml-1m/ratings.dat`, `ml1m.csv`, …). */
export function isMovieLens1m(path: string): boolean {
  return /(^|[^a-z0-9])ml-?1m([^a-z0-9]|$)/i.test(path);
}

/**
 * RecBole's published MovieLens-1M table beside the results, only for the RecBole protocol on a
 * MovieLens-1M file: on any other data those numbers compare nothing.
 */
export function recboleReference(protocol: string, path: string): { name: string; table: typeof RECBOLE_ML1M_PUBLISHED } | undefined {
  return protocol === RECBOLE_GENERAL.name && isMovieLens1m(path) ? { name: 'RecBole ML-1M', table: RECBOLE_ML1M_PUBLISHED } : undefined;
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
