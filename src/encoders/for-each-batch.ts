/**
 * The batching loop every encoder shares: fixed-size batches over chosen input positions, the
 * caller's `AbortSignal` checked between batches, and progress reported after each one.
 * @module
 */
import { ValidationError, throwIfAborted } from '../core/errors.js';
import type { EncodeOptions } from './encoder.js';

/**
 * Runs `encodeBatch` over `positions` (indices into the caller's input of `total` texts) in slices
 * of at most `maxBatch`, in the order given. Positions not listed (empty texts, cache hits) count
 * as done from the start, so progress always ends at `total`.
 */
export async function forEachBatch(
  positions: readonly number[],
  total: number,
  maxBatch: number,
  options: EncodeOptions,
  encodeBatch: (batch: readonly number[]) => Promise<void>,
): Promise<void> {
  let done = total - positions.length;
  throwIfAborted(options.signal);
  if (positions.length === 0) {
    if (total > 0) options.onProgress?.(done, total);
    return;
  }
  for (let start = 0; start < positions.length; start += maxBatch) {
    throwIfAborted(options.signal);
    const batch = positions.slice(start, start + maxBatch);
    await encodeBatch(batch);
    done += batch.length;
    options.onProgress?.(done, total);
  }
}

/** Validates a positive integer option such as `maxBatch`; returns it, or `fallback` when undefined. */
export function positiveInt(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) {
    throw new ValidationError(`encoder option "${name}" must be a positive integer, got ${String(value)}`, { details: { field: name, value } });
  }
  return value;
}

/** Validates a non-negative integer option such as `retries`; returns it, or `fallback` when undefined. */
export function nonNegativeInt(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 0) {
    throw new ValidationError(`encoder option "${name}" must be a non-negative integer, got ${String(value)}`, { details: { field: name, value } });
  }
  return value;
}

/** Positions of the non-empty texts: the empty string always encodes to a zero row. */
export function nonEmptyPositions(texts: readonly string[]): number[] {
  const positions: number[] = [];
  for (let i = 0; i < texts.length; i++) {
    if (typeof texts[i] !== 'string') {
      throw new ValidationError(`texts[${i}] must be a string, got ${typeof texts[i]}`, { details: { index: i, field: 'texts' } });
    }
    if (texts[i].length > 0) positions.push(i);
  }
  return positions;
}
