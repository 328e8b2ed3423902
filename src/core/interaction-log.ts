/**
 * Columnar interaction log: the dense-index form of (user, item, value, time) tuples that the
 * evaluation harness and the models consume.
 * @module
 */
import { IdDictionary } from './id-dictionary.js';

/** Interactions in columnar typed arrays, with the id dictionaries that give their indices meaning. */
export interface InteractionLog {
  /** External user ids ↔ `userIdx`. */
  readonly users: IdDictionary;
  /** External item ids ↔ `itemIdx`. */
  readonly items: IdDictionary;
  /** User index of each interaction. */
  readonly userIdx: Int32Array;
  /** Item index of each interaction. */
  readonly itemIdx: Int32Array;
  /** Value of each interaction (rating, or 1 for implicit feedback). */
  readonly value: Float32Array;
  /** Time of each interaction, ms since epoch (or an ordinal when the source has no clock). */
  readonly timestamp: Float64Array;
}

/** Number of interactions in `log`. */
export function logLength(log: InteractionLog): number {
  return log.userIdx.length;
}

/** Incrementally builds an {@link InteractionLog} from string ids. */
export class InteractionLogBuilder {
  private readonly users = new IdDictionary();
  private readonly items = new IdDictionary();
  private u: number[] = [];
  private i: number[] = [];
  private v: number[] = [];
  private t: number[] = [];

  /** Appends one interaction. */
  add(userId: string, itemId: string, value: number, timestamp: number): void {
    this.u.push(this.users.add(userId));
    this.i.push(this.items.add(itemId));
    this.v.push(value);
    this.t.push(timestamp);
  }

  /** Registers an item without an interaction, so that it has an index (e.g. a new catalogue item). */
  addItem(itemId: string): number {
    return this.items.add(itemId);
  }

  /** Number of interactions so far. */
  get length(): number {
    return this.u.length;
  }

  /** Freezes the builder into typed arrays. */
  build(): InteractionLog {
    return {
      users: this.users,
      items: this.items,
      userIdx: Int32Array.from(this.u),
      itemIdx: Int32Array.from(this.i),
      value: Float32Array.from(this.v),
      timestamp: Float64Array.from(this.t),
    };
  }
}
