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

/**
 * Under the `reject` policy, `ValidationError` naming the first event whose item the catalogue lacks
 * (`at(index)` is its place in the body, e.g. `body/events/3`); one catalogue read for the batch.
 */
async function refuseUnknownItems(ctx: ServerContext, incoming: readonly IncomingEvent[], at: (index: number) => string, signal: AbortSignal): Promise<void> {
  if (ctx.unknownItems === 'accept') return;
  const ids = [...new Set(incoming.map((e) => e.itemId).filter((id): id is string => id !== undefined))];
  if (ids.length === 0) return;
  const known = new Set((await ctx.storage.items.getMany(ids, { signal })).map((item) => item.id));
  if (known.size === ids.length) return;
  const index = incoming.findIndex((e) => e.itemId !== undefined && !known.has(e.itemId));
  const itemId = incoming[index].itemId as string;
  const field = `${at(index)}/itemId`;
  throw new ValidationError(`${field}: unknown item ${JSON.stringify(itemId)}: not in the catalogue; add it first (PUT /v1/items/:id), or run the server with unknownItems "accept"`, {
    details: { field, index, itemId, unknownItems: ids.length - known.size, reason: 'unknown_item' },
  });
}

/** Appends events, then runs the hook; a failing hook is logged, not reported (the events are stored). */
async function ingest(ctx: ServerContext, incoming: readonly IncomingEvent[], signal: AbortSignal): Promise<{ accepted: number; lastSeq: number }> {
  const now = Date.now();
  // Added fields go first: \`{ ...e, x }\` gives every copy a hidden class of its own in V8 (hundreds of
  // bytes each, kept as long as the event is, e.g. in the pipeline's live sessions); \`{ x, ...e }\` shares one.
  const events: Event[] = incoming.map((e) => (e.timestamp === undefined ? { timestamp: now, ...e } : (e as Event)));
  const seqs = await ctx.storage.events.append(events, { signal });
  ctx.counters.eventsAccepted += events.length;
  if (ctx.onEvent !== undefined) {
    const stored: StoredEvent[] = events.map((e, i) => ({ seq: seqs[i], ...e }));
    try {
      await ctx.onEvent(stored, signal);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      // A hook's message may quote an event's user id: logged by pseudonym.
      const shown = ctx.pseudonymiser === undefined ? message : ctx.pseudonymiser.scrub(message, events.map((e) => e.userId));
      ctx.logger.log('warn', 'event hook failed; the events are stored', { error: shown });
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
      schema: {
        tags: ['events'],
        summary: 'Post one event, or { events: [...] }',
        description: 'An event naming an item the catalogue does not hold is refused (400, naming the event) unless the server runs with `unknownItems: "accept"`.',
        body: eventsBody,
      },
    },
    async (request, reply) => {
      const body = request.body;
      const signal = requestSignal(reply);
      if ('events' in body) {
        await refuseUnknownItems(ctx, body.events, (i) => `body/events/${i}`, signal);
        return ingest(ctx, body.events, signal);
      }
      await refuseUnknownItems(ctx, [body], () => 'body', signal);
      return ingest(ctx, [body], signal);
    },
  );

  app.post<{ Body: { events: IncomingEvent[] } }>(
    '/v1/events/batch',
    {
      config: { scope: 'write' },
      bodyLimit: ctx.batchBodyLimit,
      schema: {
        tags: ['events'],
        summary: 'Post up to 10 000 events in one transaction',
        description: 'Nothing is stored when one event names an item the catalogue does not hold (400, naming the event) unless the server runs with `unknownItems: "accept"`.',
        body: eventBatchSchema,
      },
    },
    async (request, reply) => {
      const signal = requestSignal(reply);
      await refuseUnknownItems(ctx, request.body.events, (i) => `body/events/${i}`, signal);
      return ingest(ctx, request.body.events, signal);
    },
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
