/**
 * `lmrec copy`: everything one storage holds into another, between any two storage URLs (SQLite to
 * PostgreSQL and back), streamed in bounded transactions with a progress bar (`copyStorage`).
 * `lmrec import` stays the command for dataset files.
 * @module
 */
import type { Command } from 'commander';
import { COPY_TRANSACTION_ROWS, copyStorage, openStorage, redactUrl } from '../../index.js';
import type { Storage } from '../../index.js';
import { config, globals, intArg, print, table } from '../cli-context.js';
import { createProgressDisplay, progressWanted } from '../progress.js';

/** Registers `copy`. */
export function registerCopyCommand(program: Command): void {
  program
    .command('copy')
    .description(
      'copy all stored data (catalogue, users, events with their seqs and times, impressions and clicks, every model version with its activation, embeddings, logs, settings) from one storage URL to another; the target must be empty unless --append',
    )
    .requiredOption('--to <url>', 'target storage URL, e.g. postgres://lmrec@127.0.0.1:5432/lmrec or sqlite://var/copy.db')
    .option('--from <url>', 'source storage URL (default: the configured storage, --db or LMREC_STORAGE_URL)')
    .option('--append', 'copy into a target that already holds data: items and users are upserted; an event seq, model version or log id the target holds fails the copy')
    .option('--rows <n>', `rows per target transaction (default ${COPY_TRANSACTION_ROWS})`, intArg('--rows'))
    .action(async (opts: { to: string; from?: string; append?: boolean; rows?: number }) => {
      const fromUrl = opts.from ?? config().storageUrl;
      const opened: Storage[] = [];
      const display = createProgressDisplay(progressWanted(globals().json));
      try {
        const from = await openStorage(fromUrl, { readonly: true });
        opened.push(from);
        const to = await openStorage(opts.to);
        opened.push(to);
        const t0 = performance.now();
        const report = await copyStorage(from, to, {
          append: opts.append === true,
          ...(opts.rows === undefined ? {} : { transactionRows: opts.rows }),
          onProgress: display.onProgress,
        });
        display.stop();
        const seconds = (performance.now() - t0) / 1000;
        print({ from: redactUrl(fromUrl), to: redactUrl(opts.to), ...report, seconds }, () =>
          table(
            ['items', 'users', 'events', 'impressions', 'clicks', 'model versions', 'model MB', 'embeddings', 'seconds'],
            [[report.items, report.users, report.events, report.impressions, report.clicks, report.models, (report.modelBytes / 1e6).toFixed(1), report.embeddings, seconds.toFixed(1)]],
          ),
        );
      } finally {
        display.stop();
        for (const storage of opened.reverse()) await storage.close();
      }
    });
}
