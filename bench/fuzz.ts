/**
 * HTTP fuzzer over every operation of the OpenAPI document. It writes a fresh SQLite database with
 * a small slice of the vendored MovieLens demo (30 users, one item-kNN version), starts `lmrec serve`
 * on it as a child process with `LMREC_API_KEYS=adminkey:admin,readkey:read,writekey:write`, fetches
 * `/openapi.json` and, for every method and path, sends a seeded set of valid and hostile requests:
 * known and random / oversized / unicode / NUL / path-traversal / malformed percent-encoded ids in
 * path parameters; query parameters missing, wrong-typed, negative, NaN-like, huge, repeated,
 * bracketed and prototype-polluting; bodies made from each operation's JSON schema (a valid example,
 * then required fields dropped, wrong types, null, boundary values, 1 MB strings, 10,000-element
 * arrays, 5,000-deep nesting, `__proto__` / `constructor` keys, extra fields, invalid JSON) and wrong
 * content types. Every request is sent with the admin key, the read key, no key and a bad key.
 * Destructive operations (deletions, rollback, activation, training, the blocklist) run last.
 *
 * Checked: any 5xx (reported with the request), any 4xx whose body is not the documented
 * `{ error: { code, message } }` JSON, any answer slower than 2 s, and `GET /v1/health`, polled every
 * 100 ms throughout (answers, failures, max latency). The report, a Markdown table per operation,
 * goes to `bench/results/fuzz.md` (`--out <file>` elsewhere).
 *
 * Run with `npx tsx bench/fuzz.ts [--seed 1] [--quick] [--out file] [--tree dir]` (`--quick`: a seeded
 * sample of a third of the cases; `--tree`: start the server from another checkout, e.g. a
 * `git worktree` of an older commit, to compare). Requests are sent one at a time over keep-alive
 * connections with an explicit `Content-Length`; a request that gets no answer (connection reset) is
 * sent once more on a new connection and counted as status -1 only if that fails too.
 * @module
 */
import { request as httpRequest, Agent } from 'node:http';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ROOT, prepareDemoSliceDb, quantile, startServer, stopServer, table } from './serve-util.js';
import type { Server } from './serve-util.js';

const argv = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const SEED = Number(flag('--seed') ?? 1);
const QUICK = argv.includes('--quick');
const OUT = flag('--out') ?? join(ROOT, 'bench/results/fuzz.md');
/** Another checkout whose server is fuzzed instead (e.g. a `git worktree` of an older commit). */
const TREE = flag('--tree');
const SLOW_MS = 2_000;
const MB = 1024 * 1024;

/** A JSON schema as the document writes it (the subset the generator reads). */
interface Schema {
  type?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  enum?: unknown[];
  oneOf?: Schema[];
  anyOf?: Schema[];
  allOf?: Schema[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  default?: unknown;
  additionalProperties?: boolean | Schema;
  $ref?: string;
}

interface Parameter {
  in: 'path' | 'query' | 'header';
  name: string;
  required?: boolean;
  schema?: Schema;
}

interface Operation {
  operationId?: string;
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: Schema }> };
}

interface OpenApi {
  paths: Record<string, Record<string, Operation>>;
}

/** One request to send. */
interface Case {
  label: string;
  path: string;
  /** Raw body bytes (already serialised), if any. */
  body?: string;
  contentType?: string;
}

/** What came back. */
interface Outcome {
  status: number;
  ms: number;
  body: string;
  contentType: string;
}

interface OpStats {
  op: string;
  sent: number;
  statuses: Map<number, number>;
  fiveXx: string[];
  noAnswer: string[];
  badShape: string[];
  slow: string[];
}

/** Seeded PRNG (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = rng(SEED);
const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)];
function randomString(n: number): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.~é漢🎬';
  return Array.from({ length: n }, () => pick([...alphabet])).join('');
}

/** Known ids for path parameters, by path and parameter name. */
function validPathValue(path: string, name: string): string {
  if (name === 'name') return 'itemknn';
  if (path.startsWith('/v1/users')) return '1';
  return '1';
}

/** Hostile values of a path parameter, already as they go on the wire. */
function hostilePathValues(): [string, string][] {
  return [
    ['random id', encodeURIComponent(randomString(12))],
    ['600-char id', 'a'.repeat(600)],
    ['100 kB id', 'b'.repeat(100_000)],
    ['unicode id', encodeURIComponent('üñí©ødé-漢字-🎬\u202e')],
    ['NUL id', 'a%00b'],
    ['control chars id', '%01%1f%7f'],
    ['traversal ../', '..%2F..%2Fetc%2Fpasswd'],
    ['dot-dot', '%2e%2e'],
    ['bad percent', '%E0%A4%A'],
    ['lone percent', '%'],
    ['invalid UTF-8', '%FF%FE'],
    ['whitespace id', '%20%09'],
    ['__proto__ id', '__proto__'],
    ['constructor id', 'constructor'],
    ['empty segment', ''],
  ];
}

/** Hostile values of a query parameter (raw, already encoded). */
function hostileQueryValues(): [string, string][] {
  return [
    ['empty', ''],
    ['wrong type', 'abc'],
    ['negative', '-1'],
    ['zero', '0'],
    ['NaN', 'NaN'],
    ['Infinity', 'Infinity'],
    ['float', '1.5'],
    ['1e309', '1e309'],
    ['huge int', '99999999999999999999999'],
    ['hex', '0x10'],
    ['unicode', encodeURIComponent('漢字🎬')],
    ['NUL', '%00'],
    ['bad percent', '%E0%A4%A'],
    ['8 kB value', 'x'.repeat(8_000)],
    ['true', 'true'],
  ];
}

function resolve(schema: Schema | undefined, doc: unknown): Schema {
  if (schema?.$ref === undefined) return schema ?? {};
  let node: unknown = doc;
  for (const part of schema.$ref.replace(/^#\//, '').split('/')) node = (node as Record<string, unknown>)[part];
  return node as Schema;
}

/** A valid value of `schema`, as small as it may be. */
function example(schema: Schema, doc: unknown, key = ''): unknown {
  const s = resolve(schema, doc);
  if (s.enum !== undefined) return s.enum[0];
  const branch = s.oneOf?.[0] ?? s.anyOf?.[0] ?? s.allOf?.[0];
  if (branch !== undefined && s.properties === undefined) return example(branch, doc, key);
  if (branch !== undefined) return example({ ...branch, ...s, oneOf: undefined, anyOf: undefined, allOf: undefined }, doc, key);
  switch (s.type) {
    case 'integer':
    case 'number':
      if (s.default !== undefined) return s.default;
      return Math.max(s.minimum ?? 1, Math.min(s.maximum ?? 1, 1));
    case 'boolean':
      return false;
    case 'array':
      return Array.from({ length: Math.max(1, s.minItems ?? 1) }, () => example(s.items ?? { type: 'string' }, doc, key));
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const [name, prop] of Object.entries(s.properties ?? {})) {
        if (s.required?.includes(name) || ['title', 'type', 'itemId', 'userId', 'text', 'attributes', 'items', 'events', 'users', 'version'].includes(name)) {
          out[name] = example(prop, doc, name);
        }
      }
      return out;
    }
    default:
      if (key === 'id' || key === 'userId') return '1';
      if (key === 'itemId') return '1';
      return 'fuzz';
  }
}

/** A value of a type other than the schema's. */
function wrongType(schema: Schema): unknown {
  switch (schema.type) {
    case 'string':
      return 12345;
    case 'integer':
    case 'number':
      return 'NaN';
    case 'boolean':
      return 'yes';
    case 'array':
      return { 0: 'x' };
    case 'object':
      return ['x'];
    default:
      return { nested: [1, 'x', null] };
  }
}

/** Boundary and oversized values of a property. */
function boundaryValues(schema: Schema, doc: unknown, key: string): [string, unknown][] {
  const out: [string, unknown][] = [['null', null]];
  if (schema.type === 'integer' || schema.type === 'number') {
    out.push(['min-1', (schema.minimum ?? 0) - 1], ['max+1', (schema.maximum ?? Number.MAX_SAFE_INTEGER) + 1], ['-1', -1], ['1e308', 1e308], ['fraction', 0.5], ['-0', -0]);
  }
  if (schema.type === 'string' || schema.type === undefined) {
    out.push(['empty string', ''], ['1 MB string', 'x'.repeat(MB)], ['NUL string', 'a\u0000b'], ['unicode string', '\u202eüñí🎬\ud800'], ['maxLength+1', 'y'.repeat((schema.maxLength ?? 512) + 1)]);
  }
  if (schema.type === 'array') {
    const element = example(schema.items ?? { type: 'string' }, doc, key);
    out.push(['empty array', []], ['10k-element array', Array.from({ length: 10_000 }, () => element)], ['array of nulls', [null, null]]);
  }
  if (schema.type === 'object') {
    out.push(['empty object', {}], ['300 keys', Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`k${i}`, i]))]);
  }
  return out;
}

/** `JSON.stringify` that keeps `__proto__` as an own key (built from text). */
function withKey(base: Record<string, unknown>, key: string, value: unknown): string {
  const json = JSON.stringify(base);
  const extra = `${JSON.stringify(key)}:${JSON.stringify(value)}`;
  return json === '{}' ? `{${extra}}` : `${json.slice(0, -1)},${extra}}`;
}

/** Body cases generated from the operation's schema. */
function bodyCases(schema: Schema, doc: unknown): [string, string | undefined, string | undefined][] {
  const s = resolve(schema, doc);
  const valid = example(s, doc) as Record<string, unknown>;
  const json = 'application/json';
  const out: [string, string | undefined, string | undefined][] = [
    ['valid', JSON.stringify(valid), json],
    ['no body', undefined, undefined],
    ['empty body with JSON type', '', json],
    ['{}', '{}', json],
    ['invalid JSON', '{"a":', json],
    ['NaN literal', '{"k": NaN}', json],
    ['top-level array', '[1,2]', json],
    ['top-level string', '"x"', json],
    ['top-level null', 'null', json],
    ['text/plain', JSON.stringify(valid), 'text/plain'],
    ['form-urlencoded', 'a=1&b=2', 'application/x-www-form-urlencoded'],
    ['multipart', '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--x--', 'multipart/form-data; boundary=x'],
    ['JSON as utf-16', JSON.stringify(valid), 'application/json; charset=utf-16'],
    ['bogus content type', JSON.stringify(valid), 'application/%%%'],
    ['__proto__ key', withKey(valid, '__proto__', { polluted: true, admin: true }), json],
    ['constructor.prototype key', withKey(valid, 'constructor', { prototype: { polluted: true } }), json],
    ['extra field', withKey(valid, 'fuzzExtra', 1), json],
    ['5000-deep nesting', `{"attributes":${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}}`, json],
    ['5000-deep array', `${'['.repeat(5_000)}${']'.repeat(5_000)}`, json],
    ['BOM + valid', `\ufeff${JSON.stringify(valid)}`, json],
    ['12 MB body', JSON.stringify({ ...valid, pad: 'z'.repeat(12 * MB) }), json],
  ];
  const required = s.required ?? [];
  for (const name of required) {
    const copy = { ...valid };
    delete copy[name];
    out.push([`drop required ${name}`, JSON.stringify(copy), json]);
  }
  for (const [name, propSchema] of Object.entries(s.properties ?? {})) {
    const prop = resolve(propSchema, doc);
    out.push([`${name}: wrong type`, JSON.stringify({ ...valid, [name]: wrongType(prop) }), json]);
    for (const [label, value] of boundaryValues(prop, doc, name)) out.push([`${name}: ${label}`, JSON.stringify({ ...valid, [name]: value }), json]);
    // One level down: the first element of an array of objects (items, events, users).
    const element = prop.type === 'array' ? resolve(prop.items, doc) : undefined;
    if (element?.type === 'object' && Array.isArray(valid[name])) {
      const first = (valid[name] as Record<string, unknown>[])[0];
      for (const [sub, subSchema] of Object.entries(element.properties ?? {})) {
        const subProp = resolve(subSchema, doc);
        out.push([`${name}[0].${sub}: wrong type`, JSON.stringify({ ...valid, [name]: [{ ...first, [sub]: wrongType(subProp) }] }), json]);
        for (const [label, value] of boundaryValues(subProp, doc, sub).filter(([l]) => !l.startsWith('10k'))) {
          out.push([`${name}[0].${sub}: ${label}`, JSON.stringify({ ...valid, [name]: [{ ...first, [sub]: value }] }), json]);
        }
      }
      for (const req of element.required ?? []) {
        const copy = { ...first };
        delete copy[req];
        out.push([`${name}[0] drop required ${req}`, JSON.stringify({ ...valid, [name]: [copy] }), json]);
      }
      out.push([`${name}[0] __proto__ key`, JSON.stringify({ ...valid, [name]: ['PLACEHOLDER'] }).replace('"PLACEHOLDER"', withKey(first, '__proto__', { polluted: true })), json]);
    }
  }
  return out;
}

/** The cases of one operation. */
function operationCases(path: string, op: Operation, doc: unknown): Case[] {
  const params = op.parameters ?? [];
  const pathParams = params.filter((p) => p.in === 'path');
  const queryParams = params.filter((p) => p.in === 'query');
  const fill = (override?: [string, string]): string =>
    path.replace(/\{([^}]+)\}/g, (_, name: string) => (override !== undefined && override[0] === name ? override[1] : encodeURIComponent(validPathValue(path, name))));
  const base = fill();
  const schema = op.requestBody?.content?.['application/json']?.schema;
  const validBody = schema === undefined ? undefined : JSON.stringify(example(resolve(schema, doc), doc));
  const withBody = (c: Case): Case => (schema === undefined || c.body !== undefined ? c : { ...c, body: validBody, contentType: 'application/json' });
  const cases: Case[] = [withBody({ label: 'valid', path: base })];
  for (const p of pathParams) for (const [label, value] of hostilePathValues()) cases.push(withBody({ label: `path ${p.name}: ${label}`, path: fill([p.name, value]) }));
  for (const p of queryParams) {
    const s = resolve(p.schema, doc);
    for (const [label, value] of hostileQueryValues()) cases.push(withBody({ label: `query ${p.name}: ${label}`, path: `${base}?${p.name}=${value}` }));
    const ok = s.type === 'array' ? '1' : String(example(s, doc, p.name));
    cases.push(withBody({ label: `query ${p.name}: repeated`, path: `${base}?${p.name}=${ok}&${p.name}=${ok}` }));
    cases.push(withBody({ label: `query ${p.name}: brackets`, path: `${base}?${p.name}[]=${ok}&${p.name}[a]=${ok}` }));
    if (s.type === 'array') cases.push(withBody({ label: `query ${p.name}: 10k values`, path: `${base}?${p.name}=${Array.from({ length: 10_000 }, (_, i) => i).join(',')}` }));
  }
  cases.push(withBody({ label: 'query __proto__', path: `${base}?__proto__=x&constructor[prototype][polluted]=1&__proto__[admin]=true` }));
  cases.push(withBody({ label: 'query unknown param', path: `${base}?fuzzExtra=1` }));
  cases.push(withBody({ label: 'query 12 kB', path: `${base}?fuzzExtra=${'q'.repeat(12_000)}` }));
  if (schema !== undefined) for (const [label, body, contentType] of bodyCases(schema, doc)) if (label !== 'valid') cases.push({ label: `body ${label}`, path: base, body, contentType });
  if (schema === undefined) cases.push({ label: 'unexpected JSON body', path: base, body: '{"a":1}', contentType: 'application/json' }, { label: 'unexpected invalid body', path: base, body: '{"a":', contentType: 'application/json' });
  return cases;
}

const AUTHS: [string, Record<string, string>][] = [
  ['admin', { authorization: 'Bearer adminkey' }],
  ['read', { authorization: 'Bearer readkey' }],
  ['none', {}],
  ['bad', { authorization: 'Bearer not-a-key' }],
];

const agent = new Agent({ keepAlive: true, maxSockets: 4 });

/** Sends one request with node:http (the path goes on the wire as written). */
function sendOnce(server: Server, method: string, c: Case, authHeaders: Record<string, string>, fresh: boolean): Promise<Outcome> {
  const url = new URL(server.url);
  const t0 = performance.now();
  return new Promise((resolvePromise) => {
    const headersOut: Record<string, string> = { ...authHeaders };
    if (c.contentType !== undefined) headersOut['content-type'] = c.contentType;
    // Framed explicitly: Node sends a GET or DELETE body without Content-Length otherwise.
    if (c.body !== undefined) headersOut['content-length'] = String(Buffer.byteLength(c.body));
    let req: ReturnType<typeof httpRequest>;
    try {
      req = httpRequest({ host: url.hostname, port: url.port, method, path: c.path, headers: headersOut, agent: fresh ? false : agent, timeout: 60_000 }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolvePromise({ status: res.statusCode ?? 0, ms: performance.now() - t0, body: Buffer.concat(chunks).toString('utf8'), contentType: String(res.headers['content-type'] ?? '') }));
        res.on('error', (error) => resolvePromise({ status: -1, ms: performance.now() - t0, body: String(error), contentType: '' }));
      });
    } catch (error) {
      // Node refuses to send some paths at all (unescaped characters): not a server answer.
      resolvePromise({ status: -2, ms: 0, body: String(error), contentType: '' });
      return;
    }
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (error) => resolvePromise({ status: -1, ms: performance.now() - t0, body: String(error), contentType: '' }));
    req.end(c.body);
  });
}

let retried = 0;

/** Sends one request; a connection reset on a reused socket is retried once on a new connection. */
async function send(server: Server, method: string, c: Case, authHeaders: Record<string, string>): Promise<Outcome> {
  const first = await sendOnce(server, method, c, authHeaders, false);
  if (first.status !== -1) return first;
  retried++;
  return sendOnce(server, method, c, authHeaders, true);
}

/** Whether a 4xx answer has the documented error shape. */
function errorShapeOk(outcome: Outcome): boolean {
  if (!outcome.contentType.includes('application/json')) return false;
  try {
    const json = JSON.parse(outcome.body) as { error?: { code?: unknown; message?: unknown } };
    return typeof json.error?.code === 'string' && typeof json.error.message === 'string';
  } catch {
    return false;
  }
}

/** Destructive operations go last, in this order. */
const LAST = ['putAdminBlocklist', 'activateModel', 'rollbackModel', 'trainModel', 'deleteItem', 'deleteUser'];

function describe(method: string, c: Case, auth: string): string {
  const body = c.body === undefined ? '' : ` body(${c.body.length} B)=${JSON.stringify(c.body.slice(0, 120))}`;
  const path = c.path.length > 140 ? `${c.path.slice(0, 140)}… (${c.path.length} chars)` : c.path;
  return `${method} ${path} [${c.label}; key ${auth}; ${c.contentType ?? 'no content type'}]${body}`;
}

async function main(): Promise<void> {
  const started = performance.now();
  const dir = mkdtempSync(join(tmpdir(), 'lmrec-fuzz-'));
  let server: Server | undefined;
  let stopHealth = false;
  const health: number[] = [];
  const healthFailures: string[] = [];
  try {
    const db = join(dir, 'fuzz.db');
    const slice = await prepareDemoSliceDb(db, dir, 30);
    server = await startServer(db, [], { LMREC_API_KEYS: 'adminkey:admin,readkey:read,writekey:write' }, TREE ?? ROOT);
    const live = server;
    const doc = (await (await fetch(`${live.url}/openapi.json`)).json()) as OpenApi;
    const ops: { method: string; path: string; op: Operation }[] = [];
    for (const [path, methods] of Object.entries(doc.paths)) for (const [method, op] of Object.entries(methods)) ops.push({ method: method.toUpperCase(), path, op });
    ops.sort((a, b) => LAST.indexOf(a.op.operationId ?? '') - LAST.indexOf(b.op.operationId ?? ''));

    const healthLoop = (async () => {
      while (!stopHealth) {
        const t0 = performance.now();
        try {
          const res = await fetch(`${live.url}/v1/health`, { signal: AbortSignal.timeout(10_000) });
          await res.arrayBuffer();
          if (res.status !== 200) healthFailures.push(`status ${res.status} at ${((t0 - started) / 1000).toFixed(1)} s`);
        } catch (error) {
          healthFailures.push(`${String(error)} at ${((t0 - started) / 1000).toFixed(1)} s`);
        }
        health.push(performance.now() - t0);
        await new Promise((r) => setTimeout(r, 100));
      }
    })();

    const stats: OpStats[] = [];
    for (const { method, path, op } of ops) {
      let cases = operationCases(path, op, doc);
      if (QUICK) cases = cases.filter((c, i) => i === 0 || random() < 0.33);
      const s: OpStats = { op: `${method} ${path}`, sent: 0, statuses: new Map(), fiveXx: [], noAnswer: [], badShape: [], slow: [] };
      stats.push(s);
      for (const c of cases) {
        for (const [auth, authHeaders] of AUTHS) {
          const outcome = await send(live, method, c, authHeaders);
          if (outcome.status === -2) continue;
          s.sent++;
          s.statuses.set(outcome.status, (s.statuses.get(outcome.status) ?? 0) + 1);
          const what = describe(method, c, auth);
          if (outcome.status < 0) s.noAnswer.push(`${what} → ${outcome.body.slice(0, 300)}`);
          if (outcome.status >= 500) s.fiveXx.push(`${outcome.status}: ${what} → ${outcome.body.slice(0, 300)}`);
          if (outcome.status >= 400 && outcome.status < 500 && !errorShapeOk(outcome)) s.badShape.push(`${outcome.status} (${outcome.contentType || 'no content type'}) ${JSON.stringify(outcome.body.slice(0, 160))}: ${what}`);
          if (outcome.ms > SLOW_MS) s.slow.push(`${outcome.ms.toFixed(0)} ms → ${outcome.status}: ${what}`);
        }
      }
      process.stderr.write(`${s.op}: ${s.sent} requests, ${s.fiveXx.length} 5xx, ${s.noAnswer.length} without answer, ${s.badShape.length} bad shape, ${s.slow.length} slow\n`);
    }
    stopHealth = true;
    await healthLoop;
    const stillUp = await fetch(`${live.url}/v1/health`).then((r) => r.status, (e: unknown) => String(e));
    const seconds = (performance.now() - started) / 1000;

    const codes = [...new Set(stats.flatMap((s) => [...s.statuses.keys()]))].filter((c) => c > 0).sort((a, b) => a - b);
    const lines: string[] = [];
    lines.push(`# HTTP fuzz of every OpenAPI operation`, '');
    lines.push(
      `\`npx tsx bench/fuzz.ts --seed ${SEED}${QUICK ? ' --quick' : ''}${TREE === undefined ? '' : ` --tree ${TREE}`}\`: \`lmrec serve\` (child process, full pipeline) on a fresh SQLite database holding the first 30 users of the MovieLens demo (${slice.ratings} ratings, ${slice.movies} movies, item-kNN trained); ${ops.length} operations from \`/openapi.json\`; every case sent with the admin key, a read key, no key and a bad key; destructive operations last. ${stats.reduce((n, s) => n + s.sent, 0)} requests in ${seconds.toFixed(0)} s. "no answer": a request without an answer (connection reset or timeout, also on a new connection; ${retried} requests were sent a second time after a reset).`,
      '',
    );
    lines.push('## Status counts per operation', '');
    lines.push(
      table(
        ['operation', 'requests', ...codes.map(String), '5xx', 'no answer', 'not error shape', `> ${SLOW_MS / 1000} s`],
        stats.map((s) => [s.op, s.sent, ...codes.map((c) => s.statuses.get(c) ?? 0), s.fiveXx.length, s.noAnswer.length, s.badShape.length, s.slow.length]),
      ),
    );
    const total = (f: (s: OpStats) => string[]): string[] => stats.flatMap(f);
    lines.push('', `Totals: ${total((s) => s.fiveXx).length} 5xx, ${total((s) => s.noAnswer).length} requests without an answer, ${total((s) => s.badShape).length} 4xx not in the \`{ error: { code, message } }\` shape, ${total((s) => s.slow).length} slower than ${SLOW_MS / 1000} s.`, '');
    lines.push('## /v1/health during the run', '');
    lines.push(
      table(['polls', 'failed', 'p50 ms', 'p99 ms', 'max ms', 'answering at the end'], [[health.length, healthFailures.length, quantile(health, 0.5), quantile(health, 0.99), Math.max(...health), String(stillUp)]]),
    );
    if (healthFailures.length > 0) lines.push('', ...healthFailures.slice(0, 20).map((f) => `- ${f}`));
    const section = (title: string, f: (s: OpStats) => string[]): void => {
      const found = total(f);
      lines.push('', `## ${title} (${found.length})`, '');
      if (found.length === 0) lines.push('None.');
      for (const s of stats) {
        const list = f(s);
        if (list.length === 0) continue;
        lines.push(`### ${s.op}`, '', ...list.slice(0, 25).map((x) => `- ${x.replace(/\|/g, '\\|')}`));
        if (list.length > 25) lines.push(`- … ${list.length - 25} more`);
        lines.push('');
      }
    };
    section('5xx answers', (s) => s.fiveXx);
    section('Requests without an answer', (s) => s.noAnswer);
    section('4xx answers not in the documented error shape', (s) => s.badShape);
    section(`Answers slower than ${SLOW_MS / 1000} s`, (s) => s.slow);
    const report = lines.join('\n') + '\n';
    mkdirSync(dirname(OUT), { recursive: true });
    writeFileSync(OUT, report);
    console.log(report);
  } finally {
    stopHealth = true;
    agent.destroy();
    if (server !== undefined) await stopServer(server);
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
