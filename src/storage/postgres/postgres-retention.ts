/**
 * Retention deletes of the PostgreSQL backend: events and served lists older than a cut-off, the
 * oldest first, a bounded number per call, each call one transaction of the caller's `write`
 * (`events_ts` and `impressions_created` make finding a batch an index range scan).
 * @module
 */
import type { ImpressionDeletion } from '../storage.js';
import type { PgQueryFn } from './postgres-calls.js';
import { clearPostgresSnapshots } from './postgres-snapshot-store.js';

/** Deletes at most `limit` (all when undefined) events with `ts < before`, oldest first. */
export async function deleteEventsBefore(query: PgQueryFn, before: number, limit: number | undefined): Promise<number> {
  const result = await query('DELETE FROM events WHERE seq IN (SELECT seq FROM events WHERE ts < $1 ORDER BY ts, seq LIMIT $2)', [before, limit ?? null]);
  const deleted = result.rowCount ?? 0;
  if (deleted > 0) await clearPostgresSnapshots(query);
  return deleted;
}

/** Deletes at most `limit` (all when undefined) impressions created before `before`, and their clicks. */
export async function deleteImpressionsBefore(query: PgQueryFn, before: number, limit: number | undefined): Promise<ImpressionDeletion> {
  const ids = (await query<{ id: string }>('SELECT id FROM impressions WHERE created_at < $1 ORDER BY created_at, id LIMIT $2', [before, limit ?? null])).rows.map((row) => row.id);
  if (ids.length === 0) return { impressions: 0, clicks: 0 };
  const clicks = (await query('DELETE FROM clicks WHERE impression_id = ANY($1::text[])', [ids])).rowCount ?? 0;
  const impressions = (await query('DELETE FROM impressions WHERE id = ANY($1::text[])', [ids])).rowCount ?? 0;
  return { impressions, clicks };
}
