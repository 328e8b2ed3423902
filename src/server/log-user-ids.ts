/**
 * User ids in the server's log lines (C22): the request line of a route under `/users/:id` names the
 * user by pseudonym, query values of `user`/`userId` likewise, and a logged error message has every
 * user id of the request (path, query, body) replaced, so logs can follow a user without naming them.
 * @module
 */
import type { FastifyRequest } from 'fastify';
import type { Pseudonymiser } from '../index.js';

/** Query keys whose values are user ids. */
const USER_QUERY_KEYS = new Set(['user', 'userId']);
/** Most body events whose user ids are collected for scrubbing one message. */
const MAX_BODY_USERS = 1_000;

/** Whether the matched route takes a user id as `:id` (`/v1/users/:id…`). */
function userRoute(request: FastifyRequest): boolean {
  return (request.routeOptions.url ?? '').includes('/users/:id');
}

/** The user ids a request names: its `:id` on a user route, user query keys, and `userId` fields of its body. */
export function requestUserIds(request: FastifyRequest): string[] {
  const ids = new Set<string>();
  const params = request.params as Record<string, unknown> | undefined;
  if (userRoute(request) && typeof params?.id === 'string') ids.add(params.id);
  const query = request.query as Record<string, unknown> | undefined;
  for (const key of USER_QUERY_KEYS) if (typeof query?.[key] === 'string') ids.add(query[key]);
  const body = request.body as { userId?: unknown; events?: unknown } | undefined;
  if (body !== null && typeof body === 'object') {
    if (typeof body.userId === 'string') ids.add(body.userId);
    if (Array.isArray(body.events)) {
      for (const event of body.events.slice(0, MAX_BODY_USERS) as unknown[]) {
        const userId = (event as { userId?: unknown } | null)?.userId;
        if (typeof userId === 'string') ids.add(userId);
      }
    }
  }
  return [...ids];
}

/** The request's path and query as a log line shows them: user ids replaced by pseudonyms. */
export function loggedUrl(request: FastifyRequest, pseudonymiser: Pseudonymiser | undefined): string {
  if (pseudonymiser === undefined) return request.url;
  const [path = '', search] = request.url.split('?', 2);
  let shown = path;
  if (userRoute(request)) {
    const pattern = (request.routeOptions.url ?? '').split('/');
    const at = pattern.indexOf(':id');
    const segments = path.split('/');
    if (at > 0 && pattern[at - 1] === 'users' && at < segments.length) {
      segments[at] = pseudonymiser.pseudonym(decodeURIComponent(segments[at]));
      shown = segments.join('/');
    }
  }
  if (search === undefined) return shown;
  const query = new URLSearchParams(search);
  for (const key of USER_QUERY_KEYS) {
    const value = query.get(key);
    if (value !== null) query.set(key, pseudonymiser.pseudonym(value));
  }
  return `${shown}?${query.toString()}`;
}

/** `message` with the request's user ids replaced by pseudonyms. */
export function loggedMessage(request: FastifyRequest, message: string, pseudonymiser: Pseudonymiser | undefined): string {
  return pseudonymiser === undefined ? message : pseudonymiser.scrub(message, requestUserIds(request));
}
