/**
 * Vite build of the dashboard: sources in `dashboard/src`, output in `dashboard/dist`, relative asset
 * paths so the built files can be mounted under any prefix. `vite --config dashboard/vite.config.ts`
 * serves it in development and forwards `/v1` to the engine at `LMREC_API` (default
 * `http://127.0.0.1:8080`).
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));
const api = process.env.LMREC_API ?? 'http://127.0.0.1:8080';

export default defineConfig({
  root,
  base: './',
  publicDir: false,
  logLevel: 'warn',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    chunkSizeWarningLimit: 400,
  },
  server: {
    proxy: { '/v1': { target: api, changeOrigin: true }, '/openapi.json': { target: api, changeOrigin: true } },
  },
});
