/**
 * lmrec's own parameters of a `postgres://` URL, taken out before the rest goes to the driver:
 * `pool_size` (connections), `statement_timeout` (ms), `connect_timeout` (ms) and `schema` (where
 * the tables live; created on first open). libpq's `options` (`-c name=value` settings) is taken
 * out too and sent after lmrec's own, so it cannot drop `synchronous_commit=on`. Everything else
 * (`sslmode`, `application_name`, host, credentials, …) is passed through as libpq reads it.
 * @module
 */
import { ValidationError } from '../../core/errors.js';
import { redactUrl } from '../storage-url.js';

/** What {@link parsePostgresUrl} found. */
export interface PostgresUrl {
  /** The URL without lmrec's parameters. */
  connectionString: string;
  poolSize?: number;
  statementTimeoutMs?: number;
  connectTimeoutMs?: number;
  schema?: string;
  /** libpq's `options` from the URL (server settings for the session). */
  options?: string;
}

/** The URL parameters lmrec reads itself. */
export const POSTGRES_URL_PARAMETERS = ['pool_size', 'statement_timeout', 'connect_timeout', 'schema', 'options'] as const;

/** A schema name lmrec accepts: a plain SQL identifier, so it needs no quoting in `search_path`. */
export const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

function integer(shown: string, name: string, value: string, min: number): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < min) {
    throw new ValidationError(`storage URL ${shown}: ${name} must be an integer >= ${min} (got "${value}")`, { details: { url: shown, parameter: name } });
  }
  return n;
}

/**
 * Splits lmrec's parameters from a `postgres://` or `postgresql://` URL; `ValidationError` naming
 * the parameter when one is malformed.
 * @example
 * parsePostgresUrl('postgres://app@db/rec?pool_size=20&sslmode=require');
 * // { connectionString: 'postgres://app@db/rec?sslmode=require', poolSize: 20 }
 */
export function parsePostgresUrl(url: string): PostgresUrl {
  const shown = redactUrl(url);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (error) {
    throw new ValidationError(`storage URL ${shown} is not a valid postgres:// URL`, { cause: error, details: { url: shown } });
  }
  const result: PostgresUrl = { connectionString: url };
  let found = false;
  for (const name of POSTGRES_URL_PARAMETERS) {
    const value = parsed.searchParams.get(name);
    if (value === null) continue;
    found = true;
    parsed.searchParams.delete(name);
    if (name === 'pool_size') result.poolSize = integer(shown, name, value, 1);
    else if (name === 'statement_timeout') result.statementTimeoutMs = integer(shown, name, value, 0);
    else if (name === 'connect_timeout') result.connectTimeoutMs = integer(shown, name, value, 1);
    else if (name === 'options') result.options = value;
    else {
      if (!SCHEMA_NAME.test(value)) {
        throw new ValidationError(`storage URL ${shown}: schema must be a plain identifier (letters, digits, _; got "${value}")`, { details: { url: shown, parameter: name } });
      }
      result.schema = value;
    }
  }
  if (found) result.connectionString = parsed.toString();
  return result;
}
