/**
 * Reading importer input files: abortable, decoded with the file's encoding, and with a missing file
 * reported as {@link NotFoundError} naming the path.
 * @module
 */
import { readFile, stat } from 'node:fs/promises';
import { AbortError, BackendError, NotFoundError } from '../core/errors.js';
import type { ProgressCallback } from '../core/logger.js';
import type { SourceText } from './import-source.js';

/** Options of {@link readSourceFile}. */
export interface ReadSourceFileOptions {
  /** Text encoding; default `utf8`. MovieLens 100K's `u.item` needs `latin1`. */
  encoding?: 'utf8' | 'latin1';
  /** Aborts the read. */
  signal?: AbortSignal | undefined;
}

function errorCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string'
    ? error.code
    : undefined;
}

/** Reads the raw bytes of `path`; see {@link readSourceFile} for the errors. */
export async function readSourceBytes(path: string, signal?: AbortSignal): Promise<Buffer> {
  try {
    return await readFile(path, { signal });
  } catch (error) {
    const code = errorCode(error);
    if (code === 'ABORT_ERR' || signal?.aborted) throw new AbortError('file read aborted', { cause: error });
    if (code === 'ENOENT') throw new NotFoundError(`${path}: no such file`, { cause: error, details: { file: path } });
    if (code === 'EISDIR') throw new NotFoundError(`${path}: is a directory, expected a file`, { cause: error, details: { file: path } });
    throw new BackendError(`${path}: cannot read (${code ?? 'unknown error'})`, { cause: error, details: { file: path } });
  }
}

/**
 * Reads `path` as text. Throws {@link NotFoundError} when it does not exist, {@link AbortError} when
 * aborted and {@link BackendError} for other I/O failures.
 */
export async function readSourceFile(path: string, options: ReadSourceFileOptions = {}): Promise<string> {
  const bytes = await readSourceBytes(path, options.signal);
  // Buffer's latin1 is true ISO-8859-1; TextDecoder('latin1') would be windows-1252.
  return bytes.toString(options.encoding ?? 'utf8');
}

/** True when `path` exists (file or directory). */
export async function pathExists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** One file for {@link readSourceFiles}. */
export interface SourceFileSpec {
  /** Path to read. */
  path: string;
  /** Text encoding; default `utf8`. */
  encoding?: 'utf8' | 'latin1';
}

/**
 * Reads several files in order, reporting `('read', done, total)` through `onProgress` before each
 * file and once at the end.
 */
export async function readSourceFiles(
  specs: readonly SourceFileSpec[],
  options: { signal?: AbortSignal | undefined; onProgress?: ProgressCallback | undefined } = {},
): Promise<SourceText[]> {
  const out: SourceText[] = [];
  for (const spec of specs) {
    options.onProgress?.('read', out.length, specs.length);
    out.push({ path: spec.path, content: await readSourceFile(spec.path, { signal: options.signal, encoding: spec.encoding ?? 'utf8' }) });
  }
  options.onProgress?.('read', out.length, specs.length);
  return out;
}
