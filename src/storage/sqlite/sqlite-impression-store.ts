/**
 * Served lists and their clicks in SQLite (`impressions`, `clicks`). Every served list is recorded,
 * so `record` is on the request path: the lists recorded while one transaction is open, or in the
 * same turn of the event loop, share the next transaction (group commit). Each is checked on its
 * own inside it (known user, id not taken) and resolves with its own answer, only after the COMMIT;
 * a failure of the transaction itself (lock timeout, full disk) rejects every list in it.
 * @module
 */
import { ConflictError, EngineError, NotFoundError, ValidationError, throwIfAborted } from '../../core/errors.js';
import type { CallOptions, DeleteBeforeOptions, Impression, ImpressionStats, ImpressionStore, RecordImpressionOptions } from '../storage.js';
import { validateImpression, validateKey } from '../validation.js';
import type { SqliteCalls } from './sqlite-calls.js';
import { deleteImpressionsBefore, retentionArguments } from './sqlite-retention.js';

interface ImpressionRow {
  id: string;
  user_id: string;
  model_version: string;
  variant: string;
  item_ids: string;
  created_at: number;
}

interface Pending {
  impression: Impression;
  onlyKnownUser: boolean;
  signal: AbortSignal | undefined;
  resolve: (recorded: boolean) => void;
  reject: (error: unknown) => void;
}

/**
 * Inside a write transaction: inserts one served list, `ConflictError` when its id is taken (shared
 * by `record` and the storage copy).
 */
export function insertImpression(sql: SqliteCalls['sql'], impression: Impression): void {
  // One statement: a taken id inserts nothing (the primary key), which is the conflict.
  const { changes } = sql('INSERT INTO impressions (id, user_id, model_version, variant, item_ids, created_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING').run([
    impression.id,
    impression.userId,
    impression.modelVersion,
    impression.variant,
    JSON.stringify(impression.itemIds),
    impression.createdAt,
  ]);
  if (changes === 0) throw new ConflictError(`impression ${impression.id} is already stored`, { details: { field: 'id', id: impression.id } });
}

/** Most lists written in one transaction. */
const MAX_GROUP = 256;

/** The {@link ImpressionStore} of one SQLite storage. */
export function createSqliteImpressionStore({ sql, enter, run, write }: SqliteCalls): ImpressionStore {
  let queue: Pending[] = [];
  let flushing: Promise<void> | undefined;
  let scheduled = false;

  /**
   * Inside the transaction: one list's checks and insert; its answer, or the engine error that refused
   * it (aborted, id taken). A driver error fails the whole transaction (and is wrapped by `write`).
   */
  function recordOne(p: Pending): { recorded: boolean } | { error: unknown } {
    try {
      throwIfAborted(p.signal);
      const { impression } = p;
      if (p.onlyKnownUser) {
        // Checked inside the write transaction: a deletion committed before it leaves no row behind.
        const known =
          sql('SELECT 1 AS one FROM users WHERE id = ?').get([impression.userId]) !== undefined ||
          sql('SELECT 1 AS one FROM events WHERE user_id = ? LIMIT 1').get([impression.userId]) !== undefined;
        if (!known) return { recorded: false };
      }
      insertImpression(sql, impression);
      return { recorded: true };
    } catch (error) {
      if (error instanceof EngineError) return { error };
      throw error;
    }
  }

  /** Writes the queued lists, a group per transaction, until none is left. */
  async function flush(): Promise<void> {
    scheduled = false;
    while (queue.length > 0) {
      const group = queue.slice(0, MAX_GROUP);
      queue = queue.slice(group.length);
      try {
        const answers = await write('impressions.record', undefined, () => group.map(recordOne));
        answers.forEach((answer, i) => ('error' in answer ? group[i].reject(answer.error) : group[i].resolve(answer.recorded)));
      } catch (error) {
        for (const p of group) p.reject(error);
      }
    }
  }

  function schedule(): void {
    if (scheduled || flushing) return;
    scheduled = true;
    // The lists of this turn of the event loop join the transaction.
    setImmediate(() => {
      flushing = flush().finally(() => {
        flushing = undefined;
        // Lists queued while the last transaction committed.
        if (queue.length > 0) schedule();
      });
    });
  }

  return {
    async record(impression: Impression, options?: RecordImpressionOptions) {
      enter(options?.signal);
      validateImpression(impression);
      return new Promise<boolean>((resolve, reject) => {
        queue.push({ impression, onlyKnownUser: options?.onlyKnownUser === true, signal: options?.signal, resolve, reject });
        schedule();
      });
    },
    async get(id, options?: CallOptions) {
      enter(options?.signal);
      validateKey('id', id);
      return run('impressions.get', options?.signal, () => {
        const row = sql('SELECT id, user_id, model_version, variant, item_ids, created_at FROM impressions WHERE id = ?').get([id]) as ImpressionRow | undefined;
        if (row === undefined) return undefined;
        return {
          id: row.id,
          userId: row.user_id,
          modelVersion: row.model_version,
          variant: row.variant,
          itemIds: JSON.parse(row.item_ids) as string[],
          createdAt: row.created_at,
        };
      });
    },
    async click(impressionId, itemId, at, options?: CallOptions) {
      enter(options?.signal);
      validateKey('impressionId', impressionId);
      validateKey('itemId', itemId);
      if (typeof at !== 'number' || !Number.isFinite(at)) {
        throw new ValidationError('at must be a finite number (ms since epoch)', { details: { field: 'at' } });
      }
      await write('impressions.click', options?.signal, () => {
        const row = sql('SELECT item_ids FROM impressions WHERE id = ?').get([impressionId]) as { item_ids: string } | undefined;
        if (row === undefined) {
          throw new NotFoundError(`impression ${impressionId} not found`, { details: { field: 'impressionId', impressionId } });
        }
        if (!(JSON.parse(row.item_ids) as string[]).includes(itemId)) {
          throw new ValidationError(`item ${itemId} was not in impression ${impressionId}`, {
            details: { field: 'itemId', impressionId, itemId },
          });
        }
        sql('INSERT INTO clicks (impression_id, item_id, at) VALUES (?, ?, ?) ON CONFLICT (impression_id, item_id) DO NOTHING').run([impressionId, itemId, at]);
      });
    },
    async stats(options: CallOptions & { since?: number } = {}) {
      enter(options.signal);
      const since = options.since;
      if (since !== undefined && (typeof since !== 'number' || !Number.isFinite(since))) {
        throw new ValidationError('since must be a finite number (ms since epoch)', { details: { field: 'since' } });
      }
      return run('impressions.stats', options.signal, () => {
        const rows = sql(
          `SELECT i.model_version AS model_version, i.variant AS variant, COUNT(*) AS impressions, COALESCE(SUM(c.n), 0) AS clicks
           FROM impressions i LEFT JOIN (SELECT impression_id, COUNT(*) AS n FROM clicks GROUP BY impression_id) c
             ON c.impression_id = i.id
           WHERE i.created_at >= ?
           GROUP BY i.model_version, i.variant
           ORDER BY i.model_version, i.variant`,
        ).all([since ?? Number.MIN_SAFE_INTEGER]) as { model_version: string; variant: string; impressions: number; clicks: number }[];
        return rows.map((row): ImpressionStats => ({ modelVersion: row.model_version, variant: row.variant, impressions: row.impressions, clicks: row.clicks }));
      });
    },
    async deleteBefore(before: number, options?: DeleteBeforeOptions) {
      enter(options?.signal);
      const args = retentionArguments(before, options?.limit);
      return write('impressions.deleteBefore', options?.signal, () => deleteImpressionsBefore(sql, args.before, args.limit));
    },
  };
}
