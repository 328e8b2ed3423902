/**
 * Leases in SQLite (`leases`): acquired or renewed by one conditional upsert, so of two processes
 * asking at once exactly one gets an unexpired lease.
 * @module
 */
import type { CallOptions, LeaseStore } from '../storage.js';
import { validateKey, validateLease } from '../validation.js';
import type { SqliteCalls } from './sqlite-calls.js';

/** The {@link LeaseStore} of one SQLite storage. */
export function createSqliteLeaseStore({ sql, enter, run, write }: SqliteCalls): LeaseStore {
  return {
    async acquire(name: string, holder: string, ttlMs: number, options?: CallOptions) {
      enter(options?.signal);
      validateLease(name, holder, ttlMs);
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
      validateLease(name, holder);
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
