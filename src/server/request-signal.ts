/**
 * An `AbortSignal` per request that fires when the client disconnects before the answer is sent,
 * so storage and model work for an abandoned request stops early.
 * @module
 */
import type { FastifyReply } from 'fastify';

/** The request's abort signal (created on first use). */
export function requestSignal(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) controller.abort(new Error('client closed the connection'));
  });
  return controller.signal;
}
