/**
 * Leases in PostgreSQL (`leases`): acquired or renewed by one conditional upsert against the
 * server's clock (processes on several machines need not agree on the time).
 * @module
 */
import type { CallOptions, LeaseStore } from '../storage.js';
import { validateKey, validateLease } from '../validation.js';
import type { PostgresCalls } from './postgres-calls.js';

const NOW_MS = 'extract(epoch FROM clock_timestamp()) * 1000';

/** The {@link LeaseStore} of one PostgreSQL storage. */
export function createPostgresLeaseStore({ enter, read, write }: PostgresCalls): LeaseStore {
  return {
    async acquire(name: string, holder: string, ttlMs: number, options?: CallOptions) {
      enter(options?.signal);
      validateLease(name, holder, ttlMs);
      return write('leases.acquire', options?.signal, async (query) => {
        const result = await query(
          `INSERT INTO leases (name, holder, expires_at) VALUES ($1, $2, ${NOW_MS} + $3)
           ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
           WHERE leases.holder = excluded.holder OR leases.expires_at <= ${NOW_MS}`,
          [name, holder, ttlMs],
        );
        return (result.rowCount ?? 0) > 0;
      });
    },
    async release(name: string, holder: string, options?: CallOptions) {
      enter(options?.signal);
      validateLease(name, holder);
      await write('leases.release', options?.signal, async (query) => query('DELETE FROM leases WHERE name = $1 AND holder = $2', [name, holder]));
    },
    async holder(name: string, options?: CallOptions) {
      enter(options?.signal);
      validateKey('name', name);
      return read('leases.holder', options?.signal, async (query) => {
        const row = (await query<{ holder: string; expires_at: number }>(`SELECT holder, expires_at FROM leases WHERE name = $1 AND expires_at > ${NOW_MS}`, [name])).rows[0];
        return row === undefined ? undefined : { holder: row.holder, expiresAt: Number(row.expires_at) };
      });
    },
  };
}
