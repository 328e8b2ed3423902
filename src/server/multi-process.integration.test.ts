/**
 * Three `lmrec serve` processes on one storage, SQLite file and PostgreSQL server alike: what one
 * process is sent reaches the others' in-memory state (trending, the catalogue), exactly one of them
 * is the trainer and a version it trains is served by all, and a `kill -9` of one process under load
 * fails no request to the others, loses no acknowledged event and hands the trainer role over.
 * `serve --workers 2` runs two such processes behind one port.
 */
import { spawn } from 'node:child_process';
import { get } from 'node:http';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, openStorage } from '../index.js';
import { writeDemoSlice } from '../lifecycle/test-support.js';
import { postgresForTests } from '../storage/postgres/postgres-test-server.js';
import type { TestPostgres } from '../storage/postgres/postgres-test-server.js';

const MAIN = fileURLToPath(new URL('../cli/main.ts', import.meta.url));
const TSX = pathToFileURL(fileURLToPath(new URL('../../node_modules/tsx/dist/loader.mjs', import.meta.url))).href;
const KEY = 'multi-process-admin-key';

interface Served {
  child: ChildProcessWithoutNullStreams;
  url: string;
  log: () => string;
}

const postgres = await postgresForTests();
const pgServer: TestPostgres | undefined = postgres.server;
afterAll(async () => pgServer?.stop());

async function serve(storageUrl: string, config: string, cwd: string, extra: readonly string[] = []): Promise<Served> {
  const child = spawn(process.execPath, ['--import', TSX, MAIN, '--db', storageUrl, '--config', config, '--json', '--log-level', 'warn', 'serve', '--port', '0', '--no-dashboard', ...extra], {
    cwd,
    env: { ...process.env, LMREC_API_KEYS: `${KEY}:admin` },
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('\n')) resolve((JSON.parse(out.split('\n')[0]) as { url: string }).url);
    });
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${stderr}`)));
  });
  return { child, url, log: () => stderr };
}

async function call<T = Record<string, unknown>>(server: Served, method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${KEY}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as T };
}

/** Polls `probe` until it returns true, at most `ms`; returns how long it took. */
async function until(probe: () => Promise<boolean>, ms: number): Promise<number> {
  const t0 = Date.now();
  while (Date.now() - t0 < ms) {
    if (await probe()) return Date.now() - t0;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`not within ${ms} ms`);
}

const backends: { name: string; url: (dir: string) => Promise<string>; skip?: string }[] = [
  { name: 'sqlite', url: async (dir) => `sqlite://${join(dir, 'shared.db')}` },
  { name: 'postgres', url: async () => (pgServer ? pgServer.createDatabase() : ''), ...(postgres.reason === undefined ? {} : { skip: postgres.reason }) },
];

for (const backend of backends) {
  describe.skipIf(backend.skip !== undefined)(`three serve processes on ${backend.name}${backend.skip ? ` (skipped: ${backend.skip})` : ''}`, () => {
    const dir = mkdtempSync(join(tmpdir(), `lmrec-multi-${backend.name}-`));
    let storageUrl = '';
    let servers: Served[] = [];

    beforeAll(async () => {
      storageUrl = await backend.url(dir);
      writeDemoSlice(dir, 60);
      const engine = createEngine(await openStorage(storageUrl));
      await engine.import({ format: 'movielens-latest', dir });
      await engine.train('itemknn', { k: 20 });
      await engine.train('pop', {});
      await engine.close();
      const config = join(dir, 'lmrec.config.json');
      writeFileSync(config, JSON.stringify({ lifecycle: { syncEvery: '300ms', trainerLease: '1500ms', followEvery: '30ms' } }));
      servers = await Promise.all([0, 1, 2].map(() => serve(storageUrl, config, dir)));
    }, 180_000);

    afterAll(async () => {
      const running = servers.filter((s) => s.child.exitCode === null && s.child.signalCode === null);
      const exited = running.map((s) => new Promise((r) => s.child.once('exit', r)));
      for (const s of running) s.child.kill('SIGTERM');
      await Promise.all(exited);
      rmSync(dir, { recursive: true, force: true });
    });

    async function trainerIndex(): Promise<number> {
      const storage = await openStorage(storageUrl);
      try {
        const holder = (await storage.leases.holder('trainer'))?.holder ?? '';
        return servers.findIndex((s) => s.child.exitCode === null && s.child.signalCode === null && holder.includes(`#${s.child.pid}-`));
      } finally {
        await storage.close();
      }
    }

    it('has exactly one trainer', async () => {
      await until(async () => (await trainerIndex()) >= 0, 10_000);
    });

    it('an event posted to one process changes what another serves next', async () => {
      const [a, b] = servers;
      const trending = async (): Promise<string[]> => (await call<{ items: { id: string }[] }>(b, 'GET', '/v1/trending?k=3')).body.items.map((i) => i.id);
      const before = await trending();
      // An item nobody trends: many views of it, posted to A only.
      const candidates = (await call<{ items: { id: string }[] }>(a, 'GET', '/v1/items?limit=200')).body.items.map((i) => i.id);
      const target = candidates.find((id) => !before.includes(id)) ?? candidates[0];
      const now = Date.now();
      const events = Array.from({ length: 200 }, (_, i) => ({ userId: `mp-${i % 40}`, itemId: target, type: 'view', timestamp: now - i }));
      expect((await call(a, 'POST', '/v1/events', { events })).status).toBe(200);
      const ms = await until(async () => (await trending())[0] === target, 5_000);
      expect(ms).toBeLessThan(5_000);
    });

    it('an item deleted through one process is no longer served by another', async () => {
      const [a, , c] = servers;
      const list = async (): Promise<string[]> => (await call<{ items: { id: string }[] }>(c, 'GET', '/v1/users/3/recommendations?k=10')).body.items.map((i) => i.id);
      const first = (await list())[0];
      expect((await call(a, 'DELETE', `/v1/items/${first}`)).status).toBe(200);
      await until(async () => !(await list()).includes(first), 5_000);
    });

    it('a version trained by the trainer is served by all three', async () => {
      const t = await trainerIndex();
      expect(t).toBeGreaterThanOrEqual(0);
      const started = await call<{ jobId: string }>(servers[t], 'POST', '/v1/models/itemknn/train', { params: { k: 30 } });
      expect(started.status).toBe(202);
      const storage = await openStorage(storageUrl);
      let version = 0;
      try {
        await until(async () => {
          version = (await storage.models.versions('itemknn'))[0]?.version ?? 0;
          return version >= 2;
        }, 60_000);
      } finally {
        await storage.close();
      }
      for (const s of servers) {
        await until(async () => String((await call<{ modelVersion: string }>(s, 'GET', '/v1/users/5/recommendations?k=5')).body.modelVersion).includes(`itemknn@${version}`), 15_000);
      }
    }, 90_000);

    it('kill -9 of one process under load: no failed request to the others, no acknowledged event lost, the trainer role handed over', async () => {
      const victim = await trainerIndex();
      const others = servers.filter((_, i) => i !== victim);
      let acknowledged = 0;
      let failures = 0;
      const failed: string[] = [];
      // An item every process still serves (an earlier test deleted one).
      const itemId = (await call<{ items: { id: string }[] }>(others[0], 'GET', '/v1/items?limit=1')).body.items[0].id;
      let stop = false;
      const storage = await openStorage(storageUrl);
      const seqBefore = await storage.events.lastSeq();
      const lanes = others.flatMap((s, i) => [
        (async () => {
          for (let n = 0; !stop; n++) {
            const res = await call(s, 'POST', '/v1/events', { userId: `load-${i}`, itemId, type: 'view', timestamp: Date.now() }).catch((e: unknown) => ({ status: 0, body: String(e) }));
            if (res.status === 200) acknowledged++;
            else {
              failures++;
              failed.push(`${res.status} ${JSON.stringify(res.body)}`);
            }
          }
        })(),
        (async () => {
          for (let n = 0; !stop; n++) {
            const res = await call(s, 'GET', `/v1/users/${1 + (n % 50)}/recommendations?k=5`).catch((e: unknown) => ({ status: 0, body: String(e) }));
            if (res.status !== 200) {
              failures++;
              failed.push(`${res.status} ${JSON.stringify(res.body)}`);
            }
          }
        })(),
      ]);
      await new Promise((r) => setTimeout(r, 500));
      servers[victim].child.kill('SIGKILL');
      await new Promise((r) => setTimeout(r, 1500));
      // Another process takes the trainer role once the dead one's lease runs out (1.5 s here).
      const took = await until(async () => {
        const t = await trainerIndex();
        return t >= 0 && t !== victim;
      }, 10_000);
      stop = true;
      await Promise.all(lanes);
      try {
        expect(failures, failed.slice(0, 3).join('; ')).toBe(0);
        expect(acknowledged).toBeGreaterThan(10);
        // Every acknowledged event is stored (the load posted only to the survivors).
        const stored = await storage.events.count({ userId: 'load-0' }) + (await storage.events.count({ userId: 'load-1' }));
        expect(stored).toBe(acknowledged);
        expect(await storage.events.lastSeq()).toBeGreaterThanOrEqual(seqBefore + acknowledged);
      } finally {
        await storage.close();
      }
      expect(took).toBeLessThan(10_000);
    }, 60_000);
  });
}

describe('lmrec serve --workers 2 on SQLite', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmrec-workers-'));
  let server: Served;

  beforeAll(async () => {
    const storageUrl = `sqlite://${join(dir, 'w.db')}`;
    writeDemoSlice(dir, 60);
    const engine = createEngine(await openStorage(storageUrl));
    await engine.import({ format: 'movielens-latest', dir });
    await engine.train('itemknn', { k: 20 });
    await engine.close();
    const config = join(dir, 'lmrec.config.json');
    writeFileSync(config, JSON.stringify({ lifecycle: { syncEvery: '300ms', followEvery: '30ms' } }));
    server = await serve(storageUrl, config, dir, ['--workers', '2']);
  }, 120_000);

  afterAll(async () => {
    if (server?.child.exitCode === null) {
      const exited = new Promise((r) => server.child.once('exit', r));
      server.child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers from two processes behind one port, one of them the trainer, sharing what either is sent', async () => {
    const seen = new Map<number, boolean>();
    // A connection per request: the primary hands out connections, not requests.
    const fresh = <T>(path: string): Promise<T> =>
      new Promise((resolve, reject) => {
        get(`${server.url}${path}`, { agent: false, headers: { authorization: `Bearer ${KEY}` } }, (res) => {
          let text = '';
          res.on('data', (chunk: Buffer) => (text += chunk.toString()));
          res.on('end', () => resolve(JSON.parse(text) as T));
        }).on('error', reject);
      });
    await until(async () => {
      const m = (await fresh<{ process: { pid: number; trainer: boolean } }>('/v1/metrics')).process;
      seen.set(m.pid, m.trainer);
      return seen.size === 2;
    }, 20_000);
    expect([...seen.values()].filter(Boolean)).toHaveLength(1);
    const item = (await call<{ items: { id: string }[] }>(server, 'GET', '/v1/items?limit=50')).body.items[37].id;
    const now = Date.now();
    // Posted through the one port: each batch lands on either worker; both must count all of them.
    for (let b = 0; b < 10; b++) {
      const events = Array.from({ length: 20 }, (_, i) => ({ userId: `w-${i}`, itemId: item, type: 'view', timestamp: now - b * 20 - i }));
      expect((await call(server, 'POST', '/v1/events', { events })).status).toBe(200);
    }
    // Both processes list it first: the primary hands connections out in turn, so ten fresh ones reach both.
    const everywhere = async (): Promise<boolean> => {
      for (let r = 0; r < 10; r++) if ((await fresh<{ items: { id: string }[] }>('/v1/trending?k=1')).items[0]?.id !== item) return false;
      return true;
    };
    await until(everywhere, 20_000);
  });
});
