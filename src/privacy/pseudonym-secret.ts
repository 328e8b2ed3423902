/**
 * The per-install secret of the pseudonymiser, kept in a file beside the generated API key
 * (`var/lmrec-pseudonym-secret`, mode 0600): generated on first use, read afterwards, so pseudonyms
 * in logs stay the same across restarts. Never printed.
 * @module
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ValidationError } from '../core/errors.js';
import { MIN_PSEUDONYM_SECRET } from './pseudonymise.js';

/** Where `lmrec serve` keeps the secret when the configuration gives none (relative to the working directory). */
export const DEFAULT_PSEUDONYM_SECRET_FILE = 'var/lmrec-pseudonym-secret';

/** Reads the secret in `file`, or generates one into it (mode 0600); `created` says which. */
export function loadPseudonymSecret(file: string): { secret: string; created: boolean } {
  if (existsSync(file)) {
    const secret = readFileSync(file, 'utf8').trim();
    if (secret.length < MIN_PSEUDONYM_SECRET) {
      throw new ValidationError(`${file} holds no pseudonym secret of at least ${MIN_PSEUDONYM_SECRET} characters; delete it to generate one`, { details: { file } });
    }
    return { secret, created: false };
  }
  const secret = randomBytes(32).toString('hex');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
  return { secret, created: true };
}
