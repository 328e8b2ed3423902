/**
 * The content hash of an import: SHA-256 over what decides the records an import writes (format,
 * record kind, CSV mapping, S3-Rec event type) and the bytes of every file read, in reading order. The
 * same hash means the same records, whatever the files are called or where they lie, so a second
 * import of a file (or of a copy of it) is recognised.
 * @module
 */
import { createHash } from 'node:crypto';
import type { ImportSource } from './import-source.js';
import { readSourceBytes } from './read-source-file.js';

/** Hex SHA-256 of `source`'s settings and the bytes of `files` (the files its parse read). */
export async function importContentHash(source: ImportSource, files: readonly string[], signal?: AbortSignal): Promise<string> {
  const hash = createHash('sha256');
  const settings: Record<string, unknown> = { format: source.format };
  if (source.format === 'csv' || source.format === 'jsonl') settings.kind = source.kind;
  if (source.format === 'csv' && source.mapping !== undefined) settings.mapping = source.mapping;
  if (source.format === 's3rec' && source.eventType !== undefined) settings.eventType = source.eventType;
  hash.update(JSON.stringify(settings));
  for (const file of files) {
    const bytes = await readSourceBytes(file, signal);
    // Length-prefixed, so that the split of the same bytes between two files is not the same hash.
    hash.update(`\n${bytes.byteLength}\n`);
    hash.update(bytes);
  }
  return hash.digest('hex');
}
