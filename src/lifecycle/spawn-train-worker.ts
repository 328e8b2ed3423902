/**
 * Starts a training worker thread. Compiled (`dist/`), the worker is `train-worker.js` next to
 * this module and plain Node runs it. Run from TypeScript sources (vitest, tsx), the worker is
 * `train-worker.ts`: Node 20 workers do not inherit the parent's module hooks and ignore
 * `--import` in `execArgv` for their entry, so a small bootstrap registers tsx's loader in the new
 * thread first and then imports the entry. tsx is a development dependency; the compiled path
 * never touches it.
 * @module
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { UnsupportedError } from '../core/errors.js';
import type { TrainWorkerData } from './train-job.js';

/** Starts one worker training as `data` says. */
export function spawnTrainWorker(data: TrainWorkerData): Worker {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return new Worker(new URL('./train-worker.js', here), { workerData: data });
  const entry = new URL('./train-worker.ts', here).href;
  const bootstrap = `import(${JSON.stringify(tsxApiUrl(here))}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(bootstrap, { eval: true, workerData: data });
}

let cachedTsxApi: string | undefined;

/** File URL of tsx's ESM API (`tsx/esm/api`, the `import` build). */
function tsxApiUrl(from: string): string {
  if (cachedTsxApi) return cachedTsxApi;
  let cjs: string;
  try {
    cjs = createRequire(fileURLToPath(from)).resolve('tsx/esm/api');
  } catch (cause) {
    throw new UnsupportedError('training workers started from TypeScript sources need the `tsx` package; build with `npm run build` or install tsx', { cause });
  }
  // `require.resolve` picks the package's `require` build; its ESM twin sits beside it.
  const esm = cjs.replace(/\.cjs$/, '.mjs');
  cachedTsxApi = pathToFileURL(existsSync(esm) ? esm : cjs).href;
  return cachedTsxApi;
}
