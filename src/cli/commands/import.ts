/**
 * `lmrec import`: a dataset file or directory into storage, validated whole, then written in bounded
 * transactions.
 * @module
 */
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { resolve } from 'node:path';
import { IMPORT_TRANSACTION_ROWS, detectFormat } from '../../index.js';
import type { ImportSource } from '../../index.js';
import { print, table, withEngine } from '../cli-context.js';

/** Registers `import`. */
export function registerImportCommand(program: Command): void {
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
}

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
