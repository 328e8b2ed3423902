/**
 * The encoded text of each user's behaviour ("I rated Heat (1995) 5/5. I searched for 'light
 * comedy'.") for the semantic model, kept off the request path: a request reads the vector of the
 * user's current history when one is ready, and otherwise is answered from the item part of the
 * interest alone while the history text is encoded in the background — once per new history (its
 * length and latest event), never once per request. At most `capacity` users are kept (least
 * recently used first out).
 * @module
 */
import type { StoredEvent } from '../core/types.js';

/** Options of {@link HistoryTextVectors}. */
export interface HistoryTextVectorsOptions {
  /** Users kept (default 20,000: about 40 MB of 512-d vectors). */
  capacity?: number;
  /** Encodes a history (verbalise + encode); undefined when it has no text. */
  encode: (history: readonly StoredEvent[]) => Promise<Float32Array | undefined>;
  /** Called when a background encoding fails. */
  onError?: (error: unknown) => void;
}

interface Entry {
  key: string;
  vector: Float32Array | undefined;
  /** Order in which its encoding was started. */
  started: number;
}

/** See the module description. */
export class HistoryTextVectors {
  private readonly entries = new Map<string, Entry>();
  private readonly running = new Map<string, Promise<void>>();
  private readonly capacity: number;
  private started = 0;

  constructor(private readonly options: HistoryTextVectorsOptions) {
    this.capacity = options.capacity ?? 20_000;
  }

  /**
   * The vector of `history` when it is ready (`ready`; the vector is undefined when the history has
   * no text), else at once the previous history's vector (or none) with `ready` false, having queued
   * the encoding. Never waits for an encoder.
   */
  peek(userId: string, history: readonly StoredEvent[]): { vector: Float32Array | undefined; ready: boolean } {
    const key = historyKey(history);
    const entry = this.entries.get(userId);
    if (entry && entry.key === key) {
      // Most recently used last.
      this.entries.delete(userId);
      this.entries.set(userId, entry);
      return { vector: entry.vector, ready: true };
    }
    this.refresh(userId, history, key);
    // The previous history's vector, if any, until the new one is ready.
    return { vector: entry?.vector, ready: false };
  }

  /** Encodes `history` now and keeps it (for callers off the request path, such as the CLI). */
  async get(userId: string, history: readonly StoredEvent[]): Promise<Float32Array | undefined> {
    const key = historyKey(history);
    const entry = this.entries.get(userId);
    if (entry && entry.key === key) return entry.vector;
    const started = ++this.started;
    const vector = await this.options.encode(history);
    this.store(userId, { key, vector, started });
    return vector;
  }

  /** Resolves when every queued encoding has finished (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running.values()]);
  }

  /** Drops a user's vector (after deletion). */
  forget(userId: string): void {
    this.entries.delete(userId);
  }

  /** Drops every vector. */
  clear(): void {
    this.entries.clear();
  }

  /** Encodings queued or running. */
  get pending(): number {
    return this.running.size;
  }

  /** Users with a vector in memory. */
  get size(): number {
    return this.entries.size;
  }

  private refresh(userId: string, history: readonly StoredEvent[], key: string): void {
    const runningKey = `${userId}\u0000${key}`;
    if (this.running.has(runningKey)) return;
    const events = history.slice();
    const started = ++this.started;
    const run = this.options
      .encode(events)
      .then((vector) => this.store(userId, { key, vector, started }))
      .catch((error: unknown) => this.options.onError?.(error))
      .finally(() => this.running.delete(runningKey));
    this.running.set(runningKey, run);
  }

  private store(userId: string, entry: Entry): void {
    const previous = this.entries.get(userId);
    // A slower encoding started earlier never replaces one started later.
    if (previous && previous.started > entry.started) return;
    this.entries.delete(userId);
    this.entries.set(userId, entry);
    while (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }
}

/** Identity of a history: its length and latest sequence number. */
function historyKey(history: readonly StoredEvent[]): string {
  let last = 0;
  for (const e of history) if (e.seq > last) last = e.seq;
  return `${last}:${history.length}`;
}
