/**
 * Retention deletes of the SQLite backend: events and served lists older than a cut-off, the oldest
 * first, a bounded number per call. Each call is one write transaction of the caller's `write`, so a
 * purge of millions of rows holds the write lock for one batch at a time (`events_ts` and
 * `impressions_created` make finding a batch an index range scan, not a table scan).
 * @module
 */
import type { ImpressionDeletion } from '../storage.js';
import { validateRetention } from '../validation.js';
import type { SqliteCalls } from './sqlite-calls.js';
import { clearSqliteSnapshots } from './sqlite-snapshot-store.js';

/** Checks a retention cut-off and batch size; `limit` unset means every matching row. */
export function retentionArguments(before: number, limit: number | undefined): { before: number; limit: number } {
  const checked = validateRetention(before, limit);
  // SQLite reads a negative LIMIT as "no limit".
  return { before: checked.before, limit: checked.limit ?? -1 };
}

/** Deletes at most `limit` events with `ts < before`, oldest first; call inside a write transaction. */
export function deleteEventsBefore(sql: SqliteCalls['sql'], before: number, limit: number): number {
  const deleted = sql('DELETE FROM events WHERE seq IN (SELECT seq FROM events WHERE ts < ? ORDER BY ts, seq LIMIT ?)').run([before, limit]).changes;
  if (deleted > 0) clearSqliteSnapshots(sql);
  return deleted;
}

/** Deletes at most `limit` impressions created before `before` and their clicks; call inside a write transaction. */
export function deleteImpressionsBefore(sql: SqliteCalls['sql'], before: number, limit: number): ImpressionDeletion {
  const ids = (sql('SELECT id FROM impressions WHERE created_at < ? ORDER BY created_at, id LIMIT ?').all([before, limit]) as { id: string }[]).map(
    (row) => row.id,
  );
  if (ids.length === 0) return { impressions: 0, clicks: 0 };
  const list = JSON.stringify(ids);
  const clicks = sql('DELETE FROM clicks WHERE impression_id IN (SELECT value FROM json_each(?))').run([list]).changes;
  const impressions = sql('DELETE FROM impressions WHERE id IN (SELECT value FROM json_each(?))').run([list]).changes;
  return { impressions, clicks };
}
