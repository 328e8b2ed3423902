/**
 * S3-Rec sequential format (Amazon Beauty, Sports, Toys, Yelp, LastFM as released with S3-Rec):
 * `<name>.txt` with one line per user, `user item1 item2 …` in time order and dense integer ids from
 * 1; optional `<name>_item2attributes.json` (item id → attribute ids) and `<name>_user_sequence.txt`
 * (the same lines with raw user ids and ASINs). {@link parseS3Rec} is pure; {@link loadS3Rec} reads.
 *
 * The sequences carry order but no clock, so timestamps are synthetic: the event at 0-based
 * position `i` of a user's sequence gets `i * SYNTHETIC_STEP_MS` ms (0, 1000, 2000, …). They are
 * strictly increasing per user and keep the sequence order, which is all that leave-one-out and
 * sequential models need; they are not comparable across users.
 * @module
 */
import { z } from 'zod';
import { throwIfAborted } from '../core/errors.js';
import type { Attributes, Event, EventType, Item, User } from '../core/types.js';
import { eachLine } from './each-line.js';
import { FieldReader } from './field-reader.js';
import { SYNTHETIC_STEP_MS } from './import-source.js';
import type { LoadOptions, ParseOptions, ParsedDataset, SourceText } from './import-source.js';
import { lineError, quoteValue } from './line-error.js';
import { pathExists, readSourceFiles } from './read-source-file.js';

/** The files of an S3-Rec dataset, already read. */
export interface S3RecFiles {
  /** `Beauty.txt`: `user item1 item2 …`, whitespace separated, time ordered. */
  sequences: SourceText;
  /** `Beauty_item2attributes.json`: `{"<item id>": [attribute ids…]}`. */
  attributes?: SourceText | undefined;
  /** `Beauty_user_sequence.txt`: `rawUser asin1 asin2 …`, line-aligned with `sequences`. */
  userSequences?: SourceText | undefined;
}

/** Options of {@link parseS3Rec} and {@link loadS3Rec}. */
export interface S3RecOptions {
  /** Type of every interaction; default `purchase`. */
  eventType?: EventType | undefined;
}

const DENSE_ID = /^\d+$/;
const attributesSchema = z.record(z.string().regex(DENSE_ID, 'expected an integer item id'), z.array(z.number().int()));

function tokens(text: string): string[] {
  return text.trim().split(/\s+/);
}

/** 1-based line of the first occurrence of `needle` in `content` (1 when absent). */
function lineOf(content: string, needle: string): number {
  const at = content.indexOf(needle);
  if (at < 0) return 1;
  let line = 1;
  for (let i = content.indexOf('\n'); i >= 0 && i < at; i = content.indexOf('\n', i + 1)) line += 1;
  return line;
}

function parseAttributes(source: SourceText): Map<string, number[]> {
  let json: unknown;
  try {
    json = JSON.parse(source.content);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const position = /position (\d+)/.exec(message);
    const line = position === null ? 1 : source.content.slice(0, Number(position[1])).split('\n').length;
    throw lineError({ file: source.path, line, field: '$' }, `invalid JSON: ${message}`, { cause: message });
  }
  const parsed = attributesSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue?.path ?? [];
    const key = path[0];
    const field = path.length === 0 ? '$' : `${String(key)}${path.slice(1).map((p) => `[${String(p)}]`).join('')}`;
    const line = key === undefined ? 1 : lineOf(source.content, JSON.stringify(String(key)));
    throw lineError({ file: source.path, line, field }, issue?.message ?? 'invalid', { path });
  }
  return new Map(Object.entries(parsed.data));
}

/**
 * Parses S3-Rec sequences into bare or attributed users, items titled `Item <id>` (or by ASIN when
 * the raw sequence file is given, with `attributes.asin`; `attributes.attributeIds` when the
 * attribute file is given) and one event per interaction with synthetic timestamps (see the module
 * comment). Throws {@link ValidationError} naming file, line and field.
 */
export function parseS3Rec(files: S3RecFiles, options: ParseOptions & S3RecOptions = {}): ParsedDataset {
  const { signal } = options;
  const type = options.eventType ?? 'purchase';
  const warnings: string[] = [];
  const attributeIds = files.attributes === undefined ? undefined : parseAttributes(files.attributes);

  const rawLines = new Map<number, string[]>();
  if (files.userSequences !== undefined) {
    eachLine(files.userSequences.content, (text, line) => rawLines.set(line, tokens(text)), signal);
  }
  const rawReader: FieldReader | undefined = files.userSequences === undefined ? undefined : new FieldReader(files.userSequences.path);
  const asinOf = new Map<string, string>();
  const itemOfAsin = new Map<string, string>();

  const reader = new FieldReader(files.sequences.path);
  const users: User[] = [];
  const userLines = new Map<string, number>();
  const itemOrder = new Map<string, true>();
  const events: Event[] = [];
  let emptySequences = 0;
  eachLine(files.sequences.content, (text, line) => {
    reader.line = line;
    const cells = tokens(text);
    const userId = cells[0] ?? '';
    if (!DENSE_ID.test(userId)) reader.fail('user', `expected an integer id, got ${quoteValue(userId)}`, { value: userId });
    reader.unique('user', userId, userLines);
    const raw = rawLines.get(line);
    if (rawReader !== undefined) {
      rawReader.line = line;
      if (raw === undefined) throw rawReader.error('user', `missing line (this file must be line-aligned with ${files.sequences.path})`);
      if (raw.length !== cells.length) {
        rawReader.fail(`item ${Math.min(raw.length, cells.length)}`, `has ${raw.length - 1} items but ${files.sequences.path} line ${line} has ${cells.length - 1}`);
      }
    }
    users.push(raw?.[0] === undefined ? { id: userId } : { id: userId, attributes: { rawId: raw[0] } });
    if (cells.length === 1) emptySequences += 1;
    for (let k = 1; k < cells.length; k++) {
      const itemId = cells[k] ?? '';
      if (!DENSE_ID.test(itemId)) reader.fail(`item ${k}`, `expected an integer id, got ${quoteValue(itemId)}`, { value: itemId });
      itemOrder.set(itemId, true);
      const asin = raw?.[k];
      if (rawReader !== undefined && asin !== undefined) {
        const known = asinOf.get(itemId);
        if (known !== undefined && known !== asin) {
          rawReader.fail(`item ${k}`, `item ${itemId} is ${quoteValue(known)} elsewhere but ${quoteValue(asin)} here`, { value: asin });
        }
        const otherItem = itemOfAsin.get(asin);
        if (otherItem !== undefined && otherItem !== itemId) {
          rawReader.fail(`item ${k}`, `${quoteValue(asin)} is item ${otherItem} elsewhere but item ${itemId} here`, { value: asin });
        }
        asinOf.set(itemId, asin);
        itemOfAsin.set(asin, itemId);
      }
      events.push({ userId, itemId, type, timestamp: (k - 1) * SYNTHETIC_STEP_MS });
    }
  }, signal);
  if (rawReader !== undefined) {
    const sequenceLines = new Set(userLines.values());
    for (const line of rawLines.keys()) {
      if (sequenceLines.has(line)) continue;
      rawReader.line = line;
      rawReader.fail('user', `has a sequence but ${files.sequences.path} line ${line} has none (the files must be line-aligned)`);
    }
  }
  if (emptySequences > 0) warnings.push(`${files.sequences.path}: ${emptySequences} users have no items`);

  if (attributeIds !== undefined) {
    // Items described by the attribute file but never interacted with still belong to the catalogue.
    for (const id of [...attributeIds.keys()].sort((a, b) => Number(a) - Number(b))) itemOrder.set(id, true);
  }
  const items: Item[] = [...itemOrder.keys()].map((id) => {
    const attributes: Attributes = {};
    const asin = asinOf.get(id);
    if (asin !== undefined) attributes.asin = asin;
    if (attributeIds !== undefined) attributes.attributeIds = attributeIds.get(id) ?? [];
    return { id, title: asin ?? `Item ${id}`, attributes };
  });
  throwIfAborted(signal);

  const read = [files.sequences, files.attributes, files.userSequences];
  return {
    format: 's3rec',
    batch: { items, users, events },
    files: read.filter((f): f is SourceText => f !== undefined).map((f) => f.path),
    warnings,
  };
}

/**
 * Sibling files conventionally shipped with `<dir>/<name>.txt`: `<name>_item2attributes.json` and
 * `<name>_user_sequence.txt`; each is undefined when it does not exist.
 */
export async function findS3RecCompanions(file: string): Promise<{ attributesFile?: string; userSequenceFile?: string }> {
  const base = file.replace(/\.txt$/i, '');
  const attributesFile = `${base}_item2attributes.json`;
  const userSequenceFile = `${base}_user_sequence.txt`;
  const found: { attributesFile?: string; userSequenceFile?: string } = {};
  if (await pathExists(attributesFile)) found.attributesFile = attributesFile;
  if (await pathExists(userSequenceFile)) found.userSequenceFile = userSequenceFile;
  return found;
}

/**
 * The attribute ids of each item of an S3-Rec dataset: the `<name>_item2attributes.json` beside the
 * sequence file `file`, by item id; undefined when there is none. Errors name the file, line and field.
 */
export async function readS3RecAttributes(file: string, options: { signal?: AbortSignal | undefined } = {}): Promise<Map<string, number[]> | undefined> {
  const { attributesFile } = await findS3RecCompanions(file);
  if (attributesFile === undefined) return undefined;
  const [text] = await readSourceFiles([{ path: attributesFile }], options);
  return parseAttributes(text);
}

/** Reads an S3-Rec sequence file and its optional companions, then parses them with {@link parseS3Rec}. */
export async function loadS3Rec(
  source: { file: string; attributesFile?: string | undefined; userSequenceFile?: string | undefined },
  options: LoadOptions & S3RecOptions = {},
): Promise<ParsedDataset> {
  const { signal, onProgress } = options;
  const paths = [source.file, source.attributesFile, source.userSequenceFile];
  const texts = await readSourceFiles(
    paths.filter((path): path is string => path !== undefined).map((path) => ({ path })),
    options,
  );
  const byPath = new Map(texts.map((text) => [text.path, text]));
  const files: S3RecFiles = {
    sequences: texts[0],
    attributes: source.attributesFile === undefined ? undefined : byPath.get(source.attributesFile),
    userSequences: source.userSequenceFile === undefined ? undefined : byPath.get(source.userSequenceFile),
  };
  onProgress?.('parse', 0, 1);
  const parsed = parseS3Rec(files, { signal, eventType: options.eventType });
  onProgress?.('parse', 1, 1);
  return parsed;
}
