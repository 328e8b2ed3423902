/**
 * Work that renews kept answers between requests instead of inside one: tasks queued by key (one per
 * user at most), run one at a time, each started from its own `setImmediate` turn, so the requests
 * waiting on sockets are answered between two tasks and a request waits for at most the task that is
 * running, never for a queue of them. The queue is bounded; what does not fit is dropped, and its
 * answer is computed by the next request that needs it, as without the refresher.
 * @module
 */

/** Options of {@link BackgroundRefresher}. */
export interface BackgroundRefresherOptions {
  /** Tasks waiting at most (default 1,000); a task beyond is dropped. */
  maxPending?: number;
  /** Called with a task's error (the task is dropped; the answer is computed on request instead). */
  onError?: (key: string, error: unknown) => void;
}

/** See the module description. */
export class BackgroundRefresher {
  private readonly pending = new Map<string, () => Promise<unknown>>();
  private readonly maxPending: number;
  private readonly onError: (key: string, error: unknown) => void;
  private running = false;
  private stopped = false;
  /** Tasks finished, failed and dropped because the queue was full, since the start. */
  done = 0;
  failed = 0;
  dropped = 0;

  constructor(options: BackgroundRefresherOptions = {}) {
    this.maxPending = options.maxPending ?? 1_000;
    this.onError = options.onError ?? (() => undefined);
    if (!Number.isInteger(this.maxPending) || this.maxPending < 0) throw new RangeError(`maxPending must be an integer ≥ 0, got ${options.maxPending}`);
  }

  /**
   * Queues `task` under `key` unless one is already waiting under it or the queue is full. Returns
   * whether it was queued.
   */
  enqueue(key: string, task: () => Promise<unknown>): boolean {
    if (this.stopped || this.pending.has(key)) return false;
    if (this.pending.size >= this.maxPending) {
      this.dropped++;
      return false;
    }
    this.pending.set(key, task);
    if (!this.running) {
      this.running = true;
      setImmediate(() => void this.drain());
    }
    return true;
  }

  /** Tasks waiting now. */
  get size(): number {
    return this.pending.size;
  }

  /** Drops the waiting tasks and accepts no more (the running one finishes). */
  stop(): void {
    this.stopped = true;
    this.pending.clear();
  }

  private async drain(): Promise<void> {
    while (!this.stopped) {
      const next = this.pending.entries().next();
      if (next.done === true) break;
      const [key, task] = next.value;
      this.pending.delete(key);
      try {
        await task();
        this.done++;
      } catch (error) {
        this.failed++;
        this.onError(key, error);
      }
      // The next task starts in a later turn, after the I/O that arrived meanwhile.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    this.running = false;
  }
}
