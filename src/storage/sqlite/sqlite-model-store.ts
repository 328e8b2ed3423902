/**
 * Versioned model snapshots in SQLite (`models`, `model_active`, `model_counters`). Version numbers
 * come from a per-name counter, so a deleted version's number is never handed out again.
 * @module
 */
import { NotFoundError, ValidationError } from '../../core/errors.js';
import type { CallOptions, ModelRecord, ModelStore } from '../storage.js';
import { validateInteger, validateKey, validateMeta } from '../validation.js';
import type { SqliteCalls } from './sqlite-calls.js';
import { toBytes } from './sqlite-driver.js';

interface ModelRow {
  name: string;
  version: number;
  created_at: number;
  meta: string;
  payload?: unknown;
}

function modelInfoFromRow(row: ModelRow): Omit<ModelRecord, 'payload'> {
  return { name: row.name, version: row.version, createdAt: row.created_at, meta: JSON.parse(row.meta) as Record<string, unknown> };
}

/** The {@link ModelStore} of one SQLite storage. */
export function createSqliteModelStore({ sql, enter, run, write }: SqliteCalls): ModelStore {
  return {
    async save(name, meta, payload, options?: CallOptions) {
      enter(options?.signal);
      validateKey('name', name);
      validateMeta(meta);
      if (!(payload instanceof Uint8Array)) {
        throw new ValidationError('payload must be a Uint8Array', { details: { field: 'payload' } });
      }
      const metaJson = JSON.stringify(meta);
      return write('models.save', options?.signal, () => {
        // Inside the write transaction, so two savers cannot both take the same next version. The
        // counter remembers deleted versions; MAX(version) covers rows written before it existed.
        const { next } = sql(
          `SELECT MAX(COALESCE((SELECT last_version FROM model_counters WHERE name = ?), 0),
                      COALESCE((SELECT MAX(version) FROM models WHERE name = ?), 0)) + 1 AS next`,
        ).get([name, name]) as { next: number };
        const createdAt = Date.now();
        sql('INSERT INTO models (name, version, created_at, meta, payload) VALUES (?, ?, ?, ?, ?)').run([
          name,
          next,
          createdAt,
          metaJson,
          payload,
        ]);
        sql(
          `INSERT INTO model_counters (name, last_version) VALUES (?, ?)
           ON CONFLICT (name) DO UPDATE SET last_version = excluded.last_version`,
        ).run([name, next]);
        return { name, version: next, createdAt, meta: JSON.parse(metaJson) as Record<string, unknown>, payload };
      });
    },
    async load(name, version?: number, options?: CallOptions) {
      enter(options?.signal);
      validateKey('name', name);
      if (version !== undefined) validateInteger('version', version, 1, 1);
      return run('models.load', options?.signal, () => {
        const row = (
          version === undefined
            ? sql('SELECT name, version, created_at, meta, payload FROM models WHERE name = ? ORDER BY version DESC LIMIT 1').get([
                name,
              ])
            : sql('SELECT name, version, created_at, meta, payload FROM models WHERE name = ? AND version = ?').get([name, version])
        ) as ModelRow | undefined;
        if (row === undefined) return undefined;
        return { ...modelInfoFromRow(row), payload: toBytes(row.payload) };
      });
    },
    async versions(name, options?: CallOptions) {
      enter(options?.signal);
      validateKey('name', name);
      return run('models.versions', options?.signal, () =>
        (sql('SELECT name, version, created_at, meta FROM models WHERE name = ? ORDER BY version DESC').all([name]) as ModelRow[]).map(
          modelInfoFromRow,
        ),
      );
    },
    async names(options?: CallOptions) {
      return run('models.names', options?.signal, () =>
        (sql('SELECT DISTINCT name FROM models ORDER BY name').all([]) as { name: string }[]).map((row) => row.name),
      );
    },
    async activate(name, version, options?: CallOptions) {
      enter(options?.signal);
      validateKey('name', name);
      validateInteger('version', version, 1, 1);
      write('models.activate', options?.signal, () => {
        const exists = sql('SELECT 1 AS one FROM models WHERE name = ? AND version = ?').get([name, version]);
        if (exists === undefined) {
          throw new NotFoundError(`model ${name} has no stored version ${version}`, { details: { name, version } });
        }
        sql(
          `INSERT INTO model_active (name, version, activated_at) VALUES (?, ?, ?)
           ON CONFLICT (name) DO UPDATE SET version = excluded.version, activated_at = excluded.activated_at`,
        ).run([name, version, Date.now()]);
      });
    },
    async active(name, options?: CallOptions) {
      enter(options?.signal);
      validateKey('name', name);
      return run('models.active', options?.signal, () => {
        const row = sql('SELECT version FROM model_active WHERE name = ?').get([name]) as { version: number } | undefined;
        return row?.version;
      });
    },
    async heads(options?: CallOptions) {
      return run('models.heads', options?.signal, () =>
        (
          sql(
            `SELECT m.name AS name, MAX(m.version) AS latest, a.version AS active
             FROM models m LEFT JOIN model_active a ON a.name = m.name
             GROUP BY m.name ORDER BY m.name`,
          ).all([]) as { name: string; latest: number; active: number | null }[]
        ).map((row) => (row.active === null ? { name: row.name, latest: row.latest } : { name: row.name, latest: row.latest, active: row.active })),
      );
    },
    async delete(name, version, options?: CallOptions) {
      enter(options?.signal);
      validateKey('name', name);
      validateInteger('version', version, 1, 1);
      return write('models.delete', options?.signal, () => {
        const removed = sql('DELETE FROM models WHERE name = ? AND version = ?').run([name, version]).changes > 0;
        // In the same transaction: an activation never points at a version that is gone.
        if (removed) sql('DELETE FROM model_active WHERE name = ? AND version = ?').run([name, version]);
        return removed;
      });
    },
  };
}
