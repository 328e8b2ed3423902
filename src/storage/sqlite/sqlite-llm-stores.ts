/**
 * The stores of generative-model output in SQLite: the response cache (`llm_cache`, keyed by model
 * id and prompt hash) and generated item descriptions (`generated_texts`, one row per item beside
 * `items.text`, which they never replace).
 * @module
 */
import { ValidationError } from '../../core/errors.js';
import type { CallOptions, GeneratedText, GeneratedTextStore, ListOptions, LlmCacheEntry, LlmCacheStore } from '../storage.js';
import { validateGeneratedText as validateGenerated, validateInteger, validateKey } from '../validation.js';
import type { SqliteCalls } from './sqlite-calls.js';

interface CacheRow {
  model: string;
  hash: string;
  response: string;
  created_at: number;
}

interface GeneratedRow {
  item_id: string;
  text: string;
  model: string;
  prompt_version: string;
  created_at: number;
}

const fromRow = (row: GeneratedRow): GeneratedText => ({ itemId: row.item_id, text: row.text, model: row.model, promptVersion: row.prompt_version, createdAt: row.created_at });

/** The {@link LlmCacheStore} of one SQLite storage. */
export function createSqliteLlmCacheStore({ sql, enter, run, write }: SqliteCalls): LlmCacheStore {
  return {
    async get(model: string, hash: string, options?: CallOptions) {
      enter(options?.signal);
      validateKey('model', model);
      validateKey('hash', hash);
      return run('llmCache.get', options?.signal, () => {
        const row = sql('SELECT model, hash, response, created_at FROM llm_cache WHERE model = ? AND hash = ?').get([model, hash]) as CacheRow | undefined;
        return row === undefined ? undefined : { model: row.model, hash: row.hash, response: row.response, createdAt: row.created_at };
      });
    },
    async put(entry: LlmCacheEntry, options?: CallOptions) {
      enter(options?.signal);
      validateKey('model', entry?.model);
      validateKey('hash', entry.hash);
      if (typeof entry.response !== 'string') throw new ValidationError('response must be a string', { details: { field: 'response' } });
      if (!Number.isInteger(entry.createdAt)) throw new ValidationError('createdAt must be an integer (ms since epoch)', { details: { field: 'createdAt' } });
      await write('llmCache.put', options?.signal, () => {
        sql('INSERT INTO llm_cache (model, hash, response, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (model, hash) DO UPDATE SET response = excluded.response, created_at = excluded.created_at').run([
          entry.model,
          entry.hash,
          entry.response,
          entry.createdAt,
        ]);
      });
    },
  };
}

/** The {@link GeneratedTextStore} of one SQLite storage. */
export function createSqliteGeneratedTextStore({ sql, enter, run, write }: SqliteCalls): GeneratedTextStore {
  return {
    async put(entries: readonly GeneratedText[], options?: CallOptions) {
      enter(options?.signal);
      if (!Array.isArray(entries)) throw new ValidationError('entries must be an array of generated texts', { details: { field: 'entries' } });
      entries.forEach(validateGenerated);
      if (entries.length === 0) return 0;
      return write('generatedTexts.put', options?.signal, () => {
        const insert = sql(
          'INSERT INTO generated_texts (item_id, text, model, prompt_version, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (item_id) DO UPDATE SET text = excluded.text, model = excluded.model, prompt_version = excluded.prompt_version, created_at = excluded.created_at',
        );
        for (const e of entries as GeneratedText[]) insert.run([e.itemId, e.text, e.model, e.promptVersion, e.createdAt]);
        return entries.length;
      });
    },
    async getMany(itemIds: readonly string[], options?: CallOptions) {
      enter(options?.signal);
      if (!Array.isArray(itemIds) || !itemIds.every((id) => typeof id === 'string')) throw new ValidationError('itemIds must be an array of strings', { details: { field: 'itemIds' } });
      if (itemIds.length === 0) return [];
      return run('generatedTexts.getMany', options?.signal, () =>
        (sql('SELECT item_id, text, model, prompt_version, created_at FROM generated_texts WHERE item_id IN (SELECT value FROM json_each(?))').all([JSON.stringify(itemIds)]) as GeneratedRow[]).map(fromRow),
      );
    },
    async list(options: ListOptions = {}) {
      enter(options.signal);
      if (options.after !== undefined && typeof options.after !== 'string') throw new ValidationError('after must be a string', { details: { field: 'after' } });
      const limit = Math.min(validateInteger('limit', options.limit, 0, 100), 10_000);
      return run('generatedTexts.list', options.signal, () => {
        const rows = (
          options.after === undefined
            ? sql('SELECT item_id, text, model, prompt_version, created_at FROM generated_texts ORDER BY item_id LIMIT ?').all([limit])
            : sql('SELECT item_id, text, model, prompt_version, created_at FROM generated_texts WHERE item_id > ? ORDER BY item_id LIMIT ?').all([options.after, limit])
        ) as GeneratedRow[];
        return rows.map(fromRow);
      });
    },
    async delete(itemId: string, options?: CallOptions) {
      enter(options?.signal);
      validateKey('itemId', itemId);
      return write('generatedTexts.delete', options?.signal, () => sql('DELETE FROM generated_texts WHERE item_id = ?').run([itemId]).changes > 0);
    },
  };
}
