/**
 * `lmrec copy` end to end (the CLI as a child process, real SQLite files): a copy reports what it
 * wrote and the target then holds the same; copying into a non-empty target is refused naming what
 * it holds, and `--append` of the same data fails on the first taken event seq.
 * @module
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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

describe('lmrec copy', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmrec-cli-copy-'));
  const from = `sqlite://${join(dir, 'from.db')}`;
  const to = `sqlite://${join(dir, 'to.db')}`;
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('copies a storage into an empty one, then refuses a non-empty target unless appending', async () => {
    writeFileSync(join(dir, 'items.csv'), ['id,title', ...Array.from({ length: 12 }, (_, i) => `i${i},Item ${i}`)].join('\n') + '\n');
    const rows: string[] = [];
    for (let u = 0; u < 10; u++) for (let k = 0; k < 5; k++) rows.push(`u${u},i${(u * 5 + k * 3) % 12},${1 + ((u + k) % 5)},${1_700_000_000 + u * 100 + k}`);
    writeFileSync(join(dir, 'events.csv'), ['user,item,rating,timestamp', ...rows].join('\n') + '\n');
    expect((await run(['--db', from, 'import', join(dir, 'items.csv'), '--kind', 'items', '--format', 'csv'])).code).toBe(0);
    expect((await run(['--db', from, 'import', join(dir, 'events.csv'), '--format', 'csv'])).code).toBe(0);
    expect((await run(['--db', from, 'train', 'pop'])).code).toBe(0);

    const copied = await run(['--db', from, '--json', 'copy', '--to', to, '--rows', '7']);
    expect(copied.code, copied.stderr).toBe(0);
    expect(JSON.parse(copied.stdout)).toMatchObject({ items: 12, events: 50, models: 1, imports: 2 });
    const status = await run(['--db', to, '--json', 'status']);
    expect(JSON.parse(status.stdout)).toMatchObject({ items: 12, events: 50, models: ['pop'] });

    const refused = await run(['--json', 'copy', '--from', from, '--to', to]);
    expect(refused.code).not.toBe(0);
    expect(refused.stdout + refused.stderr).toMatch(/is not empty \(it holds items, events, models, imports\)/);
    const appended = await run(['copy', '--from', from, '--to', to, '--append']);
    expect(appended.code).not.toBe(0);
    expect(appended.stderr).toMatch(/event seq \d+ is already stored/);
  }, 120_000);
});
