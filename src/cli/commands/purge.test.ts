/**
 * `lmrec purge` as a child process over a real SQLite file: deletes what is older than the window,
 * reads the windows from the config when no --older-than is given, and refuses to guess one.
 * @module
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createSqliteStorage } from '../../storage/sqlite/sqlite-storage.js';

const MAIN = fileURLToPath(new URL('../main.ts', import.meta.url));
const DAY = 86_400_000;

function run(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', MAIN, ...args], { env: { ...process.env, LMREC_LOG_LEVEL: 'error' } }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('lmrec purge', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmrec-purge-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('deletes events and impressions older than --older-than, or than the configured windows', async () => {
    const path = join(dir, 'p.db');
    const storage = createSqliteStorage({ path });
    const now = Date.now();
    await storage.events.append([
      { userId: 'u1', itemId: 'i1', type: 'view', timestamp: now - 400 * DAY },
      { userId: 'u1', itemId: 'i2', type: 'view', timestamp: now - 100 * DAY },
      { userId: 'u2', itemId: 'i1', type: 'view', timestamp: now - DAY },
    ]);
    await storage.impressions.record({ id: 'old', userId: 'u1', modelVersion: 'ease@1', variant: 'A', itemIds: ['i1'], createdAt: now - 400 * DAY });
    await storage.impressions.record({ id: 'mid', userId: 'u1', modelVersion: 'ease@1', variant: 'A', itemIds: ['i1'], createdAt: now - 40 * DAY });
    await storage.close();
    const db = `sqlite://${path}`;

    const refused = await run(['--db', db, 'purge']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/give --older-than <duration> or set retention\.eventsDays/);

    const first = await run(['--db', db, '--json', 'purge', '--older-than', '365d']);
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ events: 1, impressions: 1, clicks: 0 });

    const config = join(dir, 'lmrec.config.json');
    writeFileSync(config, JSON.stringify({ retention: { eventsDays: 30, impressionsDays: 30 } }));
    const onlyEvents = await run(['--db', db, '--config', config, '--json', 'purge', '--only', 'events']);
    expect(onlyEvents.code).toBe(0);
    expect(JSON.parse(onlyEvents.stdout)).toMatchObject({ events: 1, impressions: 0 });
    const table = await run(['--db', db, '--config', config, 'purge']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/impressions\s+1/);
    expect(table.stdout).toMatch(/keep what they learnt/);

    const reopened = createSqliteStorage({ path });
    expect(await reopened.events.count()).toBe(1);
    expect(await reopened.impressions.get('mid')).toBeUndefined();
    await reopened.close();
  }, 60_000);
});
