/**
 * Pseudonymised user ids (C22): a keyed hash (HMAC-SHA256 under a per-install secret) that stands in
 * for a user id wherever one would reach a log line. The same id always gives the same pseudonym under
 * one secret, so an operator can follow one user through the logs, but the id cannot be recovered
 * (nor guessed from a list of candidate ids) without the secret.
 *
 * @example
 * const pseudonymiser = createPseudonymiser('…secret…');
 * pseudonymiser.pseudonym('alice@example.com'); // 'u_3q2Fh0xR9kLmWzAe'
 * @module
 */
import { createHmac, randomBytes } from 'node:crypto';
import { ValidationError } from '../core/errors.js';

/** Prefix of every pseudonym, so a log reader knows it is not a raw id. */
export const PSEUDONYM_PREFIX = 'u_';

/** Replaces user ids by their pseudonyms. */
export interface Pseudonymiser {
  /** The pseudonym of `userId`: {@link PSEUDONYM_PREFIX} and 16 base64url characters (96 bits) of its HMAC. */
  pseudonym(userId: string): string;
  /**
   * `text` with every occurrence of one of `userIds` as a whole token (not inside a longer word or
   * number) replaced by its pseudonym: for messages that may quote an id.
   */
  scrub(text: string, userIds: Iterable<string>): string;
}

/** Shortest secret accepted, in characters. */
export const MIN_PSEUDONYM_SECRET = 16;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A pseudonymiser under `secret` (at least {@link MIN_PSEUDONYM_SECRET} characters). */
export function createPseudonymiser(secret: string): Pseudonymiser {
  if (typeof secret !== 'string' || secret.length < MIN_PSEUDONYM_SECRET) {
    throw new ValidationError(`the pseudonym secret must be a string of at least ${MIN_PSEUDONYM_SECRET} characters`, { details: { field: 'privacy.pseudonymSecret' } });
  }
  const pseudonym = (userId: string): string => PSEUDONYM_PREFIX + createHmac('sha256', secret).update(userId, 'utf8').digest('base64url').slice(0, 16);
  return {
    pseudonym,
    scrub(text, userIds) {
      let out = text;
      // Longest first, so an id that contains another is replaced whole.
      for (const id of [...new Set(userIds)].filter((id) => id !== '').sort((a, b) => b.length - a.length)) {
        out = out.replace(new RegExp(`(?<![\\p{L}\\p{N}_-])${escapeRegExp(id)}(?![\\p{L}\\p{N}_-])`, 'gu'), pseudonym(id));
      }
      return out;
    },
  };
}

/** A pseudonymiser under a random secret of this process only: pseudonyms change at every start. */
export function createEphemeralPseudonymiser(): Pseudonymiser {
  return createPseudonymiser(randomBytes(32).toString('hex'));
}
