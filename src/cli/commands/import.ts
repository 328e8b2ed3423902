/**
 * `lmrec import`: a dataset file or directory into storage, validated whole, then written in bounded
 * transactions.
 * @module
 */
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { existsSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { IMPORT_TRANSACTION_ROWS, detectFormat, kindFromFileName, mappingFromFlags, parseStorageUrl } from '../../index.js';
import type { CsvMapping, ImportSource } from '../../index.js';
import { config, print, table, withEngine } from '../cli-context.js';

/** Registers `import`. */
export function registerImportCommand(program: Command): void {
  program
    .command('import')
    .description(`import a dataset into storage (MovieLens dir, S3-Rec file, CSV, JSONL), validated whole first, then written in transactions of ${IMPORT_TRANSACTION_ROWS} rows`)
    .argument('<path>', 'directory or file')
    .option('-f, --format <format>', 'movielens-100k | movielens-latest | s3rec | csv | jsonl (detected when omitted; csv when --delimiter or --map is given)')
    .option('-k, --kind <kind>', 'items | users | events (csv and jsonl; default: items or users only for a file named items.csv, users.csv, … else events)')
    .option('-d, --delimiter <d>', 'csv field delimiter: tab, comma, semicolon, pipe, whitespace, or the characters (e.g. "::")')
    .option('--map <fields>', 'columns of the record fields, by header name or 0-based index: user=<col>,item=<col>,value=<col>,timestamp=<col> (events); id=<col>,title=<col> (items)')
    .option('--header', 'the first row is a header (detected when neither is given)')
    .option('--no-header', 'the first row is data')
    .option('--force', 'import even when the same content was imported before (its events are then stored twice)')
    .option('--allow-unknown-items', 'store events (csv and jsonl) naming items the catalogue does not hold (default: config unknownItems, reject)')
    .action(async (path: string, opts: { format?: string; kind?: string; delimiter?: string; map?: string; header?: boolean; force?: boolean; allowUnknownItems?: boolean }) => {
      const source = await importSourceFor(resolve(path), opts.format, opts.kind, mappingFromFlags(opts));
      // A storage file this command would create is removed again when the import fails.
      const location = parseStorageUrl(config().storageUrl);
      const created = location.backend === 'sqlite' && location.path !== ':memory:' && !existsSync(location.path) ? location.path : undefined;
      try {
        await withEngine(async (engine, cfg) => {
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
      } catch (error) {
        if (created !== undefined) for (const file of [created, `${created}-wal`, `${created}-shm`]) rmSync(file, { force: true });
        throw error;
      }
    });
}

/**
 * The source to import: `--format` (or the detected one), with `--kind` applied whenever given and the
 * column flags applied to a CSV source (given them, a file of any extension is read as CSV).
 */
async function importSourceFor(path: string, format: string | undefined, kind: string | undefined, mapping: CsvMapping | undefined): Promise<ImportSource> {
  if (kind !== undefined && kind !== 'items' && kind !== 'users' && kind !== 'events') throw new InvalidArgumentError(`--kind must be items, users or events, got "${kind}"`);
  let source: ImportSource;
  if (format === undefined) {
    const detected = mapping === undefined ? await detectFormat(path) : undefined;
    if (detected !== undefined) source = detected;
    else if (mapping !== undefined) source = { format: 'csv', kind: kindFromFileName(path), file: path };
    else throw new InvalidArgumentError(`cannot tell the format of ${path}; pass --format (or --delimiter / --map for a delimited file)`);
  } else {
    switch (format) {
      case 'movielens-100k':
      case 'movielens-latest':
        source = { format, dir: path };
        break;
      case 's3rec':
        source = { format: 's3rec', file: path };
        break;
      case 'csv':
      case 'jsonl':
        source = { format, kind: kindFromFileName(path), file: path };
        break;
      default:
        throw new InvalidArgumentError(`--format must be movielens-100k, movielens-latest, s3rec, csv or jsonl, got "${format}"`);
    }
  }
  if (source.format === 'csv' || source.format === 'jsonl') {
    if (kind !== undefined) source = { ...source, kind };
    if (mapping !== undefined) {
      if (source.format !== 'csv') throw new InvalidArgumentError('--delimiter, --map and --header apply to csv files only');
      source = { ...source, mapping: { ...source.mapping, ...mapping } };
    }
  } else if (kind !== undefined || mapping !== undefined) {
    throw new InvalidArgumentError(`--kind, --delimiter, --map and --header apply to csv and jsonl files; ${path} is read as ${source.format}`);
  }
  return source;
}
