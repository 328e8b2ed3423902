/**
 * CLI commands end to end on a small generated dataset (real SQLite file, the CLI as a child
 * process): `train` says which parameters it used and shares the server's defaults, `evaluate`
 * prints published numbers only beside the dataset they were measured on, `demo`'s suggestions keep
 * `--db`.
 * @module
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { program } from './cli-context.js';
import { tryCommand } from './commands/demo.js';
import { isMovieLens1m, recboleReference } from './commands/evaluate.js';

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));
const LASTFM = fileURLToPath(new URL('../ingest/fixtures/lastfm/', import.meta.url));

function run(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', MAIN, ...args], { env: { ...process.env, LMREC_LOG_LEVEL: 'error' } }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('lmrec commands', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmrec-cli-commands-'));
  const db = `sqlite://${join(dir, 'cli.db')}`;
  const ratings = join(dir, 'other-data', 'ratings.csv');

  beforeAll(() => {
    writeFileSync(join(dir, 'items.csv'), ['id,title', ...Array.from({ length: 30 }, (_, i) => `i${i},Item ${i}`)].join('\n') + '\n');
    const rows: string[] = [];
    for (let u = 0; u < 40; u++) for (let k = 0; k < 12; k++) rows.push(`u${u},i${(u * 7 + k * 5) % 30},${1 + ((u + k) % 5)},${1_700_000_000 + u * 100 + k}`);
    writeFileSync(join(dir, 'events.csv'), ['user,item,rating,timestamp', ...rows].join('\n') + '\n');
    mkdirSync(join(dir, 'other-data'));
    writeFileSync(ratings, rows.join('\n') + '\n');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('trains with the shared defaults first, then with the newest version\'s parameters, and says so', async () => {
    expect((await run(['--db', db, 'import', join(dir, 'items.csv'), '--kind', 'items', '--format', 'csv'])).code).toBe(0);
    expect((await run(['--db', db, 'import', join(dir, 'events.csv'), '--format', 'csv'])).code).toBe(0);
    const first = await run(['--db', db, 'train', 'ease']);
    expect(first.code).toBe(0);
    expect(first.stderr).toMatch(/training ease with lambda=500, minSupport=5 \(the shared defaults, as the server uses; -p key=value to change\)/);
    const second = await run(['--db', db, 'train', 'ease', 'itemknn', '-p', 'itemknn.k=20']);
    expect(second.code).toBe(0);
    expect(second.stderr).toMatch(/training ease with lambda=500, minSupport=5[^(]*\(as the newest stored version 1, as the server uses/);
    expect(second.stderr).toMatch(/training itemknn with k=20 \(given with -p/);
  }, 120_000);

  it('prints RecBole\'s ML-1M numbers only beside MovieLens-1M results', async () => {
    const r = await run(['evaluate', ratings, '-m', 'pop', '--kcore', '0', '--no-grid']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/pop/);
    expect(r.stdout).not.toMatch(/RecBole ML-1M/);
    expect(isMovieLens1m('/data/ml-1m/ratings.dat')).toBe(true);
    expect(isMovieLens1m('ml1m.csv')).toBe(true);
    expect(isMovieLens1m('/data/ml-10m/ratings.dat')).toBe(false);
    expect(isMovieLens1m('/data/html-1mb/ratings.csv')).toBe(false);
    expect(recboleReference('recbole-general', '/data/ml-1m/ratings.dat')?.name).toBe('RecBole ML-1M');
    expect(recboleReference('recbole-general', ratings)).toBeUndefined();
  }, 120_000);

  it('writes report.json and report.md after each model, so a stopped evaluation keeps what it measured', async () => {
    const out = join(dir, 'stopped-report');
    // A BPR fit that would run for minutes: the run is stopped while it trains, after pop has finished.
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', MAIN, 'evaluate', ratings, '-m', 'pop,bpr', '--kcore', '0', '--grid', 'bpr.epochs=1000000', '--grid', 'bpr.patience=1000000', '--grid', 'bpr.evalEvery=1', '--out', out],
      { stdio: 'ignore', env: { ...process.env, LMREC_LOG_LEVEL: 'error' } },
    );
    const exited = new Promise((resolve) => child.once('exit', resolve));
    const file = join(out, 'report.json');
    const deadline = Date.now() + 90_000;
    while (!existsSync(file) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGTERM');
    await exited;
    const report = JSON.parse(readFileSync(file, 'utf8')) as { complete: boolean; modelsPlanned: string[]; models: { kind: string }[] };
    expect(report.complete).toBe(false);
    expect(report.modelsPlanned).toEqual(['pop', 'bpr']);
    expect(report.models.map((m) => m.kind)).toEqual(['pop']);
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toMatch(/Partial report: 1 of 2 models/);
  }, 120_000);

  it('keeps --db (and --config) in the commands demo suggests', () => {
    program.setOptionValue('db', 'sqlite://var/my shop.db');
    program.setOptionValue('config', 'conf.json');
    expect(tryCommand('recommend 42')).toBe("node dist/cli/main.js --config conf.json --db 'sqlite://var/my shop.db' recommend 42");
    program.setOptionValue('db', undefined);
    program.setOptionValue('config', undefined);
    expect(tryCommand('similar 260')).toBe('node dist/cli/main.js similar 260');
  });

  it('imports and evaluates a Last.fm-style dataset with --kind, --delimiter and --map, and creates no file when an import fails', async () => {
    const lastfm = `sqlite://${join(dir, 'lastfm.db')}`;
    const failed = await run(['--db', lastfm, 'import', join(LASTFM, 'user_artists.dat'), '--delimiter', 'tab']);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/columns found: "userID", "artistID", "weight"\); name the column with --map item=<column>/);
    expect(existsSync(join(dir, 'lastfm.db'))).toBe(false);
    const artists = await run(['--db', lastfm, '--json', 'import', join(LASTFM, 'artists.dat'), '--kind', 'items', '--delimiter', 'tab']);
    expect(artists.code).toBe(0);
    expect(JSON.parse(artists.stdout)).toMatchObject({ format: 'csv', items: 6, events: 0 });
    const plays = await run(['--db', lastfm, '--json', 'import', join(LASTFM, 'user_artists.dat'), '--delimiter', 'tab', '--map', 'item=artistID,value=weight']);
    expect(plays.code).toBe(0);
    expect(JSON.parse(plays.stdout)).toMatchObject({ events: 15, users: 0 });
    const evaluated = await run(['--json', 'evaluate', join(LASTFM, 'user_artists.dat'), '--delimiter', 'tab', '--map', 'item=artistID,value=weight', '--min-rating', 'none', '--kcore', '0', '-m', 'pop', '--no-grid']);
    expect(evaluated.code).toBe(0);
    expect(JSON.parse(evaluated.stdout)).toHaveProperty('models');
  }, 120_000);
});
