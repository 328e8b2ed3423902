/**
 * Leases in SQLite (`leases`): acquired or renewed by one conditional upsert, so of two processes
 * asking at once exactly one gets an unexpired lease.
 * @module
 */
import { ValidationError } from '../../core/errors.js';
import type { CallOptions, LeaseStore } from '../storage.js';
import { validateKey } from '../validation.js';
import type { SqliteCalls } from './sqlite-calls.js';

/** Longest lease: one day (a holder renews long before). */
const MAX_TTL_MS = 86_400_000;

function checkTtl(ttlMs: number): void {
  if (!Number.isInteger(ttlMs) || ttlMs < 1 || ttlMs > MAX_TTL_MS) throw new ValidationError(`ttlMs must be an integer between 1 and ${MAX_TTL_MS}, got ${ttlMs}`, { details: { field: 'ttlMs', value: ttlMs } });
}

/** The {@link LeaseStore} of one SQLite storage. */
export function createSqliteLeaseStore({ sql, enter, run, write }: SqliteCalls): LeaseStore {
  return {
    async acquire(name: string, holder: string, ttlMs: number, options?: CallOptions) {
      enter(options?.signal);
      validateKey('name', name);
      validateKey('holder', holder);
      checkTtl(ttlMs);
      return write('leases.acquire', options?.signal, () => {
        const now = Date.now();
        const changed = sql(
          'INSERT INTO leases (name, holder, expires_at) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at WHERE leases.holder = excluded.holder OR leases.expires_at <= ?',
        ).run([name, holder, now + ttlMs, now]).changes;
        return changed > 0;
      });
    },
    async release(name: string, holder: string, options?: CallOptions) {
      enter(options?.signal);
      validateKey('name', name);
      validateKey('holder', holder);
      await write('leases.release', options?.signal, () => sql('DELETE FROM leases WHERE name = ? AND holder = ?').run([name, holder]));
    },
    async holder(name: string, options?: CallOptions) {
      enter(options?.signal);
      validateKey('name', name);
      return run('leases.holder', options?.signal, () => {
        const row = sql('SELECT holder, expires_at FROM leases WHERE name = ? AND expires_at > ?').get([name, Date.now()]) as { holder: string; expires_at: number } | undefined;
        return row === undefined ? undefined : { holder: row.holder, expiresAt: row.expires_at };
      });
    },
  };
}
