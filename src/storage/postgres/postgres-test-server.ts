/**
 * A real PostgreSQL server for tests: `startTestPostgres()` runs `initdb` into a temporary
 * directory and `pg_ctl start` on a free loopback port (its socket in that directory too), and
 * `stop()` shuts it down and removes the directory. Every test file starts its own server and asks
 * for fresh databases (`createDatabase`) or schemas (`freshSchemaUrl`) in it.
 *
 * - Binaries: `LMREC_PG_BIN`, else `pg_config --bindir`, else the newest `/usr/lib/postgresql/N/bin`.
 * - `initdb` and `postgres` refuse to run as root: as root the server runs as the `postgres` OS
 *   user (Debian's package creates it) through `runuser`, in a directory it owns.
 * - `LMREC_TEST_POSTGRES_URL` (a superuser URL of an existing server) is used instead of starting one.
 * - When no server can be had, {@link postgresForTests} says why, and tests skip naming it; with
 *   `CI` set they fail instead, since `.ci/run` installs PostgreSQL.
 * - `LMREC_TEST_BACKENDS=sqlite,postgres` narrows which backends the storage tests run.
 * @module
 */
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { testBackendEnabled } from '../test-backends.js';
import { createPgClient } from './pg-driver.js';

const run = promisify(execFile);

/** A server tests can use. */
export interface TestPostgres {
  /** Superuser URL of the `postgres` database. */
  readonly adminUrl: string;
  /** Creates an empty database and returns its URL. */
  createDatabase(name?: string): Promise<string>;
  /** A URL of `database` whose `schema` parameter names a schema not used before (created on open). */
  freshSchemaUrl(databaseUrl: string): string;
  /** Runs one SQL statement as superuser on `databaseUrl` (default: the `postgres` database). */
  sql<Row>(text: string, values?: readonly (string | number | null)[], databaseUrl?: string): Promise<Row[]>;
  /** Stops the server (a no-op for an external one) and removes its directory. */
  stop(): Promise<void>;
}

/** The directory holding `initdb`, `pg_ctl` and `postgres`, or undefined. */
export async function findPostgresBin(): Promise<string | undefined> {
  const has = (dir: string): boolean => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl'));
  const configured = process.env.LMREC_PG_BIN;
  if (configured !== undefined && configured !== '') return has(configured) ? configured : undefined;
  try {
    const { stdout } = await run('pg_config', ['--bindir']);
    const dir = stdout.trim();
    if (has(dir)) return dir;
  } catch {
    // No pg_config on the PATH: look where Debian installs servers.
  }
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((name) => /^\d+$/.test(name))
    .sort((a, b) => Number(b) - Number(a));
  for (const version of versions) if (has(join(root, version, 'bin'))) return join(root, version, 'bin');
  return undefined;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function osUserIds(name: string): Promise<{ uid: number; gid: number } | undefined> {
  try {
    const uid = Number((await run('id', ['-u', name])).stdout.trim());
    const gid = Number((await run('id', ['-g', name])).stdout.trim());
    return Number.isInteger(uid) && Number.isInteger(gid) ? { uid, gid } : undefined;
  } catch {
    return undefined;
  }
}

let counter = 0;

function helpers(adminUrl: string, stop: () => Promise<void>): TestPostgres {
  async function sql<Row>(text: string, values: readonly (string | number | null)[] = [], databaseUrl = adminUrl): Promise<Row[]> {
    const client = createPgClient({ connectionString: databaseUrl, statementTimeoutMs: 0, connectTimeoutMs: 10_000, applicationName: 'lmrec-test' });
    client.on('error', () => undefined);
    await client.connect();
    try {
      return (await client.query<Row>({ text, values: [...values] })).rows;
    } finally {
      await client.end();
    }
  }
  return {
    adminUrl,
    sql,
    async createDatabase(name?: string) {
      const database = name ?? `lmrec_test_${process.pid}_${++counter}`;
      await sql(`CREATE DATABASE ${database}`);
      const url = new URL(adminUrl);
      url.pathname = `/${database}`;
      return url.toString();
    },
    freshSchemaUrl(databaseUrl: string) {
      const url = new URL(databaseUrl);
      url.searchParams.set('schema', `t${process.pid}_${++counter}`);
      return url.toString();
    },
    stop,
  };
}

/**
 * Starts a throw-away server (or connects to `LMREC_TEST_POSTGRES_URL`). Throws with the reason
 * when none can be had; see {@link postgresUnavailable} for the skip decision.
 */
export async function startTestPostgres(): Promise<TestPostgres> {
  const external = process.env.LMREC_TEST_POSTGRES_URL;
  if (external !== undefined && external !== '') return helpers(external, async () => undefined);

  const bin = await findPostgresBin();
  if (bin === undefined) throw new Error('no PostgreSQL server binaries (set LMREC_PG_BIN, or install Debian\u2019s postgresql)');
  const dir = await mkdtemp(join(tmpdir(), 'lmrec-pg-'));
  const data = join(dir, 'data');
  const root = process.getuid?.() === 0;
  const owner = root ? await osUserIds('postgres') : undefined;
  if (root && owner === undefined) {
    await rm(dir, { recursive: true, force: true });
    throw new Error('running as root and there is no "postgres" OS user to run the server as (initdb refuses root)');
  }
  if (owner !== undefined) await chown(dir, owner.uid, owner.gid);
  // As root: the same command through runuser, as the postgres user.
  const exec = async (program: string, args: string[]): Promise<void> => {
    const file = join(bin, program);
    if (owner === undefined) await run(file, args, { cwd: dir });
    else await run('runuser', ['-u', 'postgres', '--', file, ...args], { cwd: dir });
  };
  const port = await freePort();
  try {
    await exec('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync']);
    await exec('pg_ctl', [
      '-D',
      data,
      '-l',
      join(dir, 'server.log'),
      '-w',
      '-t',
      '30',
      '-o',
      `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c max_connections=200 -c shared_buffers=64MB`,
      'start',
    ]);
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    const detail = (error as { stderr?: unknown }).stderr;
    throw new Error(`could not start PostgreSQL from ${bin}: ${typeof detail === 'string' && detail !== '' ? detail.trim() : String(error)}`);
  }
  let stopped = false;
  // pg_ctl daemonises the server: should this process end without stop() (a failed test run, an
  // interrupted benchmark), stop the server on the way out rather than leave it running.
  const onExit = (): void => {
    if (stopped) return;
    const file = join(bin, 'pg_ctl');
    const args = ['-D', data, '-m', 'immediate', 'stop'];
    if (owner === undefined) spawnSync(file, args, { stdio: 'ignore' });
    else spawnSync('runuser', ['-u', 'postgres', '--', file, ...args], { stdio: 'ignore' });
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', onExit);
  return helpers(`postgres://postgres@127.0.0.1:${port}/postgres`, async () => {
    if (stopped) return;
    stopped = true;
    process.removeListener('exit', onExit);
    try {
      await exec('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
}

/**
 * Starts a test server, or explains why not: `{ server }` or `{ reason }`. With `CI` set a missing
 * server is an error, so CI never passes by skipping.
 */
export async function postgresForTests(): Promise<{ server: TestPostgres; reason?: undefined } | { server?: undefined; reason: string }> {
  if (!testBackendEnabled('postgres')) return { reason: 'LMREC_TEST_BACKENDS leaves postgres out' };
  try {
    return { server: await startTestPostgres() };
  } catch (error) {
    const reason = `no PostgreSQL server for the tests: ${error instanceof Error ? error.message : String(error)}`;
    if (process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false') throw new Error(`${reason} (CI must provide one: .ci/run installs postgresql)`);
    return { reason };
  }
}
