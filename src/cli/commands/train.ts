/**
 * `lmrec train` and `lmrec train-ranker`: train models on everything stored and save new versions.
 * @module
 */
import type { Command } from 'commander';
import { MODEL_KINDS, ModelManager, describeParams, formatRankerTable, resolveTrainParams, trainEngineRanker, validateModelParams } from '../../index.js';
import type { ModelParams, TrainResult } from '../../index.js';
import { createProgressDisplay, progressWanted, writeStderrLine } from '../progress.js';
import { globals, paramsFor, parseModels, parseParam, print, table, withEngine } from '../cli-context.js';

/** Registers `train` and `train-ranker`. */
export function registerTrainCommands(program: Command): void {
  program
    .command('train')
    .description(
      "train models on everything stored and save a new version of each; without -p, with the parameters of the model's newest stored version, else the shared defaults (DEFAULT_TRAIN_PARAMS: ease lambda=500, minSupport=5; itemknn k=100, shrink=10), as the server does",
    )
    .argument('[models...]', `models to train (${MODEL_KINDS.join(', ')})`, ['ease'])
    .option('-p, --param <key=value>', 'hyper-parameter (repeatable), checked against the model\'s schema, e.g. -p lambda=500; model.key=value applies to one of several models', parseParam, {})
    .action(async (models: string[], opts: { param: ModelParams }) => {
      for (const m of models) parseModels(m);
      // Every model's given parameters are checked before the first one trains.
      const given = new Map(models.map((m) => [m, validateModelParams(m, paramsFor(m, models, opts.param))]));
      await withEngine(async (engine, cfg) => {
        const json = Boolean(globals().json);
        const progress = createProgressDisplay(progressWanted(json));
        const results: TrainResult[] = [];
        // With lifecycle.autoActivate (default) a version trained here goes into service as one trained
        // by a server's job does: activated (persisted), so a running `lmrec serve` swaps it in.
        const manager = cfg.lifecycle.autoActivate ? new ModelManager(engine) : undefined;
        for (const m of models) {
          // The same rule as the server's training jobs (resolveTrainParams), said before training.
          const resolved = await resolveTrainParams(engine.storage, m, given.get(m));
          if (!json) writeStderrLine(`training ${m} with ${describeParams(resolved.params)} (${sourceWords(resolved.source)}; -p key=value to change)`);
          const result = await engine.train(m, validateModelParams(m, resolved.params), { onProgress: progress.onProgress });
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
}

/** Where trained parameters came from, in words. */
function sourceWords(source: string): string {
  if (source === 'given') return 'given with -p';
  if (source === 'defaults') return 'the shared defaults, as the server uses';
  if (source === 'model defaults') return "the model's own defaults";
  return `as the newest stored ${source}, as the server uses`;
}
