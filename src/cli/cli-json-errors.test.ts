/** The CLI's promise for `--json`: exactly one JSON document on stdout, also when a command fails. */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));

function run(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', MAIN, ...args], { env: { ...process.env, LMREC_LOG_LEVEL: 'error' } }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('lmrec --json on failure', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmrec-cli-json-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const db = `sqlite://${join(dir, 'cli.db')}`;

  it.each([
    [['--json', '--bogus'], 'invalid_argument', /unknown option '--bogus'/],
    [['--json', 'recommend'], 'invalid_argument', /missing required argument 'userId'/],
    [['--json', '--db', db, 'train', 'nosuchmodel'], 'invalid_argument', /unknown model "nosuchmodel"/],
    [['--json', '--db', db, 'similar', 'nope'], 'not_found', /nope/],
    [['--json', '--db', db, 'train', 'itemknn', '-p', 'k=0'], 'validation_failed', /itemknn: parameter "k" must be ≥ 1, got 0/],
    [['--json', '--db', db, 'train', 'itemknn', 'ease', '-p', 'lambda=500'], 'validation_failed', /itemknn: unknown parameter "lambda"; known parameters: k, shrink, aggregate/],
  ])('%j prints one error document and exits 1', async (args, code, message) => {
    const r = await run(args);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout) as { error: { code: string; message: string } };
    expect(doc.error.code).toBe(code);
    expect(doc.error.message).toMatch(message);
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    // The reason is on stderr too, once.
    expect(r.stderr).toMatch(message);
  }, 60_000);

  it('import refuses the same content twice and events of unknown items, unless told otherwise', async () => {
    const events = fileURLToPath(new URL('../ingest/fixtures/jsonl/events.jsonl', import.meta.url));
    const importDb = `sqlite://${join(dir, 'import.db')}`;
    const unknown = await run(['--json', '--db', importDb, 'import', events]);
    expect(unknown.code).toBe(1);
    expect(JSON.parse(unknown.stdout)).toMatchObject({ error: { code: 'validation_failed', message: expect.stringMatching(/events\.jsonl line 1: field "itemId": unknown item "i1"/) } });
    expect((await run(['--json', '--db', importDb, 'import', events, '--allow-unknown-items'])).code).toBe(0);
    const again = await run(['--json', '--db', importDb, 'import', events, '--allow-unknown-items']);
    expect(again.code).toBe(1);
    expect(JSON.parse(again.stdout)).toMatchObject({ error: { code: 'conflict', message: expect.stringMatching(/already imported .*--force/) } });
    const forced = await run(['--json', '--db', importDb, 'import', events, '--allow-unknown-items', '--force']);
    expect(forced.code).toBe(0);
    expect(JSON.parse(forced.stdout)).toMatchObject({ format: 'jsonl', events: 3 });
  }, 60_000);

  it('keeps errors plain without --json and help exits 0', async () => {
    const r = await run(['--db', db, 'similar', 'nope']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/lmrec: .*nope/);
    expect((await run(['--help'])).code).toBe(0);
  }, 60_000);
});
