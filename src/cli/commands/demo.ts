/**
 * `lmrec demo`: the bundled MovieLens demo imported, default models trained, a few lists shown.
 * @module
 */
import type { Command } from 'commander';
import { fileURLToPath } from 'node:url';
import { DEMO_MODELS, describeParams } from '../../index.js';
import { createProgressDisplay, progressWanted, writeStderrLine } from '../progress.js';
import { globals, print, table, withEngine } from '../cli-context.js';

/** A command line reading the same storage as this run: `--db` and `--config` kept when given. */
export function tryCommand(command: string): string {
  const { db, config } = globals();
  const quote = (value: string): string => (/^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`);
  return ['node dist/cli/main.js', ...(config === undefined ? [] : ['--config', quote(config)]), ...(db === undefined ? [] : ['--db', quote(db)]), command].join(' ');
}

/** Registers `demo`. */
export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('import the bundled MovieLens demo (first run), train models, and show recommendations')
    .action(async () => {
      await withEngine(async (engine) => {
        const json = Boolean(globals().json);
        const progress = createProgressDisplay(progressWanted(json));
        const say = (line: string): void => {
          if (!json) writeStderrLine(line);
        };
        let imported;
        if ((await engine.storage.events.count()) === 0) {
          const dir = fileURLToPath(new URL('../../../data/demo/ml-latest-small', import.meta.url));
          say(`importing the MovieLens latest-small demo from ${dir} …`);
          imported = await engine.import({ format: 'movielens-latest', dir });
          say(`imported ${imported.items} items, ${imported.users} users, ${imported.events} events`);
        } else say(`storage ${engine.storage.url} already holds data; reusing it`);
        const trained = [];
        for (const { kind, params = {} } of DEMO_MODELS) {
          if ((await engine.storage.models.versions(kind)).length > 0) continue;
          say(`training ${kind} with ${describeParams(params)} …`);
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
          `\nTry: ${tryCommand('recommend 42')} · ${tryCommand('similar 260')} · node dist/cli/main.js evaluate data/demo/ml-latest-small/ratings.csv\n`,
        );
      });
    });
}
