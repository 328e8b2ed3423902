/**
 * `lmrec purge`: deletes events and served lists (with their clicks) older than a window, the
 * retention job of `lmrec serve` run once by hand. Batched, so a server on the same file keeps
 * writing meanwhile.
 * @module
 */
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { parseDuration, purgeExpired } from '../../index.js';
import { intArg, print, table, withEngine } from '../cli-context.js';

const DAY_MS = 86_400_000;

/** Registers `purge`. */
export function registerPurgeCommand(program: Command): void {
  program
    .command('purge')
    .description(
      'delete events and served lists (impressions, with their clicks) older than --older-than, or than retention.eventsDays / retention.impressionsDays when not given; trained model versions are kept until retrained',
    )
    .option('--older-than <duration>', 'age cut-off, e.g. 365d, 12h (applies to events and impressions)')
    .option('--only <what>', 'events | impressions (default: both)')
    .option('--batch <n>', 'rows per transaction', intArg('--batch', 1))
    .action(async (opts: { olderThan?: string; only?: string; batch?: number }) => {
      if (opts.only !== undefined && opts.only !== 'events' && opts.only !== 'impressions') {
        throw new InvalidArgumentError(`--only must be events or impressions, got "${opts.only}"`);
      }
      await withEngine(async (engine, cfg) => {
        const now = Date.now();
        const given = opts.olderThan === undefined ? undefined : parseDuration(opts.olderThan, '--older-than');
        const eventsMs = given ?? (cfg.retention.eventsDays === undefined ? undefined : cfg.retention.eventsDays * DAY_MS);
        const impressionsMs = given ?? (cfg.retention.impressionsDays === undefined ? undefined : cfg.retention.impressionsDays * DAY_MS);
        const eventsBefore = opts.only === 'impressions' || eventsMs === undefined ? undefined : now - eventsMs;
        const impressionsBefore = opts.only === 'events' || impressionsMs === undefined ? undefined : now - impressionsMs;
        if (eventsBefore === undefined && impressionsBefore === undefined) {
          throw new InvalidArgumentError('nothing to purge: give --older-than <duration> or set retention.eventsDays / retention.impressionsDays');
        }
        const removed = await purgeExpired(engine.storage, {
          ...(eventsBefore === undefined ? {} : { eventsBefore }),
          ...(impressionsBefore === undefined ? {} : { impressionsBefore }),
          batchSize: opts.batch ?? cfg.retention.batchSize,
        });
        const iso = (t: number | undefined): string => (t === undefined ? '–' : new Date(t).toISOString());
        const result = {
          ...removed,
          ...(eventsBefore === undefined ? {} : { eventsBefore: iso(eventsBefore) }),
          ...(impressionsBefore === undefined ? {} : { impressionsBefore: iso(impressionsBefore) }),
        };
        print(result, () =>
          table(
            ['deleted', 'rows', 'older than'],
            [
              ['events', removed.events, iso(eventsBefore)],
              ['impressions', removed.impressions, iso(impressionsBefore)],
              ['clicks', removed.clicks, iso(impressionsBefore)],
            ],
          ) + 'Stored model versions keep what they learnt from deleted events until they are retrained.\n',
        );
      });
    });
}
