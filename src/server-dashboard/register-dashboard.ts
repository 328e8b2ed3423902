/**
 * The web dashboard's server side: serves the built single-page app (`dashboard/dist`) at `/` and
 * adds the read-only routes it needs beyond the core API — a users list, interaction statistics of
 * an item, recent events and a live event stream (Server-Sent Events), and the evaluation reports
 * found on disk. Routes carry `config.scope` like the core routes, so the server's key check applies.
 * The page never carries a configured key: at most a per-process session key of least scope, and only
 * for a browser on this machine that asked for the page under an allowed name without a proxy between.
 * @module
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { NotFoundError, ValidationError } from '../index.js';
import type { Engine, StoredEvent } from '../index.js';
import { createHostAllowList, isLoopbackAddress } from '../server/index.js';
import type { HostAllowList, Scope } from '../server/index.js';
import { createEventFeed } from './event-feed.js';
import type { EventFeed, EventFeedOptions, EventSubscription } from './event-feed.js';
import { createEventStats } from './event-stats.js';
import type { EventStats } from './event-stats.js';
import { registerListViews } from './list-view.js';
import { createReportDirectory } from './report-directory.js';
import type { ReportDirectory } from './report-directory.js';

/** Options of {@link registerDashboard}. */
export interface DashboardOptions {
  engine: Engine;
  /** Directories searched for `report.json` files (default `['var/reports']`, relative to the working directory). */
  reportsDirs?: readonly string[];
  /** Directories of the sample reports shipped with lmrec; their reports are listed as samples, after the others. */
  sampleReportsDirs?: readonly string[];
  /** The built dashboard (default `dashboard/dist` of this package). */
  distDir?: string;
  /**
   * A key written into the page so that a browser on this machine works without typing one. It must
   * be a per-process key made for the page (`generateApiKey()`, added to the server's keys in memory
   * only), never a configured key, with the least scope that suffices; see {@link pageMayCarryKey}
   * for when the page carries it. Everyone else enters a key on the Settings page.
   */
  sessionKey?: DashboardSessionKey;
  /** Hostnames besides the loopback names under which the page may carry the session key (the server's `allowedHosts`). */
  allowedHosts?: readonly string[];
  /** Polling of the live event stream. */
  feed?: EventFeedOptions;
  /**
   * Most event streams (`GET /v1/events/stream`) open at once (default {@link DEFAULT_MAX_STREAMS});
   * beyond it a stream request gets 503 `too_many_streams`.
   */
  maxStreams?: number;
  /**
   * A stream whose client has read nothing for this long while its socket buffer stayed full is
   * closed, freeing its place (default 60 s).
   */
  streamStallMs?: number;
}

/** Default of {@link DashboardOptions.maxStreams}. */
export const DEFAULT_MAX_STREAMS = 64;

/** The dashboard's session key and its scope (written into the page next to the key). */
export interface DashboardSessionKey {
  key: string;
  scope: Scope;
}

/** What {@link registerDashboard} set up (exposed for tests and shutdown). */
export interface DashboardHandle {
  stats: EventStats;
  feed: EventFeed;
  reports: ReportDirectory;
  distDir: string;
}

/** The package's `dashboard/dist`, both from `src/` (tests) and from the compiled `dist/`. */
export const DEFAULT_DASHBOARD_DIST = fileURLToPath(new URL('../../dashboard/dist', import.meta.url));

const MAX_LIST = 1000;
const HEARTBEAT_MS = 15_000;
const STREAM_HEADERS = { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', connection: 'keep-alive', 'x-accel-buffering': 'no' } as const;

const idParams = { type: 'object', properties: { id: { type: 'string', minLength: 1, maxLength: 512 } }, required: ['id'], additionalProperties: false } as const;

/**
 * The dashboard page's Content-Security-Policy: scripts, styles, fonts and API calls from its own
 * origin only (no inline script or style: the app sets styles through the CSSOM), images from itself
 * or `data:` (the icon), no plugins, no framing, no `<base>`, forms to itself. `connect-src 'self'`
 * means the dashboard served by an engine talks to that engine only: an "engine address" of another
 * origin in Settings is blocked here (it works where the built app is hosted without this policy,
 * e.g. the Vite development server).
 */
export const DASHBOARD_CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/** Headers that only proxies add: their presence means the browser is not on this machine. */
const PROXY_HEADERS = ['forwarded', 'x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto', 'x-forwarded-port', 'x-forwarded-server', 'x-real-ip', 'x-client-ip', 'true-client-ip', 'cf-connecting-ip', 'via'] as const;

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function sameOrigin(a: string, b: string): boolean {
  try {
    const origin = new URL(a).origin;
    return origin !== 'null' && origin === new URL(b).origin;
  } catch {
    return false;
  }
}

/**
 * True when the page may carry the session key: the connection comes from the loopback interface,
 * `Host` names this machine or an allowed host, no proxy header is present, `Origin` (when sent) is
 * the page's own origin and `Sec-Fetch-Site` (when sent) is `none` or `same-origin`. Each condition
 * closes one way of reading the key from elsewhere: a remote client, a DNS-rebinding page, a reverse
 * proxy that would hand the key to every visitor, a cross-site request.
 */
export function pageMayCarryKey(request: FastifyRequest, hosts: HostAllowList): boolean {
  if (!isLoopbackAddress(request.socket.remoteAddress)) return false;
  const host = single(request.headers.host);
  if (host === undefined || !hosts.allows(host)) return false;
  if (PROXY_HEADERS.some((name) => request.headers[name] !== undefined)) return false;
  const origin = single(request.headers.origin);
  if (origin !== undefined && !sameOrigin(origin, `${request.protocol}://${host}`)) return false;
  const site = single(request.headers['sec-fetch-site']);
  return site === undefined || site === 'none' || site === 'same-origin';
}

function escapeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const NOT_BUILT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>lmrec dashboard</title></head>
<body>
<h1>The dashboard is not built</h1><p>Build it once with <code>npm run build:dashboard</code>, then reload this page.
The API is available under <a href="/openapi.json"><code>/v1</code></a>.</p></body></html>`;

/**
 * Registers the dashboard on a server built by `createServer` (before it starts listening).
 * @example
 * const app = await createServer({ engine, apiKeys });
 * await registerDashboard(app, { engine, reportsDirs: ['var/reports'] });
 * await app.listen({ port: 8080 });
 */
export async function registerDashboard(app: FastifyInstance, options: DashboardOptions): Promise<DashboardHandle> {
  const { storage } = options.engine;
  const distDir = resolve(options.distDir ?? DEFAULT_DASHBOARD_DIST);
  const stats = createEventStats(storage);
  const feed = createEventFeed(storage, options.feed);
  const reports = createReportDirectory(options.reportsDirs ?? ['var/reports'], { sampleDirs: options.sampleReportsDirs ?? [] });
  const streams = new Set<() => void>();
  const maxStreams = options.maxStreams ?? DEFAULT_MAX_STREAMS;
  if (!Number.isInteger(maxStreams) || maxStreams < 0) throw new ValidationError(`maxStreams must be a non-negative integer, got ${maxStreams}`, { details: { field: 'maxStreams' } });
  const stallMs = options.streamStallMs ?? 60_000;
  // Always restricted to loopback names and the listed hosts, whatever interface the server binds.
  const pageHosts = createHostAllowList({ allowedHosts: options.allowedHosts ?? [], loopbackOnly: true });
  const session = options.sessionKey !== undefined && options.sessionKey.key !== '' ? options.sessionKey : undefined;

  app.addHook('preClose', async () => {
    for (const end of [...streams]) end();
    feed.close();
  });

  registerListViews(app, storage, stats);

  if (!app.hasRoute({ method: 'GET', url: '/v1/users' })) {
    app.get<{ Querystring: { after?: string; limit?: number; q?: string } }>(
      '/v1/users',
      {
        config: { scope: 'read' },
        schema: {
          tags: ['dashboard'],
          summary: 'Users ordered by id, in pages; `q` keeps ids starting with it',
          querystring: {
            type: 'object',
            properties: { after: { type: 'string' }, limit: { type: 'integer', minimum: 1, maximum: MAX_LIST, default: 50 }, q: { type: 'string', maxLength: 512 } },
            additionalProperties: false,
          },
        },
      },
      async (request) => {
        const { after, q } = request.query;
        const limit = Math.min(MAX_LIST, Number(request.query.limit ?? 50));
        let ids: string[];
        if (q !== undefined && q !== '') {
          // Ids starting with q form one run right after q itself in id order.
          const exact = after === undefined || after < q ? await storage.users.get(q) : undefined;
          const rest = await storage.users.list({ after: after !== undefined && after > q ? after : q, limit });
          ids = [...(exact ? [exact.id] : []), ...rest.map((u) => u.id).filter((id) => id.startsWith(q))].slice(0, limit);
        } else {
          ids = (await storage.users.list({ after, limit })).map((u) => u.id);
        }
        const counts = await stats.userEvents(ids);
        const users = ids.map((id) => ({ id, events: counts.get(id) ?? 0 }));
        const body: { users: typeof users; total: number; next?: string } = { users, total: await storage.users.count() };
        if (ids.length === limit) body.next = ids[ids.length - 1];
        return body;
      },
    );
  }

  app.get<{ Params: { id: string }; Querystring: { limit?: number } }>(
    '/v1/users/:id/timeline',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['dashboard'],
        summary: "A user's recent events, newest first, with the titles of their items",
        params: idParams,
        querystring: { type: 'object', properties: { limit: { type: 'integer', minimum: 1, maximum: MAX_LIST, default: 50 } }, additionalProperties: false },
      },
    },
    async (request) => {
      const { id } = request.params;
      const limit = Math.min(MAX_LIST, Number(request.query.limit ?? 50));
      const [user, eventCount, events] = await Promise.all([storage.users.get(id), storage.events.count({ userId: id }), storage.events.forUser(id, { limit })]);
      if (user === undefined && eventCount === 0) throw new NotFoundError(`user "${id}" not found`, { details: { userId: id } });
      const itemIds = [...new Set(events.map((e) => e.itemId).filter((x): x is string => x !== undefined))];
      const titles = new Map((await storage.items.getMany(itemIds)).map((it) => [it.id, it.title]));
      return {
        user: user ?? { id },
        stored: user !== undefined,
        eventCount,
        events: events.reverse().map((e) => (e.itemId !== undefined && titles.has(e.itemId) ? { ...e, title: titles.get(e.itemId) } : e)),
      };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/v1/items/:id/stats',
    { config: { scope: 'read' }, schema: { tags: ['dashboard'], summary: 'Interaction statistics of an item: counts by event type, rating histogram', params: idParams } },
    async (request) => {
      const { id } = request.params;
      const item = await stats.item(id);
      if (item.events === 0 && (await storage.items.get(id)) === undefined) throw new NotFoundError(`item "${id}" not found`, { details: { itemId: id } });
      return item;
    },
  );

  app.get<{ Querystring: { after?: number; limit?: number } }>(
    '/v1/events/recent',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['dashboard'],
        summary: 'Events after a sequence number (default: the latest ones), oldest first',
        querystring: {
          type: 'object',
          properties: { after: { type: 'integer', minimum: 0 }, limit: { type: 'integer', minimum: 1, maximum: MAX_LIST, default: 50 } },
          additionalProperties: false,
        },
      },
    },
    async (request) => {
      const limit = Math.min(MAX_LIST, Number(request.query.limit ?? 50));
      const lastSeq = await storage.events.lastSeq();
      const after = request.query.after === undefined ? Math.max(0, lastSeq - limit) : Number(request.query.after);
      const events: StoredEvent[] = [];
      for await (const page of storage.events.scan({ afterSeq: after, batchSize: limit })) {
        events.push(...page);
        break;
      }
      return { events, lastSeq };
    },
  );

  app.get<{ Querystring: { after?: number } }>(
    '/v1/events/stream',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['dashboard'],
        summary: 'Live stream of appended events (Server-Sent Events, `event: events`, data = JSON array)',
        description:
          'Resumes after `after` or the `Last-Event-ID` header when given, else starts with events appended from now on. Each stream reads from its own position, so a slow reader delays no other. At most `dashboard.maxStreams` streams are open at once (503 `too_many_streams` beyond). `HEAD` answers the headers without opening a stream.',
        querystring: { type: 'object', properties: { after: { type: 'integer', minimum: 0 } }, additionalProperties: false },
      },
    },
    async (request, reply) => {
      if (streams.size >= maxStreams) {
        const message = `${streams.size} event streams are open, the most this server allows (dashboard.maxStreams = ${maxStreams}); try again later`;
        return reply.code(503).header('retry-after', '5').send({ error: { code: 'too_many_streams', message, details: { open: streams.size, limit: maxStreams } } });
      }
      // Fastify answers HEAD with this handler: the headers a stream would get, and no stream.
      if (request.method === 'HEAD') return reply.code(200).headers(STREAM_HEADERS).send();
      const header = request.headers['last-event-id'];
      const resume = Number(Array.isArray(header) ? header[0] : header);
      const after = request.query.after !== undefined ? Number(request.query.after) : Number.isInteger(resume) && resume >= 0 && header !== undefined ? resume : undefined;
      let subscription: EventSubscription | undefined;
      let heartbeat: ReturnType<typeof setInterval> | undefined = undefined;
      let closed = false;
      const res = reply.raw;
      const end = (): void => {
        if (closed) return;
        closed = true;
        clearInterval(heartbeat);
        subscription?.close();
        streams.delete(end);
        if (!res.writableEnded) res.end();
      };
      // The place is taken before the first await, so concurrent requests cannot exceed the cap.
      streams.add(end);
      request.raw.on('close', end);
      reply.hijack();
      // A hijacked reply sends only what is written here: keep the security headers set so far.
      for (const [name, value] of Object.entries(reply.getHeaders())) if (value !== undefined) res.setHeader(name, value);
      res.writeHead(200, STREAM_HEADERS);
      res.write(`retry: 2000\n: connected\n\n`);
      try {
        // A full socket buffer (write returns false) pauses this stream alone; 'drain' resumes it
        // from its own cursor.
        subscription = await feed.subscribe((events) => res.write(`id: ${events[events.length - 1].seq}\nevent: events\ndata: ${JSON.stringify(events)}\n\n`), after);
      } catch (error) {
        end();
        throw error;
      }
      if (closed) {
        subscription.close();
        return;
      }
      const live = subscription;
      res.on('drain', () => live.resume());
      let fullSince: number | undefined;
      heartbeat = setInterval(() => {
        if (!res.writableNeedDrain) {
          fullSince = undefined;
          res.write(': ping\n\n');
          return;
        }
        // A client that reads nothing keeps its place only so long.
        fullSince ??= Date.now();
        if (Date.now() - fullSince >= stallMs) end();
      }, Math.min(HEARTBEAT_MS, Math.max(1, Math.floor(stallMs / 4))));
    },
  );

  app.get('/v1/reports', { config: { scope: 'read' }, schema: { tags: ['dashboard'], summary: 'Evaluation reports found in the reports directories' } }, async () => ({
    reports: await reports.list(),
    dirs: reports.dirs.filter((d) => !reports.sampleDirs.includes(d)),
    sampleDirs: reports.sampleDirs,
  }));

  app.get<{ Params: { id: string } }>(
    '/v1/reports/:id',
    { config: { scope: 'read' }, schema: { tags: ['dashboard'], summary: 'One evaluation report (its report.json)', params: idParams } },
    async (request) => {
      const doc = await reports.get(request.params.id);
      if (doc === undefined) throw new NotFoundError(`report "${request.params.id}" not found`, { details: { reportId: request.params.id } });
      return doc;
    },
  );

  const indexFile = join(distDir, 'index.html');
  const built = existsSync(indexFile);
  if (built && existsSync(join(distDir, 'assets'))) {
    await app.register(fastifyStatic, { root: join(distDir, 'assets'), prefix: '/assets/', wildcard: false, index: false, maxAge: '1y', immutable: true, decorateReply: false });
  }
  app.get('/', { schema: { hide: true } }, async (request, reply) => {
    // no-store: a page that may carry a key is kept by no cache.
    void reply.header('cache-control', 'no-store').header('content-security-policy', DASHBOARD_CONTENT_SECURITY_POLICY).type('text/html; charset=utf-8');
    if (!existsSync(indexFile)) return NOT_BUILT;
    let html = await readFile(indexFile, 'utf8');
    if (session !== undefined && pageMayCarryKey(request, pageHosts)) {
      const meta = `<meta name="lmrec-api-key" content="${escapeAttribute(session.key)}"><meta name="lmrec-api-key-scope" content="${session.scope}">`;
      html = html.replace('</head>', `${meta}</head>`);
    }
    return html;
  });

  return { stats, feed, reports, distDir };
}
