/**
 * The stores of generative-model output in PostgreSQL: the response cache (`llm_cache`, keyed by
 * model id and prompt hash) and generated item descriptions (`generated_texts`, one row per item
 * beside `items.text`, which they never replace).
 * @module
 */
import { ValidationError } from '../../core/errors.js';
import type { CallOptions, GeneratedText, GeneratedTextStore, ListOptions, LlmCacheEntry, LlmCacheStore } from '../storage.js';
import { validateGeneratedText, validateInteger, validateKey } from '../validation.js';
import type { PostgresCalls } from './postgres-calls.js';

interface GeneratedRow {
  item_id: string;
  text: string;
  model: string;
  prompt_version: string;
  created_at: number;
}

const GENERATED_COLUMNS = 'item_id, text, model, prompt_version, created_at';

const fromRow = (row: GeneratedRow): GeneratedText => ({ itemId: row.item_id, text: row.text, model: row.model, promptVersion: row.prompt_version, createdAt: row.created_at });

/** The {@link LlmCacheStore} of one PostgreSQL storage. */
export function createPostgresLlmCacheStore({ enter, read, write }: PostgresCalls): LlmCacheStore {
  return {
    async get(model: string, hash: string, options?: CallOptions) {
      enter(options?.signal);
      validateKey('model', model);
      validateKey('hash', hash);
      return read('llmCache.get', options?.signal, async (query) => {
        const row = (await query<{ model: string; hash: string; response: string; created_at: number }>('SELECT model, hash, response, created_at FROM llm_cache WHERE model = $1 AND hash = $2', [model, hash])).rows[0];
        return row === undefined ? undefined : { model: row.model, hash: row.hash, response: row.response, createdAt: row.created_at };
      });
    },
    async put(entry: LlmCacheEntry, options?: CallOptions) {
      enter(options?.signal);
      validateKey('model', entry?.model);
      validateKey('hash', entry.hash);
      if (typeof entry.response !== 'string') throw new ValidationError('response must be a string', { details: { field: 'response' } });
      if (!Number.isInteger(entry.createdAt)) throw new ValidationError('createdAt must be an integer (ms since epoch)', { details: { field: 'createdAt' } });
      await write('llmCache.put', options?.signal, async (query) => {
        await query(
          'INSERT INTO llm_cache (model, hash, response, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (model, hash) DO UPDATE SET response = excluded.response, created_at = excluded.created_at',
          [entry.model, entry.hash, entry.response, entry.createdAt],
        );
      });
    },
  };
}

/** The {@link GeneratedTextStore} of one PostgreSQL storage. */
export function createPostgresGeneratedTextStore({ enter, read, write }: PostgresCalls): GeneratedTextStore {
  return {
    async put(entries: readonly GeneratedText[], options?: CallOptions) {
      enter(options?.signal);
      if (!Array.isArray(entries)) throw new ValidationError('entries must be an array of generated texts', { details: { field: 'entries' } });
      entries.forEach(validateGeneratedText);
      if (entries.length === 0) return 0;
      return write('generatedTexts.put', options?.signal, async (query) => {
        for (const e of entries as GeneratedText[]) {
          await query(
            `INSERT INTO generated_texts (${GENERATED_COLUMNS}) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (item_id) DO UPDATE SET text = excluded.text, model = excluded.model, prompt_version = excluded.prompt_version, created_at = excluded.created_at`,
            [e.itemId, e.text, e.model, e.promptVersion, e.createdAt],
          );
        }
        return entries.length;
      });
    },
    async getMany(itemIds: readonly string[], options?: CallOptions) {
      enter(options?.signal);
      if (!Array.isArray(itemIds) || !itemIds.every((id) => typeof id === 'string')) throw new ValidationError('itemIds must be an array of strings', { details: { field: 'itemIds' } });
      if (itemIds.length === 0) return [];
      return read('generatedTexts.getMany', options?.signal, async (query) =>
        (await query<GeneratedRow>(`SELECT ${GENERATED_COLUMNS} FROM generated_texts WHERE item_id = ANY($1::text[])`, [itemIds])).rows.map(fromRow),
      );
    },
    async list(options: ListOptions = {}) {
      enter(options.signal);
      if (options.after !== undefined && typeof options.after !== 'string') throw new ValidationError('after must be a string', { details: { field: 'after' } });
      const limit = Math.min(validateInteger('limit', options.limit, 0, 100), 10_000);
      const after = options.after;
      return read('generatedTexts.list', options.signal, async (query) =>
        (after === undefined
          ? await query<GeneratedRow>(`SELECT ${GENERATED_COLUMNS} FROM generated_texts ORDER BY item_id LIMIT $1`, [limit])
          : await query<GeneratedRow>(`SELECT ${GENERATED_COLUMNS} FROM generated_texts WHERE item_id > $1 ORDER BY item_id LIMIT $2`, [after, limit])
        ).rows.map(fromRow),
      );
    },
    async delete(itemId: string, options?: CallOptions) {
      enter(options?.signal);
      validateKey('itemId', itemId);
      return write('generatedTexts.delete', options?.signal, async (query) => ((await query('DELETE FROM generated_texts WHERE item_id = $1', [itemId])).rowCount ?? 0) > 0);
    },
  };
}
