/**
 * `lmrec enrich`: writes descriptions for items whose own text is thin, through the configured LLM
 * (`LMREC_LLM`), stored beside the items (`enrich list` to review, `enrich discard <item>` to drop
 * one); the text models read them from their next training, and `lmrec serve` re-encodes them.
 * @module
 */
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { createChatModel, discardGeneratedText, enrichThinItems } from '../../index.js';
import { createProgressDisplay, progressWanted } from '../progress.js';
import { globals, intArg, print, table, withEngine } from '../cli-context.js';

/** Registers `enrich`, `enrich list` and `enrich discard`. */
export function registerEnrichCommands(program: Command): void {
  const enrich = program
    .command('enrich')
    .description('write descriptions for items whose own text is shorter than --min-chars, with the configured LLM (LMREC_LLM); stored beside the items, never over their text')
    .option('--min-chars <n>', 'thin below this many characters (default llm.enrichment.minChars)', intArg('--min-chars', 1))
    .option('--max-items <n>', 'at most this many descriptions (default llm.enrichment.maxItems)', intArg('--max-items', 1))
    .option('--items <ids>', 'only these item ids, comma-separated', (v: string) => v.split(',').filter((id) => id !== ''))
    .option('--force', 'write again for items that already have a generated description')
    .action(async (opts: { minChars?: number; maxItems?: number; items?: string[]; force?: boolean }) => {
      await withEngine(async (engine, cfg) => {
        const chat = createChatModel(cfg.llm.provider, { cache: engine.storage.llmCache });
        if (chat === undefined) throw new InvalidArgumentError('no LLM configured: set LMREC_LLM=openai:<base-url>#<model> (key in LMREC_LLM_API_KEY) or gguf:<path>, or llm.provider in lmrec.config.json');
        const progress = createProgressDisplay(progressWanted(Boolean(globals().json)));
        try {
          const report = await enrichThinItems(engine, chat, {
            minChars: opts.minChars ?? cfg.llm.enrichment.minChars,
            maxItems: opts.maxItems ?? cfg.llm.enrichment.maxItems,
            ...(opts.items === undefined ? {} : { itemIds: opts.items }),
            force: Boolean(opts.force),
            onProgress: (done, total) => progress.onProgress('describe items', done, total),
          });
          progress.stop();
          const { items, ...summary } = report;
          print({ ...summary, itemIds: items.map((it) => it.id) }, () =>
            table(
              ['scanned', 'thin', 'generated', 'kept', 'failed', 'model', 'prompt', 'seconds'],
              [[report.scanned, report.thin, report.generated, report.kept, report.failed, report.model, report.promptVersion, report.seconds]],
            ) + (report.errors.length > 0 ? `first failures:\n${report.errors.map((e) => `  ${e}`).join('\n')}\n` : '') + 'The text models read the descriptions from their next training (lmrec train semantic); review with lmrec enrich list.\n',
          );
        } finally {
          progress.stop();
          await chat.close();
        }
      });
    });

  enrich
    .command('list')
    .description('generated descriptions, for review')
    .option('--after <itemId>', 'page after this item id')
    .option('--limit <n>', 'at most this many', intArg('--limit', 1), 50)
    .action(async (opts: { after?: string; limit: number }) => {
      await withEngine(async (engine) => {
        const list = await engine.storage.generatedTexts.list({ ...(opts.after === undefined ? {} : { after: opts.after }), limit: opts.limit });
        const titles = new Map((await engine.storage.items.getMany(list.map((g) => g.itemId))).map((it) => [it.id, it.title]));
        print(list, () => table(['item', 'title', 'model', 'prompt', 'created', 'text'], list.map((g) => [g.itemId, titles.get(g.itemId) ?? '', g.model, g.promptVersion, new Date(g.createdAt).toISOString(), g.text.length > 80 ? `${g.text.slice(0, 79)}…` : g.text])));
      });
    });

  enrich
    .command('discard <itemId>')
    .description("discard an item's generated description (the text models read its own text again from their next training)")
    .action(async (itemId: string) => {
      await withEngine(async (engine) => {
        await discardGeneratedText(engine, itemId);
        print({ discarded: itemId }, () => `discarded the generated description of ${itemId}\n`);
      });
    });
}
