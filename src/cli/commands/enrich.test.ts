/**
 * `lmrec enrich`, `enrich list`, `enrich discard` and `evaluate --protocol llm-rerank` as child
 * processes over a real SQLite file, with `LMREC_LLM` pointing at a local server speaking the
 * OpenAI chat protocol with scripted answers; and without an LLM configured.
 * @module
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScriptedChatServer } from '../../llm/test-support/scripted-chat-server.js';
import type { ScriptedChatServer } from '../../llm/test-support/scripted-chat-server.js';
import { createSqliteStorage } from '../../storage/sqlite/sqlite-storage.js';

const MAIN = fileURLToPath(new URL('../main.ts', import.meta.url));
const DEMO = fileURLToPath(new URL('../../../data/demo/ml-latest-small', import.meta.url));

function run(args: readonly string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const base: Record<string, string | undefined> = { ...process.env, LMREC_LOG_LEVEL: 'error' };
    delete base.LMREC_LLM;
    execFile(process.execPath, ['--import', 'tsx', MAIN, ...args], { env: { ...base, ...env }, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('lmrec enrich and evaluate --protocol llm-rerank', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmrec-enrich-cli-'));
  const db = `sqlite://${join(dir, 'e.db')}`;
  let server: ScriptedChatServer;
  let llm: Record<string, string>;

  beforeAll(async () => {
    server = await startScriptedChatServer({ defaultAnswer: { content: 'A heist film about a crew of thieves planning one last job.' } });
    llm = { LMREC_LLM: `openai:${server.baseUrl}#scripted` };
    const storage = createSqliteStorage({ path: join(dir, 'e.db') });
    await storage.items.upsert([
      { id: 'a', title: 'The Vault Job (2025)', attributes: { genres: ['Crime'] } },
      { id: 'b', title: 'Long Known (1999)', text: 'A long description that is well over the threshold of characters, so it is not thin at all.' },
    ]);
    await storage.close();
  });
  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('without an LLM configured, enrich says how to configure one', async () => {
    const res = await run(['--db', db, 'enrich']);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/no LLM configured: set LMREC_LLM=openai:<base-url>#<model>/);
  });

  it('enrich writes thin items only; list shows them; discard removes one, twice is an error', async () => {
    const res = await run(['--db', db, '--json', 'enrich'], llm);
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout)).toMatchObject({ scanned: 2, thin: 1, generated: 1, itemIds: ['a'], promptVersion: 'enrich-v1' });
    const list = await run(['--db', db, '--json', 'enrich', 'list']);
    expect(JSON.parse(list.stdout)).toEqual([expect.objectContaining({ itemId: 'a', text: 'A heist film about a crew of thieves planning one last job.', model: expect.stringContaining(':scripted') as unknown })]);
    expect((await run(['--db', db, 'enrich', 'discard', 'a'])).code).toBe(0);
    const again = await run(['--db', db, 'enrich', 'discard', 'a']);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toMatch(/item "a" has no generated description/);
  });

  it('evaluate --protocol llm-rerank prints both orders, against the configured endpoint or without one', async () => {
    server.setDefault((request) => {
      const user = request.body.messages?.find((m) => m.role === 'user')?.content ?? '';
      const ids = [...(user.split('Candidates:\n')[1] ?? '').matchAll(/^\[([^\]]+)\]/gm)].map((m) => m[1]);
      return { content: JSON.stringify({ order: ids.reverse() }) };
    });
    // One pass: the model's order is the reversed ranker's (several shuffled passes would be aggregated).
    const config = join(dir, 'one-pass.json');
    writeFileSync(config, JSON.stringify({ llm: { rerank: { passes: 1 } } }));
    const args = ['--config', config, '--db', db, '--json', 'evaluate', join(DEMO, 'ratings.csv'), '--text', DEMO, '--protocol', 'llm-rerank', '-m', 'itemknn', '--users', '10', '--seed', '2'];
    const scripted = await run(args, llm);
    expect(scripted.code).toBe(0);
    const report = JSON.parse(scripted.stdout) as { llm: string; users: number; provenance: { llm: number }; ranker: Record<string, number>; reranked: Record<string, number> };
    expect(report).toMatchObject({ users: 10, provenance: { llm: 10 } });
    expect(report.llm).toMatch(/:scripted$/);
    expect(report.ranker['recall@10'] + report.reranked['recall@10']).toBeCloseTo(1, 10);
    const none = JSON.parse((await run(args)).stdout) as typeof report;
    expect(none).toMatchObject({ llm: 'none', ranker: report.ranker, reranked: report.ranker });
  }, 120_000);
});
