/**
 * The embedding cache key of a text: SHA-256 of its exact UTF-8 bytes, in hex. No normalisation,
 * so two texts share a cached vector only when the encoder would see the same input.
 * @module
 */
import { createHash } from 'node:crypto';

/** SHA-256 of the exact text (UTF-8), as 64 lowercase hex characters. */
export function textHash(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
