/**
 * Event ingestion and feedback on served lists. An accepted event is durable (appended through
 * storage) and handed to the event hook before the request answers, so the next request sees it.
 * @module
 */
import type { FastifyInstance } from 'fastify';
import { NotFoundError, ValidationError } from '../../index.js';
import type { Event, StoredEvent } from '../../index.js';
import type { ServerContext } from '../context.js';
import { requestSignal } from '../request-signal.js';
import { eventBatchSchema, eventsBody, feedbackBody } from '../schemas.js';
import type { FEEDBACK_TYPES } from '../schemas.js';

type IncomingEvent = Omit<Event, 'timestamp'> & { timestamp?: number };

/** Appends events, then runs the hook; a failing hook is logged, not reported (the events are stored). */
async function ingest(ctx: ServerContext, incoming: readonly IncomingEvent[], signal: AbortSignal): Promise<{ accepted: number; lastSeq: number }> {
  const now = Date.now();
  const events: Event[] = incoming.map((e) => (e.timestamp === undefined ? { ...e, timestamp: now } : (e as Event)));
  const seqs = await ctx.storage.events.append(events, { signal });
  ctx.counters.eventsAccepted += events.length;
  if (ctx.onEvent !== undefined) {
    const stored: StoredEvent[] = events.map((e, i) => ({ ...e, seq: seqs[i] }));
    try {
      await ctx.onEvent(stored, signal);
    } catch (error) {
      ctx.logger.log('warn', 'event hook failed; the events are stored', { error: error instanceof Error ? error.message : String(error) });
    }
  }
  return { accepted: events.length, lastSeq: seqs[seqs.length - 1] ?? 0 };
}

/** Registers `/v1/events`, `/v1/events/batch` and `/v1/feedback`. */
export function registerEventRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.post<{ Body: IncomingEvent | { events: IncomingEvent[] } }>(
    '/v1/events',
    {
      config: { scope: 'write' },
      bodyLimit: ctx.batchBodyLimit,
      schema: { tags: ['events'], summary: 'Post one event, or { events: [...] }', body: eventsBody },
    },
    async (request, reply) => {
      const body = request.body;
      const events = 'events' in body ? body.events : [body];
      return ingest(ctx, events, requestSignal(reply));
    },
  );

  app.post<{ Body: { events: IncomingEvent[] } }>(
    '/v1/events/batch',
    {
      config: { scope: 'write' },
      bodyLimit: ctx.batchBodyLimit,
      schema: { tags: ['events'], summary: 'Post up to 10 000 events in one transaction', body: eventBatchSchema },
    },
    async (request, reply) => ingest(ctx, request.body.events, requestSignal(reply)),
  );

  app.post<{ Body: { impressionId: string; itemId: string; type: (typeof FEEDBACK_TYPES)[number]; value?: number; timestamp?: number } }>(
    '/v1/feedback',
    {
      config: { scope: 'write' },
      schema: {
        tags: ['events'],
        summary: 'Feedback on an item of a served list',
        description: 'A `click` is counted for the list (idempotent per item) and feeds CTR in /v1/metrics; every type is also stored as an event of the list\'s user.',
        body: feedbackBody,
      },
    },
    async (request, reply) => {
      const signal = requestSignal(reply);
      const { impressionId, itemId, type, value } = request.body;
      const at = request.body.timestamp ?? Date.now();
      const impression = await ctx.storage.impressions.get(impressionId, { signal });
      if (impression === undefined) {
        throw new NotFoundError(`impression "${impressionId}" not found`, { details: { field: 'body/impressionId', impressionId } });
      }
      if (!impression.itemIds.includes(itemId)) {
        throw new ValidationError(`body/itemId "${itemId}" was not in impression "${impressionId}"`, { details: { field: 'body/itemId', impressionId, itemId } });
      }
      if (type === 'click') await ctx.storage.impressions.click(impressionId, itemId, at, { signal });
      const event: IncomingEvent = {
        userId: impression.userId,
        itemId,
        type,
        timestamp: at,
        context: { impressionId, modelVersion: impression.modelVersion, variant: impression.variant },
      };
      if (value !== undefined) event.value = value;
      const { lastSeq } = await ingest(ctx, [event], signal);
      ctx.counters.feedback++;
      return { recorded: true, click: type === 'click', impressionId, itemId, seq: lastSeq };
    },
  );
}
