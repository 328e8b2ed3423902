/**
 * `lmrec serve --workers N`: N serving processes on one machine behind one port (node:cluster; the
 * primary accepts connections and hands them to the workers in turn). Each worker is a whole
 * `lmrec serve` on the same storage; they share live state through it (`server/follow-changes.ts`)
 * and one of them is the trainer (`lifecycle/trainer-lease.ts`). The primary serves nothing: it
 * forks the workers with what must be the same in all of them (the API keys, the dashboard's
 * session key), prints where they listen once, restarts a worker that dies, and stops them all on
 * SIGINT / SIGTERM.
 * @module
 */
import cluster from 'node:cluster';
import type { Worker } from 'node:cluster';

/** Environment variable carrying the dashboard page's session key from the primary to its workers. */
export const SESSION_KEY_ENV = 'LMREC_DASHBOARD_SESSION_KEY';

/** What a worker tells the primary once it listens. */
export interface WorkerListening {
  type: 'lmrec-listening';
  url: string;
  /** The line `lmrec serve` prints when it listens (the primary prints the first worker's). */
  lines: string[];
}

/** Options of {@link runServeCluster}. */
export interface ServeClusterOptions {
  workers: number;
  /** Environment every worker gets on top of the primary's. */
  env: Record<string, string>;
  say: (line: string) => void;
  /** Writes what the first listening worker reported (once). */
  onListening: (message: WorkerListening) => void;
  /** A worker that exits this soon after its start counts as a crash loop: it is not restarted. */
  minUptimeMs?: number;
}

/** Whether this process is a worker forked by {@link runServeCluster}. */
export function isServeWorker(): boolean {
  return cluster.isWorker;
}

/** Tells the primary (when there is one) that this worker listens. */
export function reportListening(message: Omit<WorkerListening, 'type'>): void {
  if (cluster.isWorker && process.send) process.send({ type: 'lmrec-listening', ...message } satisfies WorkerListening);
}

/**
 * Resolves at the first SIGINT or SIGTERM (or when `also` calls its `stop`), removing its listeners,
 * so a second signal is handled by Node's default again.
 */
export function untilStopSignal(also?: (stop: () => void) => void): Promise<void> {
  return new Promise<void>((done) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      done();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    also?.(stop);
  });
}

/** Runs the primary until SIGINT / SIGTERM, then stops every worker and resolves. */
export async function runServeCluster(options: ServeClusterOptions): Promise<void> {
  const minUptimeMs = options.minUptimeMs ?? 10_000;
  const startedAt = new Map<Worker, number>();
  let stopping = false;
  let announced = false;

  const fork = (): Worker => {
    const worker = cluster.fork(options.env);
    startedAt.set(worker, Date.now());
    worker.on('message', (message: unknown) => {
      const m = message as Partial<WorkerListening> | undefined;
      if (m?.type !== 'lmrec-listening' || announced) return;
      announced = true;
      options.onListening(m as WorkerListening);
    });
    return worker;
  };

  cluster.on('exit', (worker, code, signal) => {
    const uptime = Date.now() - (startedAt.get(worker) ?? 0);
    startedAt.delete(worker);
    if (stopping) return;
    const how = signal ? `signal ${signal}` : `code ${code}`;
    if (uptime < minUptimeMs) {
      options.say(`worker ${worker.process.pid} exited with ${how} ${Math.round(uptime / 1000)} s after its start: not restarted (see its log above)`);
      if (startedAt.size === 0) process.exitCode = 1;
      return;
    }
    options.say(`worker ${worker.process.pid} exited with ${how}; starting another`);
    fork();
  });

  for (let i = 0; i < options.workers; i++) fork();
  options.say(`started ${options.workers} serving processes behind one port (trainer: whichever holds the trainer lease)`);

  // Until SIGINT / SIGTERM, or all workers are gone for good (a crash loop): nothing left to serve.
  await untilStopSignal((stop) => {
    cluster.on('exit', () => {
      if (!stopping && startedAt.size === 0) stop();
    });
  });
  stopping = true;
  options.say('shutting down the workers …');
  const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined);
  await Promise.all(
    workers.map(
      (w) =>
        new Promise<void>((resolve) => {
          if (w.isDead()) return resolve();
          w.once('exit', () => resolve());
          w.process.kill('SIGTERM');
        }),
    ),
  );
}
