/**
 * API keys with ordered scopes: `read` < `write` < `admin`. A key is presented as
 * `Authorization: Bearer <key>` or `x-api-key: <key>`. Keys are held only as SHA-256 digests, so a
 * lookup compares fixed-length hashes rather than the secrets themselves.
 * @module
 */
import { createHash, randomBytes } from 'node:crypto';
import { ValidationError } from '../index.js';

/** Access levels, lowest first; a key grants its own scope and every lower one. */
export const SCOPES = ['read', 'write', 'admin'] as const;

/** One of {@link SCOPES}. */
export type Scope = (typeof SCOPES)[number];

/** A configured key. */
export interface ApiKey {
  key: string;
  scope: Scope;
}

/** Looks presented keys up. */
export interface KeyRing {
  /** The scope of `key`, or undefined when it is not configured. */
  scopeOf(key: string): Scope | undefined;
  /** Number of configured keys. */
  readonly size: number;
}

function isScope(value: string): value is Scope {
  return (SCOPES as readonly string[]).includes(value);
}

/** True when `granted` covers `needed`. */
export function scopeAllows(granted: Scope, needed: Scope): boolean {
  return SCOPES.indexOf(granted) >= SCOPES.indexOf(needed);
}

/**
 * Parses `key1:admin,key2:read` (whitespace ignored). Throws {@link ValidationError} naming the
 * offending entry; a key without a scope is refused rather than silently given one.
 * @example
 * parseApiKeys('s3cret:admin, viewer:read'); // [{ key: 's3cret', scope: 'admin' }, { key: 'viewer', scope: 'read' }]
 */
export function parseApiKeys(spec: string): ApiKey[] {
  const keys: ApiKey[] = [];
  for (const [index, raw] of spec.split(',').entries()) {
    const entry = raw.trim();
    if (entry === '') continue;
    const colon = entry.lastIndexOf(':');
    const key = colon < 0 ? '' : entry.slice(0, colon).trim();
    const scope = colon < 0 ? '' : entry.slice(colon + 1).trim();
    if (key === '' || !isScope(scope)) {
      throw new ValidationError(`API key entry ${index + 1} must look like <key>:<read|write|admin>`, {
        details: { field: 'apiKeys', index },
      });
    }
    keys.push({ key, scope });
  }
  return keys;
}

function digest(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** Builds a {@link KeyRing}; a key listed twice keeps its highest scope. */
export function createKeyRing(keys: readonly ApiKey[]): KeyRing {
  const byDigest = new Map<string, Scope>();
  for (const { key, scope } of keys) {
    const d = digest(key);
    const previous = byDigest.get(d);
    if (previous === undefined || scopeAllows(scope, previous)) byDigest.set(d, scope);
  }
  return {
    scopeOf: (key) => byDigest.get(digest(key)),
    size: byDigest.size,
  };
}

/** A fresh random key (URL-safe, 32 bytes of entropy). */
export function generateApiKey(): string {
  return `lmrec_${randomBytes(32).toString('base64url')}`;
}

/** The key a request presents, from `authorization: Bearer …` or `x-api-key`; undefined when none. */
export function presentedKey(headers: Record<string, string | string[] | undefined>): string | undefined {
  const header = headers.authorization;
  const authorization = Array.isArray(header) ? header[0] : header;
  if (authorization !== undefined) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (match) return match[1];
  }
  const apiKey = headers['x-api-key'];
  const value = Array.isArray(apiKey) ? apiKey[0] : apiKey;
  return value === undefined || value === '' ? undefined : value.trim();
}
