/**
 * `copyStorage(from, to)`: everything one storage holds into another, any backend to any backend
 * (SQLite to PostgreSQL when a team outgrows one process, and back), streaming: every kind is read
 * in pages and written in transactions of at most `transactionRows` rows, so memory stays bounded
 * whatever the size; model payloads go chunk by chunk.
 *
 * Identities are kept: event seqs and timestamps, model versions with their save times and
 * activations, impression ids with their clicks, erasure and import log ids, setting versions, and
 * the highest numbers ever handed out (so the target never reuses a seq or version the source
 * used; models and impressions name them). The generated item descriptions go along; the
 * generative-model response cache does not (it is a cache: it refills).
 *
 * The target must be empty, unless `append` is set: then items and users are upserted over what
 * is there, and a record whose identity the target already holds (an event seq, a model version,
 * an impression id, a log id) fails that batch with `ConflictError`, leaving the batches before it.
 * @module
 */
import { ConflictError, ValidationError, throwIfAborted } from '../core/errors.js';
import type { CallOptions, Storage } from './storage.js';
import { validateInteger } from './validation.js';

/** Options of {@link copyStorage}. */
export interface CopyStorageOptions extends CallOptions {
  /** Rows per target transaction (default {@link COPY_TRANSACTION_ROWS}). */
  transactionRows?: number;
  /** Copy into a target that holds records (see the module header); default: refuse it. */
  append?: boolean;
  /** Called as each kind advances: phase name, rows done, rows in that phase (as far as known). */
  onProgress?: (phase: string, done: number, total: number) => void;
}

/** What {@link copyStorage} copied. */
export interface CopyReport {
  items: number;
  users: number;
  events: number;
  impressions: number;
  clicks: number;
  /** Model versions. */
  models: number;
  /** Bytes of model payloads. */
  modelBytes: number;
  embeddings: number;
  generatedTexts: number;
  erasures: number;
  imports: number;
  settings: number;
  activations: number;
}

/** Rows per transaction of a copy when none is given. */
export const COPY_TRANSACTION_ROWS = 10_000;

/** What makes a storage non-empty, for the refusal message; empty list: nothing stored. */
export async function storedKinds(storage: Storage, options: CallOptions = {}): Promise<string[]> {
  const found: string[] = [];
  const counters = await storage.transfer.counters(options);
  if ((await storage.items.count(options)) > 0) found.push('items');
  if ((await storage.users.count(options)) > 0) found.push('users');
  if (counters.lastSeq > 0) found.push('events');
  if (counters.modelVersions.length > 0) found.push('models');
  if (counters.lastErasureId > 0) found.push('erasures');
  if (counters.lastImportId > 0) found.push('imports');
  for await (const page of storage.transfer.impressions({ ...options, batchSize: 1 })) if (page.length > 0) found.push('impressions');
  for await (const page of storage.transfer.embeddings({ ...options, batchSize: 1 })) if (page.length > 0) found.push('embeddings');
  if ((await storage.transfer.settings(options)).length > 0) found.push('settings');
  if ((await storage.generatedTexts.list({ ...options, limit: 1 })).length > 0) found.push('generated texts');
  return found;
}

/**
 * Copies everything `from` holds into `to` (see the module header) and reports the counts.
 * `ConflictError` when `to` is not empty and `append` is not set.
 * @example
 * const from = await openStorage('sqlite://var/lmrec.db');
 * const to = await openStorage('postgres://lmrec@db/lmrec');
 * const report = await copyStorage(from, to);
 */
export async function copyStorage(from: Storage, to: Storage, options: CopyStorageOptions = {}): Promise<CopyReport> {
  const { signal } = options;
  const call: CallOptions = signal === undefined ? {} : { signal };
  const rows = validateInteger('transactionRows', options.transactionRows, 1, COPY_TRANSACTION_ROWS);
  if (from === to) throw new ValidationError('copy source and target are the same storage', { details: { field: 'to' } });
  if (options.append !== true) {
    const held = await storedKinds(to, call);
    if (held.length > 0) {
      throw new ConflictError(`the target ${to.url} is not empty (it holds ${held.join(', ')}); copy into an empty database, or append`, {
        details: { reason: 'target_not_empty', target: to.url, holds: held },
      });
    }
  }
  const progress = options.onProgress ?? (() => undefined);
  const report: CopyReport = { items: 0, users: 0, events: 0, impressions: 0, clicks: 0, models: 0, modelBytes: 0, embeddings: 0, generatedTexts: 0, erasures: 0, imports: 0, settings: 0, activations: 0 };

  const itemTotal = await from.items.count(call);
  for await (const page of from.items.scan({ ...call, batchSize: rows })) {
    await to.bulkWrite({ items: page }, call);
    report.items += page.length;
    progress('items', report.items, itemTotal);
  }

  const userTotal = await from.users.count(call);
  for (let after: string | undefined; ; ) {
    const page = await from.users.list({ ...call, limit: Math.min(rows, 10_000), ...(after === undefined ? {} : { after }) });
    if (page.length === 0) break;
    await to.bulkWrite({ users: page }, call);
    report.users += page.length;
    progress('users', report.users, userTotal);
    after = page[page.length - 1].id;
  }

  // In seq order, each page one transaction: the target's log grows as the source's did.
  const eventTotal = await from.events.count(call);
  for await (const page of from.events.scan({ ...call, batchSize: rows })) {
    await to.transfer.write({ events: page }, call);
    report.events += page.length;
    progress('events', report.events, eventTotal);
  }

  for await (const page of from.transfer.impressions({ ...call, batchSize: Math.max(1, Math.floor(rows / 10)) })) {
    await to.transfer.write({ impressions: page }, call);
    report.impressions += page.length;
    report.clicks += page.reduce((n, impression) => n + impression.clicks.length, 0);
    progress('impressions', report.impressions, report.impressions);
  }

  for await (const page of from.transfer.embeddings({ ...call, batchSize: rows })) {
    await to.transfer.write({ embeddings: page }, call);
    report.embeddings += page.length;
    progress('embeddings', report.embeddings, report.embeddings);
  }

  for (let after: string | undefined; ; ) {
    const page = await from.generatedTexts.list({ ...call, limit: Math.min(rows, 10_000), ...(after === undefined ? {} : { after }) });
    if (page.length === 0) break;
    await to.generatedTexts.put(page, call);
    report.generatedTexts += page.length;
    after = page[page.length - 1].itemId;
  }

  // Every version of every model, oldest first, each from its chunks.
  const versions: { name: string; version: number }[] = [];
  for (const name of await from.models.names(call)) {
    for (const info of (await from.models.versions(name, call)).reverse()) versions.push({ name, version: info.version });
  }
  for (const { name, version } of versions) {
    throwIfAborted(signal);
    const chunks = await from.models.loadChunks(name, version, call);
    // Deleted since it was listed: nothing to copy.
    if (chunks === undefined) continue;
    const { chunks: parts, byteLength, ...record } = chunks;
    await to.transfer.writeModel(record, parts, call);
    report.models++;
    report.modelBytes += byteLength;
    progress('models', report.models, versions.length);
  }

  // The logs, settings, activations and counters last, in one transaction: activations name
  // versions copied above, and the counters cover every number the source handed out.
  const erasures = await from.erasures.list(call);
  const imports = await from.imports.list(call);
  const settings = await from.transfer.settings(call);
  const activations = await from.transfer.activations(call);
  const counters = await from.transfer.counters(call);
  await to.transfer.write({ erasures, imports, settings, activations, counters }, call);
  report.erasures = erasures.length;
  report.imports = imports.length;
  report.settings = settings.length;
  report.activations = activations.length;
  progress('logs and settings', 1, 1);
  return report;
}
