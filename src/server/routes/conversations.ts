/**
 * Conversation routes (C19): `POST /v1/conversations` starts a conversation (optionally with its
 * first message), `POST /v1/conversations/:id/messages` answers a message with the structured
 * request it was read as, the engine's items and a reply written around them. Conversations live in
 * the serving process's memory, bounded in number and idle time (see `ConversationStore`); an
 * unknown or expired id answers 404.
 * @module
 */
import type { FastifyInstance } from 'fastify';
import { UnsupportedError } from '../../index.js';
import type { Conversations, TurnResult } from '../../index.js';
import type { ServerContext } from '../context.js';
import { requestSignal } from '../request-signal.js';
import { errorResponse } from '../schemas.js';

const text = { type: 'string', minLength: 1, maxLength: 2000, description: 'what the person says, e.g. "something like The Matrix but funnier"' } as const;
const k = { type: 'integer', minimum: 1, maximum: 50, default: 5, description: 'items per answer' } as const;

const titled = { type: 'object', properties: { id: { type: 'string' }, title: { type: 'string' } }, required: ['id', 'title'] } as const;

/** One answered message. */
const turnSchema = {
  type: 'object',
  properties: {
    conversationId: { type: 'string' },
    expiresAt: { type: 'integer', description: 'ms since epoch; a message before then extends it' },
    reply: { type: 'string' },
    replySource: { type: 'string', enum: ['llm', 'template'], description: '`llm`: written by the configured model and checked to name only the answer\'s items and the ones the person named; else the template' },
    replyNote: { type: 'string', description: 'why a written reply was not used' },
    parsedBy: { type: 'string', enum: ['llm', 'rules'], description: 'who read the message into `wish`: the model, or the rule-based parser (no model, or it failed)' },
    parseNote: { type: 'string' },
    wish: {
      type: 'object',
      description: 'the structured request the engine answered (accumulated over the conversation)',
      properties: {
        liked: { type: 'array', items: titled },
        disliked: { type: 'array', items: titled },
        genres: { type: 'array', items: { type: 'string' } },
        excludeGenres: { type: 'array', items: { type: 'string' } },
        yearFrom: { type: 'integer' },
        yearTo: { type: 'integer' },
        maxPrice: { type: 'number' },
        moods: { type: 'array', items: { type: 'string' } },
        query: { type: 'string' },
      },
      required: ['liked', 'disliked', 'genres', 'excludeGenres', 'moods', 'query'],
    },
    items: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          id: { type: 'string' },
          title: { type: 'string' },
          score: { type: 'number' },
          sources: { type: 'array', items: { type: 'string' } },
          reasons: { type: 'array', items: { type: 'string' } },
        },
        required: ['id', 'title', 'score', 'sources', 'reasons'],
      },
    },
    modelVersion: { type: 'string' },
    fallback: { type: 'string', description: '`keyword` while no semantic model is trained' },
  },
  required: ['conversationId', 'expiresAt', 'reply', 'replySource', 'parsedBy', 'wish', 'items', 'modelVersion'],
} as const;

const startResponse = {
  type: 'object',
  properties: { conversationId: { type: 'string' }, expiresAt: { type: 'integer' }, turn: turnSchema },
  required: ['conversationId', 'expiresAt'],
} as const;

function service(ctx: ServerContext): Conversations {
  if (ctx.conversations === undefined) throw new UnsupportedError('conversations are not enabled on this server');
  return ctx.conversations;
}

/** Registers the conversation routes. */
export function registerConversationRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.post<{ Body: { userId?: string; text?: string; k?: number } }>(
    '/v1/conversations',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['conversations'],
        summary: 'Start a conversation',
        description:
          'Starts a conversation that ends in recommendations; with `text`, answers its first message as `turn`. With `userId`, the user\'s history blends into the answers. Conversations are held in the server\'s memory: bounded in number, dropped after the configured idle time, lost on restart.',
        body: { type: 'object', properties: { userId: { type: 'string', minLength: 1, maxLength: 512 }, text, k }, additionalProperties: false },
        response: { 201: startResponse, 501: errorResponse },
      },
    },
    async (request, reply) => {
      const conversations = service(ctx);
      const signal = requestSignal(reply);
      const c = conversations.start(request.body.userId);
      const body: { conversationId: string; expiresAt: number; turn?: TurnResult } = { conversationId: c.id, expiresAt: conversations.expiresAt(c) };
      if (request.body.text !== undefined) {
        body.turn = await conversations.message(c.id, request.body.text, { ...(request.body.k === undefined ? {} : { k: request.body.k }), signal });
        body.expiresAt = body.turn.expiresAt;
      }
      return reply.code(201).send(body);
    },
  );

  app.post<{ Params: { id: string }; Body: { text: string; k?: number } }>(
    '/v1/conversations/:id/messages',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['conversations'],
        summary: 'Answer a message of a conversation',
        description:
          'Reads the message (with the conversation so far) into a structured request — liked and disliked examples, genres, era, price, moods such as "funnier" — answered by the engine\'s own models (semantic, collaborative, filters). The reply is written around those items and names no other catalogue item; without an LLM a rule-based parser reads and a template replies.',
        params: { type: 'object', properties: { id: { type: 'string', minLength: 1, maxLength: 64 } }, required: ['id'], additionalProperties: false },
        body: { type: 'object', properties: { text, k }, required: ['text'], additionalProperties: false },
        response: { 200: turnSchema, 501: errorResponse },
      },
    },
    async (request, reply) => {
      const signal = requestSignal(reply);
      return service(ctx).message(request.params.id, request.body.text, { ...(request.body.k === undefined ? {} : { k: request.body.k }), signal });
    },
  );
}
