/**
 * Asking stored models: `lmrec recommend`, `similar`, `embed` (the catalogue's vectors) and `query`.
 * @module
 */
import type { Command } from 'commander';
import { createProgressDisplay, progressWanted } from '../progress.js';
import { globals, intArg, print, table, withEngine } from '../cli-context.js';

/** Registers `recommend`, `similar`, `embed` and `query`. */
export function registerAskCommands(program: Command): void {
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
}
