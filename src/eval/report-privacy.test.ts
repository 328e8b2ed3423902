/**
 * Evaluation reports are exported (`lmrec evaluate --out`, the dashboard's Evaluation page), so they
 * must name no user: they hold aggregate figures only (C22).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readInteractionFile } from '../ingest/index.js';
import { RECBOLE_GENERAL, runProtocol } from './protocol.js';
import { renderJson, renderMarkdown } from './report.js';

describe('evaluation reports', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmrec-report-privacy-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('contain no user id, in JSON or Markdown', async () => {
    const rows: string[] = ['user,item,rating,timestamp'];
    for (let u = 0; u < 60; u++) for (let j = 0; j < 15; j++) rows.push(`person-${u}@mail.example,item${(u * 7 + j * 3) % 30},${3 + ((u + j) % 3)},${1_700_000_000 + u * 100 + j}`);
    const file = join(dir, 'ratings.csv');
    writeFileSync(file, rows.join('\n') + '\n');
    const log = await readInteractionFile(file);
    const report = await runProtocol(log, 'people', { ...RECBOLE_GENERAL, kCore: undefined }, [{ kind: 'pop', grid: {} }]);
    const exported = renderJson(report) + renderMarkdown(report);
    expect(report.split.testUsers).toBeGreaterThan(0);
    expect(exported).not.toMatch(/person-|mail\.example/);
  }, 60_000);
});
