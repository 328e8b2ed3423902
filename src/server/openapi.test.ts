/**
 * The OpenAPI document as served (the API's routes and the dashboard's): valid for the version it
 * declares and clean under Redocly's recommended rules (the real CLI, pinned as a devDependency), and
 * good enough to generate a typed client from (openapi-typescript), which type-checks, refuses wrong
 * calls at compile time and talks to the running server.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import type { FastifyInstance } from 'fastify';
import openapiTS, { astToString } from 'openapi-typescript';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, openStorage } from '../index.js';
import type { Engine } from '../index.js';
import { registerDashboard } from '../server-dashboard/register-dashboard.js';
import { OPERATION_IDS, deriveOperationId, withoutConditionals } from './openapi.js';
import { createServer } from './server.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const REDOCLY = join(ROOT, 'node_modules/@redocly/cli/bin/cli.js');
const KEY = 'openapi-test-admin-key';
const METHODS = ['get', 'put', 'post', 'delete', 'patch'];

type Json = Record<string, unknown>;

interface LintProblem {
  ruleId: string;
  severity: string;
  message: string;
  location: { pointer: string }[];
}

/** A small client over the generated `paths`: method, path, path parameters, query and body are all checked. */
const CLIENT = `
import type { components, paths } from './api.js';

type Method = 'get' | 'put' | 'post' | 'delete';
type Operation<P extends keyof paths, M extends Method> = Exclude<paths[P][M], undefined>;
type Json<R> = R extends { content: { 'application/json': infer B } } ? B : unknown;
type Part<O, K extends string> = O extends { parameters: { [Q in K]?: infer V } } ? ([V] extends [never] ? never : V) : never;
type Body<O> = O extends { requestBody: { content: { 'application/json': infer B } } } ? B : never;
type OkOf<O> = O extends { responses: { 200: infer R } } ? Json<R> : O extends { responses: { 202: infer R } } ? Json<R> : unknown;

/** What a call sends, typed by the operation. */
export type Request<O> = { path?: Part<O, 'path'>; query?: Part<O, 'query'>; body?: Body<O> };
/** The error document every 4xx carries. */
export type ApiError = components['schemas']['Error'];
/** A typed answer: the success body, or the error document. */
export type Answer<O> = { ok: true; status: number; data: OkOf<O> } | { ok: false; status: number; error: ApiError['error'] };

/** A client for one server. */
export function createClient(base: string, key: string) {
  return {
    async call<P extends keyof paths, M extends Method>(method: M, path: P, request: Request<Operation<P, M>> = {}): Promise<Answer<Operation<P, M>>> {
      let url = String(path);
      for (const [name, value] of Object.entries((request.path ?? {}) as Record<string, string>)) url = url.replace('{' + name + '}', encodeURIComponent(value));
      const query = new URLSearchParams();
      for (const [name, value] of Object.entries((request.query ?? {}) as Record<string, unknown>)) if (value !== undefined) query.set(name, String(value));
      const search = query.size > 0 ? '?' + query.toString() : '';
      const headers: Record<string, string> = { authorization: 'Bearer ' + key };
      if (request.body !== undefined) headers['content-type'] = 'application/json';
      const res = await fetch(base + url + search, { method: method.toUpperCase(), headers, body: request.body === undefined ? undefined : JSON.stringify(request.body) });
      const json: unknown = await res.json();
      return res.ok ? { ok: true, status: res.status, data: json as OkOf<Operation<P, M>> } : { ok: false, status: res.status, error: (json as ApiError).error };
    },
  };
}

/** Calls the compiler must accept, and ones it must refuse. */
export async function typedCalls(client: ReturnType<typeof createClient>): Promise<void> {
  const trending = await client.call('get', '/v1/trending', { query: { k: 3 } });
  if (trending.ok) {
    const first: { id: string; score: number } | undefined = trending.data.items[0];
    void first;
  } else {
    const code: string = trending.error.code;
    void code;
  }
  const list = await client.call('post', '/v1/query', { body: { text: 'a quiet film', k: 5 } });
  if (list.ok) void list.data.items.map((item) => item.id.toUpperCase() + item.score.toFixed(2));
  await client.call('put', '/v1/items/{id}', { path: { id: 'i1' }, body: { title: 'One' } });
  await client.call('post', '/v1/events', { body: { userId: 'u1', itemId: 'i1', type: 'click' } });
  await client.call('post', '/v1/events', { body: { events: [{ userId: 'u1', type: 'view' }] } });
  // @ts-expect-error no such path
  await client.call('get', '/v1/nowhere');
  // @ts-expect-error k is a number
  await client.call('get', '/v1/trending', { query: { k: 'three' } });
  // @ts-expect-error an item needs a title
  await client.call('put', '/v1/items/{id}', { path: { id: 'i1' }, body: { text: 'no title' } });
  // @ts-expect-error not an event type
  await client.call('post', '/v1/events', { body: { userId: 'u1', type: 'teleport' } });
  if (trending.ok) {
    // @ts-expect-error trending items have no such field
    void trending.data.items[0].price;
  }
}
`;

function operations(doc: Json): { path: string; method: string; operation: Json }[] {
  const out: { path: string; method: string; operation: Json }[] = [];
  for (const [path, item] of Object.entries(doc.paths as Record<string, Json>)) {
    for (const method of METHODS) if (item[method] !== undefined) out.push({ path, method, operation: item[method] as Json });
  }
  return out;
}

describe('OpenAPI document', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmrec-openapi-'));
  let engine: Engine;
  let app: FastifyInstance;
  let base = '';
  let doc: Json;

  beforeAll(async () => {
    engine = createEngine(await openStorage(`sqlite://${join(dir, 'api.db')}`));
    await engine.storage.items.upsert([{ id: 'i1', title: 'One' }]);
    app = await createServer({
      engine,
      apiKeys: [{ key: KEY, scope: 'admin' }],
      register: async (a) => void (await registerDashboard(a, { engine, distDir: join(dir, 'dist'), reportsDirs: [join(dir, 'reports')] })),
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    base = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
    doc = (await (await fetch(`${base}/openapi.json`)).json()) as Json;
    writeFileSync(join(dir, 'openapi.json'), JSON.stringify(doc, null, 2));
  });

  afterAll(async () => {
    await app?.close();
    await engine?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('declares OpenAPI 3.0.3 and uses no keyword 3.0 lacks', () => {
    expect(doc.openapi).toBe('3.0.3');
    const text = JSON.stringify(doc);
    for (const keyword of ['if', 'then', 'else', 'const', 'prefixItems', '$defs']) expect(text, keyword).not.toContain(`"${keyword}":`);
    expect(doc.servers).toEqual([expect.objectContaining({ url: '/' })]);
  });

  it('names every operation uniquely and documents its error answers with the error document', () => {
    const all = operations(doc);
    expect(all.length).toBeGreaterThanOrEqual(31);
    const ids = all.map((o) => o.operation.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const { path, method, operation } of all) {
      expect(operation.operationId, `${method} ${path}`).toBe(OPERATION_IDS[`${method.toUpperCase()} ${path}`] ?? deriveOperationId(method, path));
      const statuses = Object.keys(operation.responses as Json);
      expect(statuses.some((s) => s.startsWith('4')), `${method} ${path} has a 4xx`).toBe(true);
      const keyed = (operation.security as unknown[]).length > 0;
      if (keyed) expect(statuses).toEqual(expect.arrayContaining(['401', '403']));
    }
    expect((doc.paths as Record<string, Record<string, Json>>)['/v1/health'].get.security).toEqual([]);
    expect((doc.components as Record<string, Json>).schemas.Error).toMatchObject({ required: ['error'] });
  });

  it('passes Redocly lint (recommended rules) with no error and no warning', async () => {
    const run = promisify(execFile);
    const env = { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' };
    const { stdout } = await run(process.execPath, [REDOCLY, 'lint', join(dir, 'openapi.json'), '--config', join(ROOT, 'redocly.yaml'), '--format=json'], { env, maxBuffer: 1 << 24 }).catch(
      (error: { stdout?: string }) => ({ stdout: error.stdout ?? '' }),
    );
    const report = JSON.parse(stdout.slice(stdout.indexOf('{'))) as { totals: { errors: number; warnings: number }; problems: LintProblem[] };
    const problems = report.problems.map((p) => `${p.severity} ${p.ruleId}: ${p.message} at ${p.location.map((l) => l.pointer).join(', ')}`);
    expect(problems).toEqual([]);
    expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
  }, 60_000);

  it('generates a typed client that type-checks, refuses wrong calls and talks to the server', async () => {
    writeFileSync(join(dir, 'api.d.ts'), astToString(await openapiTS(JSON.stringify(doc))));
    writeFileSync(join(dir, 'client.ts'), CLIENT);
    const options: ts.CompilerOptions = {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      lib: ['lib.es2023.d.ts', 'lib.dom.d.ts', 'lib.dom.iterable.d.ts'],
      types: [],
      strict: true,
      noEmit: true,
      skipLibCheck: false,
    };
    const program = ts.createProgram([join(dir, 'client.ts')], options);
    const diagnostics = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    expect(diagnostics).toEqual([]);

    const js = ts.transpileModule(CLIENT, { compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, verbatimModuleSyntax: true } }).outputText;
    writeFileSync(join(dir, 'client.mjs'), js);
    const { createClient } = (await import(pathToFileURL(join(dir, 'client.mjs')).href)) as {
      createClient: (base: string, key: string) => { call: (method: string, path: string, request?: Json) => Promise<{ ok: boolean; status: number; data?: Json; error?: Json }> };
    };
    const client = createClient(base, KEY);
    expect(await client.call('get', '/v1/items/{id}', { path: { id: 'i1' } })).toMatchObject({ ok: true, data: { id: 'i1', title: 'One' } });
    expect(await client.call('get', '/v1/items', { query: { limit: 5 } })).toMatchObject({ ok: true, data: { items: [{ id: 'i1' }] } });
    const missing = await client.call('get', '/v1/items/{id}', { path: { id: 'nope' } });
    expect(missing).toMatchObject({ ok: false, status: 404, error: { code: 'not_found' } });
    const invalid = await client.call('post', '/v1/events', { body: { userId: 'u1', type: 'teleport' } });
    expect(invalid).toMatchObject({ ok: false, status: 400, error: { code: 'validation_failed' } });
  }, 60_000);
});

describe('withoutConditionals', () => {
  it('turns if/then/else into oneOf [then, else] at any depth and leaves the rest alone', () => {
    const schema = { type: 'object', properties: { a: { if: { required: ['x'] }, then: { required: ['x'] }, else: { type: 'string' } } }, required: ['a'] };
    expect(withoutConditionals(schema)).toEqual({
      type: 'object',
      properties: { a: { oneOf: [{ required: ['x'] }, { type: 'string' }], description: 'The first form when the body has `x`, else the second.' } },
      required: ['a'],
    });
  });

  it('derives readable operation ids for routes the table does not list', () => {
    expect(deriveOperationId('get', '/v1/users/{id}/timeline')).toBe('getUsersByIdTimeline');
    expect(deriveOperationId('post', '/v1/add-to-cart')).toBe('postAddToCart');
  });
});
