/**
 * Health, metrics and the OpenAPI document.
 * @module
 */
import type { FastifyInstance } from 'fastify';
import type { ImpressionStats } from '../../index.js';
import type { ServerContext } from '../context.js';
import { requestSignal } from '../request-signal.js';
import { metricsQuery } from '../schemas.js';

interface Ctr {
  impressions: number;
  clicks: number;
  /** Clicks per served list. */
  ctr: number;
}

function ctr(impressions: number, clicks: number): Ctr {
  return { impressions, clicks, ctr: impressions === 0 ? 0 : Math.round((clicks / impressions) * 1e6) / 1e6 };
}

function rollUp(stats: readonly ImpressionStats[], key: (s: ImpressionStats) => string): Record<string, Ctr> {
  const sums = new Map<string, [number, number]>();
  for (const s of stats) {
    const k = key(s);
    const [i, c] = sums.get(k) ?? [0, 0];
    sums.set(k, [i + s.impressions, c + s.clicks]);
  }
  return Object.fromEntries([...sums].map(([k, [i, c]]) => [k, ctr(i, c)]));
}

/** Registers `/v1/health`, `/v1/metrics` and `/openapi.json`. */
export function registerSystemRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.get(
    '/v1/health',
    {
      schema: {
        tags: ['system'],
        summary: 'Liveness, storage reachability and whether writes work (no key needed)',
        description:
          '`status` is `ok`; `starting` while the service loads what it serves (models, trending counts; `starting` says which step and for how long), when recommendations answer 503 `starting` with `Retry-After`; or `degraded` when storage serves reads but writes fail (`writes: failing`, with `lastWriteError`) or are refused (`writes: read-only`, with `readOnlyReason`); 503 when storage cannot be read.',
      },
    },
    async (_request, reply) => {
      try {
        await ctx.storage.events.lastSeq({ signal: requestSignal(reply) });
      } catch (error) {
        return reply.code(503).send({ error: { code: 'backend_error', message: `storage unreachable: ${error instanceof Error ? error.message : String(error)}` } });
      }
      const storage = ctx.storage.health();
      const starting = ctx.startup?.();
      return {
        status: starting !== undefined ? 'starting' : storage.writes === 'ok' ? 'ok' : 'degraded',
        ...(starting === undefined ? {} : { starting }),
        uptimeSeconds: Math.round((Date.now() - ctx.startedAt) / 1000),
        writes: storage.writes,
        ...(storage.readOnlyReason === undefined ? {} : { readOnlyReason: storage.readOnlyReason }),
        failedWrites: storage.failedWrites,
        ...(storage.lastWriteError === undefined ? {} : { lastWriteError: { ...storage.lastWriteError, at: new Date(storage.lastWriteError.at).toISOString() } }),
        impressionsNotRecorded: ctx.counters.impressionsNotRecorded,
      };
    },
  );

  app.get<{ Querystring: { since?: number } }>(
    '/v1/metrics',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['system'],
        summary: 'Request counts and latency per route, online CTR per model version and A/B variant, event counts, retention, retrieval threads',
        querystring: metricsQuery,
      },
    },
    async (request, reply) => {
      const signal = requestSignal(reply);
      const stats = await ctx.storage.impressions.stats({ since: request.query.since, signal });
      const threads = ctx.engine.retrievalThreadStats();
      return {
        uptimeSeconds: Math.round((Date.now() - ctx.startedAt) / 1000),
        requests: ctx.metrics.snapshot(),
        events: { stored: await ctx.storage.events.count({ signal }), lastSeq: await ctx.storage.events.lastSeq({ signal }), acceptedSinceStart: ctx.counters.eventsAccepted },
        feedback: { sinceStart: ctx.counters.feedback },
        online: {
          ...(request.query.since === undefined ? {} : { since: request.query.since }),
          total: ctr(
            stats.reduce((n, s) => n + s.impressions, 0),
            stats.reduce((n, s) => n + s.clicks, 0),
          ),
          byModelVersion: rollUp(stats, (s) => s.modelVersion),
          byVariant: rollUp(stats, (s) => s.variant),
          byModelVersionAndVariant: stats.map((s) => ({ modelVersion: s.modelVersion, variant: s.variant, ...ctr(s.impressions, s.clicks) })),
        },
        // Retention windows, the last purge and what was purged since start (absent without a retention job).
        ...(ctx.retention === undefined ? {} : { retention: ctx.retention.status() }),
        // Searches answered by the retrieval threads, and those handed back to the serving thread (absent without threads).
        ...(threads === undefined ? {} : { retrievalThreads: threads }),
        // Which serving process answered, whether it is the trainer, how far it follows the others (with `startService`).
        ...(ctx.processInfo === undefined ? {} : { process: ctx.processInfo() }),
      };
    },
  );

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
