/**
 * Starts a worker thread on a module that sits beside the caller. Compiled (`dist/`), the entry is
 * `<name>.js` and plain Node runs it. Run from TypeScript sources (vitest, tsx), the entry is
 * `<name>.ts`: Node 20 workers do not inherit the parent's module hooks and ignore `--import` in
 * `execArgv` for their entry, so a small bootstrap registers tsx's loader in the new thread first
 * and then imports the entry. tsx is a development dependency; the compiled path never touches it.
 * @module
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { WorkerOptions } from 'node:worker_threads';
import { UnsupportedError } from '../core/errors.js';

/**
 * Starts the worker module `name` (without extension) found beside `callerUrl` (the caller's
 * `import.meta.url`), passing `workerData` and any other worker options.
 * @example
 * const worker = spawnModuleWorker(import.meta.url, 'train-worker', { workerData: data });
 */
export function spawnModuleWorker(callerUrl: string, name: string, options: Omit<WorkerOptions, 'eval'> = {}): Worker {
  if (!callerUrl.endsWith('.ts')) return new Worker(new URL(`./${name}.js`, callerUrl), options);
  const entry = new URL(`./${name}.ts`, callerUrl).href;
  const bootstrap = `import(${JSON.stringify(tsxApiUrl(callerUrl))}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(bootstrap, { ...options, eval: true });
}

let cachedTsxApi: string | undefined;

/** File URL of tsx's ESM API (`tsx/esm/api`, the `import` build). */
function tsxApiUrl(from: string): string {
  if (cachedTsxApi) return cachedTsxApi;
  let cjs: string;
  try {
    cjs = createRequire(fileURLToPath(from)).resolve('tsx/esm/api');
  } catch (cause) {
    throw new UnsupportedError('worker threads started from TypeScript sources need the `tsx` package; build with `npm run build` or install tsx', { cause });
  }
  // `require.resolve` picks the package's `require` build; its ESM twin sits beside it.
  const esm = cjs.replace(/\.cjs$/, '.mjs');
  cachedTsxApi = pathToFileURL(existsSync(esm) ? esm : cjs).href;
  return cachedTsxApi;
}
