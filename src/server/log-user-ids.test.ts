/** User ids in the server's log lines (in process, real SQLite file): pseudonyms by default, raw ids only when asked. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BackendError, createEngine, createLevelLogger, createPseudonymiser, openStorage } from '../index.js';
import type { Engine, Pseudonymiser } from '../index.js';
import { createServer } from './server.js';

const auth = { authorization: 'Bearer log-key' };
const apiKeys = [{ key: 'log-key', scope: 'admin' as const }];
const USER = 'alice@example.com';

describe('user ids in log lines', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmrec-log-ids-'));
  let engine: Engine;
  const pseudonymiser: Pseudonymiser = createPseudonymiser('log-test-secret-0123456789');

  beforeAll(async () => {
    engine = createEngine(await openStorage(`sqlite://${join(dir, 'logs.db')}`));
    await engine.storage.items.upsert([{ id: 'i1', title: 'One' }]);
  });
  afterAll(async () => {
    await engine?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function lines(logUserIds: Pseudonymiser | 'raw' | undefined): Promise<string> {
    const out: string[] = [];
    const app = await createServer({
      engine,
      apiKeys,
      logger: createLevelLogger('debug', (line) => out.push(line)),
      ...(logUserIds === undefined ? {} : { logUserIds }),
      recommend: async (request) => {
        if (request.userId === USER) throw new BackendError(`the model failed for user ${request.userId}`);
        return { modelVersion: 'x@1', items: [] };
      },
    });
    try {
      await app.inject({ method: 'GET', url: `/v1/users/${encodeURIComponent(USER)}/recommendations?k=3`, headers: auth });
      await app.inject({ method: 'PUT', url: `/v1/users/${encodeURIComponent(USER)}`, headers: auth, payload: { attributes: { city: 'Köln' } } });
      await app.inject({ method: 'GET', url: `/v1/users/${encodeURIComponent(USER)}`, headers: auth });
    } finally {
      await app.close();
    }
    return out.join('\n');
  }

  it('names users by pseudonym in request lines and logged error messages', async () => {
    const logged = await lines(pseudonymiser);
    const alias = pseudonymiser.pseudonym(USER);
    expect(logged).toContain(`GET /v1/users/${alias}/recommendations?k=3 503`);
    expect(logged).toContain(`the model failed for user ${alias}`);
    expect(logged).toContain(`PUT /v1/users/${alias} 200`);
    expect(logged).not.toContain('alice');
  });

  it('pseudonymises under a secret of the process when none is given, and logs raw ids only when asked', async () => {
    const defaulted = await lines(undefined);
    expect(defaulted).not.toContain('alice');
    expect(defaulted).toMatch(/GET \/v1\/users\/u_[A-Za-z0-9_-]{16}\/recommendations/);
    const raw = await lines('raw');
    expect(raw).toContain('the model failed for user alice@example.com');
  });
});
