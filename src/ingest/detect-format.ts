/**
 * Guessing the import format of a path from a directory's contents or a file's name (and, for
 * `.txt`, its first line), so the CLI can run `import <path>` without a `--format`.
 * @module
 */
import { open, readdir, stat } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { NotFoundError, throwIfAborted } from '../core/errors.js';
import type { ImportSource, RecordKind } from './import-source.js';
import { findS3RecCompanions } from './s3rec.js';

/** Options of {@link detectFormat}. */
export interface DetectFormatOptions {
  /** Aborts the file-system probes. */
  signal?: AbortSignal;
}

const ITEM_WORDS = new Set(['item', 'items', 'movie', 'movies', 'product', 'products', 'catalog', 'catalogue']);
const USER_WORDS = new Set(['user', 'users', 'customer', 'customers', 'member', 'members']);

/**
 * Record kind suggested by a file name, only when it is unambiguous: a name that is one such word
 * (`items.csv`, `movies.jsonl`, `users.tsv`, `customers.csv`) is items or users; anything else
 * (`user_artists.dat`, `item_ratings.csv`) is events. Pass the kind explicitly for the rest.
 */
export function kindFromFileName(name: string): RecordKind {
  const stem = basename(name).toLowerCase().replace(/\.[^.]*$/, '');
  if (ITEM_WORDS.has(stem)) return 'items';
  if (USER_WORDS.has(stem)) return 'users';
  return 'events';
}

/** First line of a file (up to 4 KiB), or '' when it is empty. */
async function firstLine(path: string): Promise<string> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(4096);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    return buffer.subarray(0, bytesRead).toString('utf8').split(/\r?\n/)[0] ?? '';
  } finally {
    await handle.close();
  }
}

async function s3recSource(file: string): Promise<ImportSource> {
  return { format: 's3rec', file, ...(await findS3RecCompanions(file)) };
}

async function detectDirectory(dir: string): Promise<ImportSource | undefined> {
  const names = new Set(await readdir(dir));
  if (names.has('u.data') && names.has('u.item')) return { format: 'movielens-100k', dir };
  if (names.has('ratings.csv') && names.has('movies.csv')) return { format: 'movielens-latest', dir };
  for (const name of [...names].sort()) {
    if (!name.endsWith('.txt') || name.endsWith('_user_sequence.txt')) continue;
    const base = name.slice(0, -'.txt'.length);
    if (names.has(`${base}_item2attributes.json`) || names.has(`${base}_user_sequence.txt`)) return s3recSource(join(dir, name));
  }
  // MovieLens 1M / 10M: only the ratings are importable, as `::`-separated events.
  if (names.has('ratings.dat')) {
    return { format: 'csv', kind: 'events', file: join(dir, 'ratings.dat'), mapping: { delimiter: '::', hasHeader: false } };
  }
  if (names.has('ratings.csv')) return { format: 'csv', kind: 'events', file: join(dir, 'ratings.csv') };
  return undefined;
}

async function detectFile(file: string): Promise<ImportSource | undefined> {
  const name = basename(file).toLowerCase();
  const extension = extname(name);
  if (name === 'u.data') return { format: 'csv', kind: 'events', file, mapping: { delimiter: '\t', hasHeader: false } };
  if (name === 'ratings.dat') return { format: 'csv', kind: 'events', file, mapping: { delimiter: '::', hasHeader: false } };
  if (extension === '.jsonl' || extension === '.ndjson') return { format: 'jsonl', kind: kindFromFileName(name), file };
  if (extension === '.csv') return { format: 'csv', kind: kindFromFileName(name), file };
  if (extension === '.tsv') return { format: 'csv', kind: kindFromFileName(name), file, mapping: { delimiter: '\t' } };
  if (extension === '.txt' && !name.endsWith('_user_sequence.txt')) {
    const companions = await findS3RecCompanions(file);
    // `user item item …` with integer ids is the S3-Rec shape.
    if (companions.attributesFile !== undefined || companions.userSequenceFile !== undefined || /^\d+( \d+)+\s*$/.test(await firstLine(file))) {
      return { format: 's3rec', file, ...companions };
    }
  }
  return undefined;
}

/**
 * Guesses how to import `path`. Directories: `u.data` + `u.item` → MovieLens 100K; `ratings.csv` +
 * `movies.csv` → MovieLens latest; `X.txt` next to `X_item2attributes.json` or
 * `X_user_sequence.txt` → S3-Rec (companions attached); `ratings.dat` → `::` CSV events. Files:
 * `.jsonl`/`.ndjson` → JSONL, `.csv`/`.tsv` → CSV (kind from the name, see {@link kindFromFileName}),
 * `u.data` → tab CSV events, a `.txt` of integer sequences → S3-Rec. Returns undefined when nothing
 * fits; throws {@link NotFoundError} when `path` does not exist.
 */
export async function detectFormat(path: string, options: DetectFormatOptions = {}): Promise<ImportSource | undefined> {
  throwIfAborted(options.signal);
  let info;
  try {
    info = await stat(path);
  } catch (error) {
    throw new NotFoundError(`${path}: no such file or directory`, { cause: error, details: { file: path } });
  }
  const source = info.isDirectory() ? await detectDirectory(path) : await detectFile(path);
  throwIfAborted(options.signal);
  return source;
}
