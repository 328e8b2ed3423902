/**
 * Conversation state, held in memory by the process that serves it: a conversation is short-lived
 * and made of what a person typed, so it is not written to storage (nothing to purge or erase
 * later). Bounded: at most `maxConversations` (the least recently used go first), each dropped
 * after `ttlMs` without a message, each keeping its last `maxTurns` turns (the wish so far is kept
 * whole). A restart forgets every conversation; its id then answers 404.
 * @module
 */
import { randomUUID } from 'node:crypto';
import type { Wish } from './wish.js';
import { emptyWish } from './wish.js';

/** One turn. */
export interface ConversationTurn {
  role: 'user' | 'assistant';
  text: string;
  at: number;
  /** The items an assistant turn answered with. */
  itemIds?: string[];
}

/** One conversation. */
export interface Conversation {
  id: string;
  /** The person, when known: their history blends into answers. */
  userId?: string;
  createdAt: number;
  lastAt: number;
  turns: ConversationTurn[];
  /** The structured request so far. */
  wish: Wish;
}

/** Options of {@link ConversationStore}. */
export interface ConversationStoreOptions {
  maxConversations?: number;
  ttlMs?: number;
  maxTurns?: number;
  clock?: () => number;
}

/** See the module description. */
export class ConversationStore {
  private readonly byId = new Map<string, Conversation>();
  private readonly max: number;
  private readonly ttlMs: number;
  /** Turns kept per conversation. */
  readonly maxTurns: number;
  private readonly clock: () => number;

  constructor(options: ConversationStoreOptions = {}) {
    this.max = options.maxConversations ?? 1_000;
    this.ttlMs = options.ttlMs ?? 3_600_000;
    this.maxTurns = options.maxTurns ?? 20;
    this.clock = options.clock ?? Date.now;
  }

  /** Starts a conversation. */
  create(userId?: string): Conversation {
    this.sweep();
    const now = this.clock();
    const conversation: Conversation = { id: randomUUID(), createdAt: now, lastAt: now, turns: [], wish: emptyWish(), ...(userId === undefined ? {} : { userId }) };
    this.byId.set(conversation.id, conversation);
    while (this.byId.size > this.max) this.byId.delete(this.byId.keys().next().value as string);
    return conversation;
  }

  /** The conversation, or undefined when unknown or expired. */
  get(id: string): Conversation | undefined {
    const c = this.byId.get(id);
    if (c === undefined) return undefined;
    if (this.clock() - c.lastAt > this.ttlMs) {
      this.byId.delete(id);
      return undefined;
    }
    return c;
  }

  /** Appends a turn (dropping the oldest beyond `maxTurns`) and marks the conversation used. */
  append(conversation: Conversation, turn: ConversationTurn): void {
    conversation.turns.push(turn);
    if (conversation.turns.length > this.maxTurns) conversation.turns.splice(0, conversation.turns.length - this.maxTurns);
    conversation.lastAt = this.clock();
    // Most recently used last: eviction takes the first.
    this.byId.delete(conversation.id);
    this.byId.set(conversation.id, conversation);
  }

  /** When the conversation expires, ms since epoch. */
  expiresAt(conversation: Conversation): number {
    return conversation.lastAt + this.ttlMs;
  }

  /** Drops every conversation of a user (deletion of the user). */
  forgetUser(userId: string): void {
    for (const [id, c] of this.byId) if (c.userId === userId) this.byId.delete(id);
  }

  /** Conversations held now. */
  get size(): number {
    return this.byId.size;
  }

  private sweep(): void {
    const now = this.clock();
    for (const [id, c] of this.byId) if (now - c.lastAt > this.ttlMs) this.byId.delete(id);
  }
}
