/**
 * What every `lmrec` command shares: the Commander program with its global options, configuration,
 * opening the engine for one command, printing (a table, or one JSON document under `--json`),
 * argument parsers and the table renderer.
 * @module
 */
import { Command, InvalidArgumentError } from 'commander';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { DEFAULT_FEEDBACK_POLICY, MODEL_KINDS, createEncoder, createEngine, createLevelLogger, createServingEncoder, loadConfig, openStorage, parseDuration } from '../index.js';
import type { Config, Engine, ModelParams } from '../index.js';
import { writeStderrLine } from './progress.js';

/** Options every command takes. */
export interface GlobalOptions {
  config?: string;
  db?: string;
  json?: boolean;
  logLevel?: string;
}

/** Set once Commander has printed an error of its own (usage errors), so it is not printed twice. */
let commanderPrinted = false;

/** Whether Commander already printed a usage error itself. */
export function commanderHasPrinted(): boolean {
  return commanderPrinted;
}

/** The `lmrec` program; command groups add their commands to it (`commands/*.ts`). */
export const program = new Command();
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

export function globals(): GlobalOptions {
  return program.opts<GlobalOptions>();
}

export function config(): Config {
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
export async function withEngine<T>(fn: (engine: Engine, cfg: Config) => Promise<T>, options: { serving?: boolean } = {}): Promise<T> {
  const cfg = config();
  // Log lines go through the progress display, so they never glue onto a bar.
  const logger = createLevelLogger(cfg.logLevel, writeStderrLine);
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
    ...(options.serving ? { historyText: 'background' as const, retrievalThreads: { threads: retrievalThreadCount(cfg.server.retrievalThreads), minItems: cfg.server.retrievalMinItems } } : {}),
  });
  try {
    return await fn(engine, cfg);
  } finally {
    await engine.close();
  }
}

/**
 * Threads of `server.retrievalThreads`: `auto` = the cores but one, at least 2 on a machine of 2
 * cores or more (2 threads served 1M-item first lists faster than 1 on 2 cores,
 * `bench/results/scale.md`), at most 4.
 */
export function retrievalThreadCount(setting: number | 'auto'): number {
  if (setting !== 'auto') return setting;
  const cores = availableParallelism();
  return cores < 2 ? 1 : Math.min(4, Math.max(2, cores - 1));
}

export function print(json: unknown, table: () => string): void {
  if (globals().json) process.stdout.write(JSON.stringify(json, null, 2) + '\n');
  else process.stdout.write(table());
}

export function intArg(name: string, min = 1) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be an integer ≥ ${min}, got "${v}"`);
    return n;
  };
}

export function numberArg(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n)) throw new InvalidArgumentError(`${name} must be a number, got "${v}"`);
    return n;
  };
}

export function parseParam(v: string, prev: ModelParams = {}): ModelParams {
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
export function paramsFor(model: string, models: readonly string[], params: ModelParams): ModelParams {
  const out: ModelParams = {};
  for (const [key, value] of Object.entries(params)) {
    const dot = key.indexOf('.');
    if (dot < 0) out[key] = value;
    else if (!models.includes(key.slice(0, dot))) throw new InvalidArgumentError(`--param ${key}: "${key.slice(0, dot)}" is not among the models trained (${models.join(', ')})`);
    else if (key.slice(0, dot) === model) out[key.slice(dot + 1)] = value;
  }
  return out;
}

export function parseModels(v: string): string[] {
  const list = v.split(',').map((s) => s.trim()).filter(Boolean);
  for (const m of list) {
    if (!(MODEL_KINDS as readonly string[]).includes(m)) throw new InvalidArgumentError(`unknown model "${m}"; known: ${MODEL_KINDS.join(', ')}`);
  }
  return list;
}

export function table(headers: string[], rows: (string | number)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map((c) => (typeof c === 'number' ? (Number.isInteger(c) ? String(c) : c.toFixed(4)) : c)))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => String(r[i] ?? '').length)));
  return cells.map((r) => r.map((c, i) => String(c ?? '').padEnd(widths[i])).join('  ').trimEnd()).join('\n') + '\n';
}

/** Writes report.json and report.md into `out` (nothing without it). */
export function writeReports(out: string | undefined, json: string, md: string): void {
  if (!out) return;
  const dir = resolve(out);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'report.json'), json);
  writeFileSync(join(dir, 'report.md'), md);
}

