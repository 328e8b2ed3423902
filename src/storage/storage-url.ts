/**
 * Storage URL helpers shared by `openStorage` and the backends, kept apart from both so that a
 * backend can report its URL without importing the module that imports it.
 * @module
 */

/** Placeholder that replaces secrets in URLs shown to people and logs. */
export const REDACTED = '***';

/**
 * Hides secrets in a storage URL: the password of `scheme://user:password@host` and the values of
 * `password`, `pass`, `pwd`, `secret`, `token` and `sslkey` query parameters. Works on malformed
 * URLs too, because the URL we most need to redact is the one that failed to parse.
 * @example
 * redactUrl('postgres://app:s3cret@db:5432/rec'); // 'postgres://app:***@db:5432/rec'
 */
export function redactUrl(url: string): string {
  return url
    .replace(/^([a-z][a-z0-9+.-]*:\/\/[^/?#@:]*:)[^/?#]*@/i, `$1${REDACTED}@`)
    .replace(/([?&](?:password|pass|pwd|secret|token|sslkey)=)[^&#]*/gi, `$1${REDACTED}`);
}
