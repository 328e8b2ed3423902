/**
 * Operator settings in SQLite (`settings`): one row per key holding its JSON value and a version
 * that every put raises, read and written in one transaction so two processes never lose a put.
 * @module
 */
import { ValidationError } from '../../core/errors.js';
import type { JsonValue } from '../../core/types.js';
import type { CallOptions, SettingsStore, StoredSetting } from '../storage.js';
import { isJsonValue, validateKey } from '../validation.js';
import type { SqliteCalls } from './sqlite-calls.js';

interface SettingRow {
  key: string;
  value: string;
  version: number;
  updated_at: number;
}

/** The {@link SettingsStore} of one SQLite storage. */
export function createSqliteSettingsStore({ sql, enter, run, write }: SqliteCalls): SettingsStore {
  return {
    async get(key: string, options?: CallOptions) {
      enter(options?.signal);
      validateKey('key', key);
      return run('settings.get', options?.signal, () => {
        const row = sql('SELECT key, value, version, updated_at FROM settings WHERE key = ?').get([key]) as SettingRow | undefined;
        return row === undefined ? undefined : { key: row.key, value: JSON.parse(row.value) as JsonValue, version: row.version, updatedAt: row.updated_at };
      });
    },
    async put(key: string, value: JsonValue, options?: CallOptions) {
      enter(options?.signal);
      validateKey('key', key);
      if (!isJsonValue(value)) throw new ValidationError(`setting ${key} must be a JSON value`, { details: { field: 'value', key } });
      const text = JSON.stringify(value);
      return write('settings.put', options?.signal, (): StoredSetting => {
        const at = Date.now();
        const row = sql('SELECT version FROM settings WHERE key = ?').get([key]) as { version: number } | undefined;
        const version = (row?.version ?? 0) + 1;
        sql('INSERT INTO settings (key, value, version, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, version = excluded.version, updated_at = excluded.updated_at').run([
          key,
          text,
          version,
          at,
        ]);
        return { key, value: JSON.parse(text) as JsonValue, version, updatedAt: at };
      });
    },
  };
}
