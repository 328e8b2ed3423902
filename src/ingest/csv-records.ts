/**
 * Generic CSV importer for items, users and events, with header detection, column aliases and a
 * headerless `user,item,rating[,timestamp]` layout. The schema is documented in
 * `docs/IMPORT-FORMATS.md`. {@link parseCsvRecords} is pure; {@link loadCsvRecords} reads the file.
 * @module
 */
import { ValidationError } from '../core/errors.js';
import { isEventType, ITEMLESS_EVENT_TYPES } from '../core/types.js';
import type { Attributes, Event, EventType, Item, JsonValue, User } from '../core/types.js';
import { listColumns, missingColumnMessage, normaliseHeader, resolveColumns } from './csv-columns.js';
import type { ColumnSpec } from './csv-columns.js';
import { FieldReader } from './field-reader.js';
import { SYNTHETIC_STEP_MS } from './import-source.js';
import type { CsvMapping, LoadOptions, ParseOptions, ParsedDataset, ParsedRecords, RecordKind, SourceText } from './import-source.js';
import { lineError, quoteValue } from './line-error.js';
import { readCsvRows } from './read-csv-rows.js';
import { WHITESPACE_DELIMITER, detectDelimiter, firstLine } from './detect-delimiter.js';
import { readSourceFiles } from './read-source-file.js';
import { attributesSchema } from './record-schemas.js';

/** Header names accepted for each record field (compared after lower-casing and dropping `_`, `-`, spaces). */
export const CSV_COLUMN_ALIASES: Readonly<Record<RecordKind, readonly ColumnSpec[]>> = {
  events: [
    { field: 'user', aliases: ['user', 'userid', 'uid'], required: true },
    { field: 'item', aliases: ['item', 'itemid', 'movieid', 'productid', 'iid'], required: false },
    { field: 'type', aliases: ['type', 'event', 'eventtype'], required: false },
    { field: 'value', aliases: ['value', 'rating', 'score'], required: false },
    { field: 'timestamp', aliases: ['timestamp', 'time', 'ts', 'datetime', 'date'], required: false },
    { field: 'text', aliases: ['text', 'tag', 'query'], required: false },
  ],
  items: [
    { field: 'id', aliases: ['id', 'itemid', 'item', 'movieid', 'productid'], required: true },
    { field: 'title', aliases: ['title', 'name'], required: true },
    { field: 'text', aliases: ['text', 'description', 'overview', 'body'], required: false },
    { field: 'attributes', aliases: ['attributes', 'attrs'], required: false },
    { field: 'createdAt', aliases: ['createdat', 'created', 'publishedat'], required: false },
    { field: 'available', aliases: ['available'], required: false },
  ],
  users: [
    { field: 'id', aliases: ['id', 'userid', 'user'], required: true },
    { field: 'attributes', aliases: ['attributes', 'attrs'], required: false },
  ],
};

/**
 * The delimiter when none is given: the one `lmrec evaluate` would detect (`detectDelimiter`), so a
 * tab- or semicolon-separated file imports without `--delimiter`; a line with no separator character
 * (one column, or runs of spaces, which quoted CSV cannot express) stays comma-separated.
 */
function csvDelimiter(content: string | Buffer): string {
  const detected = detectDelimiter(firstLine(content));
  return detected === WHITESPACE_DELIMITER ? ',' : detected;
}

/** A canonical decimal number: `12`, `-3.5`, `0.25` (not `012`, `1e5`, ` 7`), kept as a number in attributes. */
const CANONICAL_NUMBER = /^-?(0|[1-9]\d*)(\.\d*[1-9])?$/;
const NUMERIC = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/;

/**
 * Converts an extra CSV cell to an attribute value: empty → omitted, canonical number → number
 * (so `02139` stays text), `true`/`false` → boolean, anything else → the text.
 */
export function coerceAttribute(text: string): JsonValue | undefined {
  const value = text.trim();
  if (value === '') return undefined;
  if (CANONICAL_NUMBER.test(value)) return Number(value);
  if (value === 'true') return true;
  if (value === 'false') return false;
  return value;
}

/** Column layout of one file: field → column index, plus the columns that become attributes/context. */
interface Layout {
  columns: Map<string, number>;
  extras: { name: string; index: number }[];
  /** Layout decided from the first data row when the file has no header. */
  headerless: boolean;
  /** Whether every row carries a timestamp (else the row order is the clock). */
  timed: boolean;
}

function looksLikeHeader(cells: readonly string[], kind: RecordKind, mapping: CsvMapping): boolean {
  if (mapping.hasHeader !== undefined) return mapping.hasHeader;
  const names = new Set(CSV_COLUMN_ALIASES[kind].flatMap((spec) => spec.aliases));
  for (const override of Object.values(mapping.columns ?? {})) if (typeof override === 'string') names.add(normaliseHeader(override));
  return cells.some((cell) => names.has(normaliseHeader(cell)));
}

/** Positional layout of a headerless file, from its first row. */
function headerlessLayout(first: readonly string[], kind: RecordKind, mapping: CsvMapping): Layout {
  let order: string[];
  if (kind === 'events') {
    // A numeric third cell is a rating: user,item,rating[,timestamp]; otherwise the canonical order.
    const third = first[2];
    order = third !== undefined && NUMERIC.test(third) ? ['user', 'item', 'value', 'timestamp', 'text'] : ['user', 'item', 'type', 'value', 'timestamp', 'text'];
  } else if (kind === 'items') order = ['id', 'title', 'text'];
  else order = ['id'];
  const columns = new Map<string, number>();
  order.forEach((field, index) => columns.set(field, index));
  for (const [field, override] of Object.entries(mapping.columns ?? {})) {
    if (typeof override === 'number') columns.set(field, override);
  }
  const timestampAt = columns.get('timestamp');
  const timed = timestampAt !== undefined && (first[timestampAt]?.trim() ?? '') !== '';
  return { columns, extras: [], headerless: true, timed };
}

/**
 * Parses a generic CSV file of `kind` records (see `docs/IMPORT-FORMATS.md` for columns, aliases,
 * defaults and the timestamp heuristic). Throws {@link ValidationError} naming file, line and field.
 */
export function parseCsvRecords(kind: RecordKind, source: SourceText, mapping: CsvMapping = {}, options: ParseOptions = {}): ParsedDataset {
  const reader = new FieldReader(source.path);
  const batch: ParsedRecords = { items: [], users: [], events: [] };
  const warnings: string[] = [];
  const eventLines: number[] = [];
  const seen = new Map<string, number>();
  let layout: Layout | undefined;
  let rows = 0;

  readCsvRows(source.content, { file: source.path, delimiter: mapping.delimiter ?? csvDelimiter(source.content), signal: options.signal }, (cells, line) => {
    reader.line = line;
    if (layout === undefined) {
      if (looksLikeHeader(cells, kind, mapping)) {
        const columns = resolveColumns(cells, CSV_COLUMN_ALIASES[kind], { file: source.path, line }, mapping.columns);
        // Item-less events need a type column saying so; without one, an unrecognised item column is the likelier story.
        if (kind === 'events' && !columns.has('item') && !columns.has('type')) {
          const spec = CSV_COLUMN_ALIASES.events.find((c) => c.field === 'item');
          if (spec !== undefined) throw lineError({ file: source.path, line, field: 'item' }, missingColumnMessage(cells, spec), { header: [...cells] });
        }
        const used = new Set(columns.values());
        const extras = cells.map((name, index) => ({ name: name.trim(), index })).filter((c) => !used.has(c.index) && c.name !== '');
        layout = { columns, extras, headerless: false, timed: columns.has('timestamp') };
        return;
      }
      layout = headerlessLayout(cells, kind, mapping);
    }
    const cell = (field: string): string | undefined => {
      const index = layout?.columns.get(field);
      return index === undefined ? undefined : cells[index];
    };
    const extras = (): Attributes | undefined => {
      const attributes: Attributes = {};
      for (const { name, index } of layout?.extras ?? []) {
        const value = coerceAttribute(cells[index] ?? '');
        if (value !== undefined) attributes[name] = value;
      }
      return Object.keys(attributes).length === 0 ? undefined : attributes;
    };
    const rowIndex = rows++;
    try {
      if (kind === 'events') {
        batch.events.push(eventRow(reader, cell, layout.timed, extras(), rowIndex, mapping.defaultType));
        eventLines.push(line);
      }
      else if (kind === 'items') {
        const item = itemRow(reader, cell, extras());
        reader.unique('id', item.id, seen);
        batch.items.push(item);
      } else {
        const user = userRow(reader, cell, extras());
        reader.unique('id', user.id, seen);
        batch.users.push(user);
      }
    } catch (error) {
      // The likeliest cause of a bad first row in a "headerless" file is a header with unknown names.
      if (rowIndex === 0 && layout.headerless && mapping.hasHeader === undefined && error instanceof ValidationError) {
        const expected = CSV_COLUMN_ALIASES[kind].filter((c) => c.required || c.field === 'item').map((c) => c.field).join(', ');
        throw new ValidationError(
          `${error.message} (if this row is a header, its column names are not recognised: columns found ${listColumns(cells)}, expected ${expected}; ` +
            `name them with --map ${kind === 'events' ? 'user=<column>,item=<column>' : 'id=<column>'} and --header (options mapping.columns, mapping.hasHeader))`,
          {
          cause: error,
          details: error.details,
        });
      }
      throw error;
    }
  });
  if (layout === undefined) warnings.push(`${source.path}: no rows`);
  return kind === 'events' ? { format: 'csv', batch, files: [source.path], warnings, eventLines } : { format: 'csv', batch, files: [source.path], warnings };
}

function jsonAttributes(reader: FieldReader, raw: string | undefined): Attributes | undefined {
  const text = raw?.trim() ?? '';
  if (text === '') return undefined;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    reader.fail('attributes', `expected a JSON object, got ${quoteValue(text)}`, { value: text });
  }
  const parsed = attributesSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = (issue?.path ?? []).map(String).join('.');
    reader.fail(path === '' ? 'attributes' : `attributes.${path}`, issue?.message ?? 'expected a JSON object', { value: text });
  }
  return parsed.data;
}

function merge(first: Attributes | undefined, second: Attributes | undefined): Attributes | undefined {
  if (first === undefined) return second;
  if (second === undefined) return first;
  return { ...first, ...second };
}

type CellGetter = (field: string) => string | undefined;

function itemRow(reader: FieldReader, cell: CellGetter, extras: Attributes | undefined): Item {
  const id = reader.id('id', cell('id'));
  const title = reader.present('title', cell('title')).trim();
  if (title === '') reader.fail('title', 'expected a title, got an empty value');
  const item: Item = { id, title };
  const text = cell('text')?.trim();
  if (text !== undefined && text !== '') item.text = text;
  const attributes = merge(jsonAttributes(reader, cell('attributes')), extras);
  if (attributes !== undefined) item.attributes = attributes;
  const createdAt = cell('createdAt');
  if (createdAt !== undefined && createdAt.trim() !== '') item.createdAt = reader.timestamp('createdAt', createdAt);
  const available = cell('available');
  if (available !== undefined && available.trim() !== '') item.available = reader.boolean('available', available);
  return item;
}

function userRow(reader: FieldReader, cell: CellGetter, extras: Attributes | undefined): User {
  const user: User = { id: reader.id('id', cell('id')) };
  const attributes = merge(jsonAttributes(reader, cell('attributes')), extras);
  if (attributes !== undefined) user.attributes = attributes;
  return user;
}

function eventRow(
  reader: FieldReader,
  cell: CellGetter,
  timed: boolean,
  context: Attributes | undefined,
  rowIndex: number,
  defaultType: EventType = 'view',
): Event {
  const userId = reader.id('user', cell('user'));
  const value = reader.optionalNumber('value', cell('value'));
  const typeText = cell('type')?.trim().toLowerCase() ?? '';
  let type: EventType;
  if (typeText !== '') {
    if (!isEventType(typeText)) reader.fail('type', `expected a known event type, got ${quoteValue(typeText)}`, { value: typeText });
    type = typeText;
  } else type = value === undefined ? defaultType : 'rating';
  if (type === 'rating' && value === undefined) reader.fail('value', 'a rating needs a numeric value, got none');
  const itemText = cell('item')?.trim() ?? '';
  if (itemText === '' && !ITEMLESS_EVENT_TYPES.has(type)) {
    reader.fail('item', `expected an id (required for "${type}" events), got an empty value`);
  }
  // A file either times every row or none: mixing real times with row positions would scramble the order.
  let timestamp = rowIndex * SYNTHETIC_STEP_MS;
  if (timed) timestamp = reader.timestamp('timestamp', cell('timestamp'));
  else if ((cell('timestamp')?.trim() ?? '') !== '') {
    reader.fail('timestamp', 'the first row has no timestamp, so the row order is the clock: give every row a timestamp or none');
  }
  const event: Event = { userId, type, timestamp };
  if (itemText !== '') event.itemId = itemText;
  if (value !== undefined) event.value = value;
  const text = cell('text')?.trim() ?? '';
  if (text !== '') event.text = text;
  if (context !== undefined) event.context = context;
  return event;
}

/** Reads `file` (UTF-8) and parses it with {@link parseCsvRecords}. */
export async function loadCsvRecords(kind: RecordKind, file: string, mapping: CsvMapping = {}, options: LoadOptions = {}): Promise<ParsedDataset> {
  const [source] = await readSourceFiles([{ path: file }], options);
  options.onProgress?.('parse', 0, 1);
  const parsed = parseCsvRecords(kind, source, mapping, { signal: options.signal });
  options.onProgress?.('parse', 1, 1);
  return parsed;
}
