/**
 * The server's hooks into a pipeline that is still being built. `startService` listens first, so
 * `/v1/health` answers (`status: starting`) while the models are decoded and the trending counts read
 * — minutes for a catalogue of a million items — instead of leaving the port closed. Until the gate
 * opens, recommendation and trending requests answer 503 `starting` with `Retry-After`, and what the
 * server stores meanwhile (events, item writes and deletions, user deletions) is held and handed to
 * the pipeline in arrival order when it opens, so nothing accepted during the start is missing from
 * its live state.
 * @module
 */
import type { Item, StoredEvent } from '../index.js';
import type { EventHook, ItemDeletedHook, ItemsHook, RecommendFunction, TrendingProvider, UserDeletedHook } from './context.js';
import { HttpError } from './http-errors.js';

/** Seconds a client is told to wait before asking again while the service starts. */
export const STARTING_RETRY_AFTER_S = 5;

/** Default of `PipelineGateOptions.maxHeldEvents`. */
const MAX_HELD_EVENTS = 1_000_000;

/** Options of {@link PipelineGate}. */
export interface PipelineGateOptions {
  /** Events held at most while closed (default 1,000,000); beyond, the oldest are let go (storage has them). */
  maxHeldEvents?: number;
}

/** The hooks `startServer` takes, as one object. */
export interface ServerHooks {
  recommend: RecommendFunction;
  onEvent?: EventHook;
  onItems?: ItemsHook;
  onItemDeleted?: ItemDeletedHook;
  onUserDeleted?: UserDeletedHook;
  trending?: TrendingProvider;
}

type Held = { kind: 'events'; events: readonly StoredEvent[] } | { kind: 'items'; items: readonly Item[] } | { kind: 'itemDeleted'; itemId: string } | { kind: 'userDeleted'; userId: string };

/** See the module description. */
export class PipelineGate {
  private target: ServerHooks | undefined;
  private readonly held: Held[] = [];
  private heldEvents = 0;
  private readonly maxHeldEvents: number;
  private readonly since = Date.now();
  /** What the service is doing while closed (reported by `/v1/health`). */
  step = 'starting';
  /** Events let go because too many were held while closed. */
  droppedEvents = 0;

  constructor(options: PipelineGateOptions = {}) {
    this.maxHeldEvents = options.maxHeldEvents ?? MAX_HELD_EVENTS;
  }

  /** The hooks to give `startServer`: they reach the target once the gate is open. */
  readonly hooks: Required<ServerHooks> = {
    recommend: (request) => (this.target ? this.target.recommend(request) : Promise.reject(this.startingError())),
    onEvent: (events, signal) => (this.target ? this.target.onEvent?.(events, signal) : this.hold({ kind: 'events', events })),
    onItems: (items, signal) => (this.target ? this.target.onItems?.(items, signal) : this.hold({ kind: 'items', items })),
    onItemDeleted: (itemId) => (this.target ? this.target.onItemDeleted?.(itemId) : this.hold({ kind: 'itemDeleted', itemId })),
    // A deletion held while the pipeline loads is handed over without its events: the load may or may not have counted them.
    onUserDeleted: (userId, events) => (this.target ? this.target.onUserDeleted?.(userId, events) : this.hold({ kind: 'userDeleted', userId })),
    trending: {
      trendingItems: (k, o) => (this.target?.trending ? this.target.trending.trendingItems(k, o) : Promise.reject(this.startingError())),
      trendingTopics: (k, o) => (this.target?.trending ? this.target.trending.trendingTopics(k, o) : Promise.reject(this.startingError())),
    },
  };

  /** Whether requests reach the target. */
  get isOpen(): boolean {
    return this.target !== undefined;
  }

  /** Seconds since the gate was made, while it is closed (for `/v1/health`); undefined once open. */
  status(): { step: string; seconds: number } | undefined {
    return this.target ? undefined : { step: this.step, seconds: Math.round((Date.now() - this.since) / 1000) };
  }

  /**
   * Hands `target` what was held, in arrival order, then routes every hook to it. Writes arriving
   * while the held ones are handed over wait behind them.
   */
  async open(target: ServerHooks): Promise<void> {
    const signal = new AbortController().signal;
    while (this.held.length > 0) {
      const h = this.held.shift() as Held;
      if (h.kind === 'events') await target.onEvent?.(h.events, signal);
      else if (h.kind === 'items') await target.onItems?.(h.items, signal);
      else if (h.kind === 'itemDeleted') await target.onItemDeleted?.(h.itemId);
      else await target.onUserDeleted?.(h.userId);
    }
    this.heldEvents = 0;
    this.target = target;
  }

  private hold(write: Held): void {
    this.held.push(write);
    if (write.kind !== 'events') return;
    this.heldEvents += write.events.length;
    // Only events are let go (storage has them; the live counts miss them); catalogue changes and
    // deletions are always handed over.
    while (this.heldEvents > this.maxHeldEvents) {
      const at = this.held.findIndex((h) => h.kind === 'events');
      const [dropped] = this.held.splice(at, 1) as [Extract<Held, { kind: 'events' }>];
      this.heldEvents -= dropped.events.length;
      this.droppedEvents += dropped.events.length;
    }
  }

  private startingError(): HttpError {
    const s = this.status();
    return new HttpError(503, 'starting', `the service is starting (${s?.step ?? 'starting'}, ${s?.seconds ?? 0} s so far); ask again in a few seconds`, { retryAfterSeconds: STARTING_RETRY_AFTER_S });
  }
}
