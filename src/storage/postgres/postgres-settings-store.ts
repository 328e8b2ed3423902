/**
 * Operator settings in PostgreSQL (`settings`): one row per key holding its JSON value and a
 * version that every put raises in one upsert statement, so two processes never lose a put.
 * @module
 */
import { ValidationError } from '../../core/errors.js';
import type { JsonValue } from '../../core/types.js';
import type { CallOptions, SettingsStore, StoredSetting } from '../storage.js';
import { isJsonValue, validateKey } from '../validation.js';
import type { PgQueryFn, PostgresCalls } from './postgres-calls.js';

interface SettingRow {
  key: string;
  value: string;
  version: number;
  updated_at: number;
}

function fromRow(row: SettingRow): StoredSetting {
  return { key: row.key, value: JSON.parse(row.value) as JsonValue, version: row.version, updatedAt: row.updated_at };
}

/** Inside the caller's transaction: writes settings as they are (a copy), versions and times included. */
export async function insertSettings(query: PgQueryFn, settings: readonly StoredSetting[]): Promise<void> {
  for (const s of settings) {
    await query(
      `INSERT INTO settings (key, value, version, updated_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (key) DO UPDATE SET value = excluded.value, version = excluded.version, updated_at = excluded.updated_at`,
      [s.key, JSON.stringify(s.value), s.version, s.updatedAt],
    );
  }
}

/** Every setting, ordered by key. */
export async function listSettings(query: PgQueryFn): Promise<StoredSetting[]> {
  return (await query<SettingRow>('SELECT key, value, version, updated_at FROM settings ORDER BY key')).rows.map(fromRow);
}

/** The {@link SettingsStore} of one PostgreSQL storage. */
export function createPostgresSettingsStore({ enter, read, write }: PostgresCalls): SettingsStore {
  return {
    async get(key: string, options?: CallOptions) {
      enter(options?.signal);
      validateKey('key', key);
      return read('settings.get', options?.signal, async (query) => {
        const row = (await query<SettingRow>('SELECT key, value, version, updated_at FROM settings WHERE key = $1', [key])).rows[0];
        return row === undefined ? undefined : fromRow(row);
      });
    },
    async put(key: string, value: JsonValue, options?: CallOptions) {
      enter(options?.signal);
      validateKey('key', key);
      if (!isJsonValue(value)) throw new ValidationError(`setting ${key} must be a JSON value`, { details: { field: 'value', key } });
      const text = JSON.stringify(value);
      return write('settings.put', options?.signal, async (query) => {
        const row = (
          await query<SettingRow>(
            `INSERT INTO settings (key, value, version, updated_at) VALUES ($1, $2, 1, $3)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value, version = settings.version + 1, updated_at = excluded.updated_at
             RETURNING key, value, version, updated_at`,
            [key, text, Date.now()],
          )
        ).rows[0];
        return fromRow(row);
      });
    },
  };
}
