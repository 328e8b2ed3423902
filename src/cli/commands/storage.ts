/**
 * What storage holds: `lmrec models` and `lmrec status`.
 * @module
 */
import type { Command } from 'commander';
import { print, table, withEngine } from '../cli-context.js';

/** Registers `models` and `status`. */
export function registerStorageCommands(program: Command): void {
  program
    .command('models')
    .description('stored model versions')
    .action(async () => {
      await withEngine(async (engine) => {
        const names = await engine.storage.models.names();
        const rows: { name: string; version: number; createdAt: string; meta: Record<string, unknown> }[] = [];
        for (const n of names) for (const v of await engine.storage.models.versions(n)) rows.push({ name: n, version: v.version, createdAt: new Date(v.createdAt).toISOString(), meta: v.meta });
        print(rows, () => table(['model', 'version', 'created', 'params'], rows.map((r) => [r.name, r.version, r.createdAt, JSON.stringify((r.meta as { params?: unknown }).params ?? {})])));
      });
    });

  program
    .command('status')
    .description('what storage holds')
    .action(async () => {
      await withEngine(async (engine, cfg) => {
        const s = engine.storage;
        const status = { storage: s.url, items: await s.items.count(), users: await s.users.count(), events: await s.events.count(), models: await s.models.names() };
        void cfg;
        print(status, () => table(['storage', 'items', 'users', 'events', 'models'], [[status.storage, status.items, status.users, status.events, status.models.join(',') || '–']]));
      });
    });
}
