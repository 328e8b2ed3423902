/**
 * JSON Lines importer: one item, user or event object per line, validated with the zod schemas of
 * `record-schemas.ts`. Errors name the file, the line and the zod path of the bad field.
 * {@link parseJsonlRecords} is pure; {@link loadJsonlRecords} reads the file.
 * @module
 */
import type { z } from 'zod';
import type { Event } from '../core/types.js';
import { eachLine } from './each-line.js';
import { FieldReader } from './field-reader.js';
import { SYNTHETIC_STEP_MS } from './import-source.js';
import type { LoadOptions, ParseOptions, ParsedDataset, ParsedRecords, RecordKind, SourceText } from './import-source.js';
import { readSourceFiles } from './read-source-file.js';
import { eventRecordSchema, itemRecordSchema, userRecordSchema } from './record-schemas.js';

/** `attributes.genres[0]` style path of a zod issue; `$` for the line's root value. */
export function zodPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : out === '' ? part : `.${part}`;
  return out === '' ? '$' : out;
}

function check<T extends z.ZodTypeAny>(reader: FieldReader, schema: T, value: unknown): z.output<T> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data as z.output<T>;
  const issue = parsed.error.issues[0];
  const path = issue?.path ?? [];
  const message = issue === undefined ? 'invalid record' : issue.message;
  return reader.fail(zodPath(path), message, { path, issues: parsed.error.issues.length });
}

/**
 * Parses JSON Lines of `kind` records. Blank lines are skipped; an event without `timestamp` gets
 * its position among the file's events times `SYNTHETIC_STEP_MS`. Throws {@link ValidationError}
 * naming file, line and field (`$` when the line is not valid JSON or not an object).
 */
export function parseJsonlRecords(kind: RecordKind, source: SourceText, options: ParseOptions = {}): ParsedDataset {
  const reader = new FieldReader(source.path);
  const batch: ParsedRecords = { items: [], users: [], events: [] };
  const seen = new Map<string, number>();
  const eventLines: number[] = [];
  eachLine(source.content, (text, line) => {
    reader.line = line;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      reader.fail('$', `invalid JSON: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (kind === 'items') {
      const item = check(reader, itemRecordSchema, json);
      reader.unique('id', item.id, seen);
      batch.items.push(withoutUndefined(item));
    } else if (kind === 'users') {
      const user = check(reader, userRecordSchema, json);
      reader.unique('id', user.id, seen);
      batch.users.push(withoutUndefined(user));
    } else {
      const record = check(reader, eventRecordSchema, json);
      const event: Event = withoutUndefined({ ...record, timestamp: record.timestamp ?? batch.events.length * SYNTHETIC_STEP_MS });
      batch.events.push(event);
      eventLines.push(line);
    }
  }, options.signal);
  return kind === 'events' ? { format: 'jsonl', batch, files: [source.path], warnings: [], eventLines } : { format: 'jsonl', batch, files: [source.path], warnings: [] };
}

/** Drops keys whose value is undefined, so records compare and serialise like hand-written ones. */
function withoutUndefined<T extends object>(record: T): T {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) if (value !== undefined) out[key] = value;
  return out as T;
}

/** Reads `file` (UTF-8) and parses it with {@link parseJsonlRecords}. */
export async function loadJsonlRecords(kind: RecordKind, file: string, options: LoadOptions = {}): Promise<ParsedDataset> {
  const [source] = await readSourceFiles([{ path: file }], options);
  options.onProgress?.('parse', 0, 1);
  const parsed = parseJsonlRecords(kind, source, { signal: options.signal });
  options.onProgress?.('parse', 1, 1);
  return parsed;
}
