/**
 * Per-item sums of a bulk load of events, for several half-lives at once: one map look-up per event
 * instead of one per counter. {@link LiveItemSignals.load} reads millions of events and counts each
 * in four decayed counters (popularity, trending, and the topics' two); each counter looking the
 * item up in its own map of a million ids was a third of a load at 1M items. The tally keeps one
 * slot per item with the time of its latest event and, per half-life, the count at that time, by
 * the same arithmetic as {@link TrendingTracker.add}; handing an item's count to a counter at the
 * end (`add(item, count, at)`) leaves that counter as counting every event would have.
 * @module
 */

/** Items restored between two pauses of {@link LoadTally.fromParts}. */
const RESTORE_SLICE = 100_000;

/** See the module description. */
export class LoadTally {
  private readonly halfLives: readonly number[];
  private readonly slotOf = new Map<string, number>();
  private readonly ids: string[] = [];
  /** Earliest event time of each slot (any weight). */
  private first = new Float64Array(1024);
  /** Latest positive event time of each slot. */
  private last = new Float64Array(1024);
  /** Per half-life, each slot's count at `last` (0: no positive event yet). */
  private stamped: Float64Array<ArrayBuffer>[];
  /** Slots in the order of their first positive event (the order counters learn items in). */
  private readonly counted: number[] = [];

  /** @param halfLives half-life of each count in ms (`Infinity`: no decay). */
  constructor(halfLives: readonly number[]) {
    this.halfLives = halfLives;
    this.stamped = halfLives.map(() => new Float64Array(1024));
  }

  /** Items seen (any event about them). */
  get size(): number {
    return this.ids.length;
  }

  /** One event about `itemId` at `at`, counted with `weight` when it is positive. */
  add(itemId: string, weight: number, at: number): void {
    let s = this.slotOf.get(itemId);
    if (s === undefined) {
      s = this.ids.length;
      this.slotOf.set(itemId, s);
      this.ids.push(itemId);
      if (s >= this.first.length) this.grow();
      this.first[s] = at;
    } else if (at < this.first[s]) this.first[s] = at;
    if (!(weight > 0)) return;
    const stamped = this.stamped;
    if (stamped[0][s] === 0) {
      this.counted.push(s);
      for (let h = 0; h < stamped.length; h++) stamped[h][s] = weight;
      this.last[s] = at;
      return;
    }
    const last = this.last[s];
    for (let h = 0; h < stamped.length; h++) {
      const half = this.halfLives[h];
      // As TrendingTracker.add: both terms at the later of the two times, then added.
      if (at >= last) stamped[h][s] = (at === last || half === Infinity ? stamped[h][s] : stamped[h][s] * Math.pow(2, -(at - last) / half)) + weight;
      else stamped[h][s] += half === Infinity ? weight : weight * Math.pow(2, -(last - at) / half);
    }
    if (at > last) this.last[s] = at;
  }

  /** Every item seen, in the order first seen, with its earliest event time; from `from` to before `to`. */
  forEachFirst(from: number, to: number, fn: (itemId: string, firstAt: number) => void): void {
    for (let s = from; s < Math.min(to, this.ids.length); s++) fn(this.ids[s], this.first[s]);
  }

  /** Items with a positive count. */
  get countedSize(): number {
    return this.counted.length;
  }

  /**
   * Items with a positive count, in the order of their first positive event, from `from` to before
   * `to` of that order: the item, its count per half-life (a view, valid during the call) and the time those counts are at.
   */
  forEachCount(from: number, to: number, fn: (itemId: string, counts: readonly number[], at: number) => void): void {
    const counts = new Array<number>(this.stamped.length);
    for (let p = from; p < Math.min(to, this.counted.length); p++) {
      const s = this.counted[p];
      for (let h = 0; h < counts.length; h++) counts[h] = this.stamped[h][s];
      fn(this.ids[s], counts, this.last[s]);
    }
  }

  /** The tally's state as arrays of its own size (views of its buffers), for {@link LoadTally.fromParts}. */
  toParts(): LoadTallyParts {
    const n = this.ids.length;
    return {
      ids: this.ids,
      first: this.first.subarray(0, n),
      last: this.last.subarray(0, n),
      stamped: this.stamped.map((a) => a.subarray(0, n)),
      counted: Int32Array.from(this.counted),
    };
  }

  /**
   * A tally holding `parts` (its arrays copied), which then goes on counting as the tally that made
   * them would: adding the events after them gives what adding every event to one tally gives.
   * Awaits `pause` every {@link RESTORE_SLICE} items. Rejects when the parts do not fit together or `halfLives`.
   */
  static async fromParts(halfLives: readonly number[], parts: LoadTallyParts, pause: () => Promise<void> = async () => undefined): Promise<LoadTally> {
    const n = parts.ids.length;
    const fits = parts.first.length === n && parts.last.length === n && parts.stamped.length === halfLives.length && parts.stamped.every((a) => a.length === n) && parts.counted.every((s) => s >= 0 && s < n);
    if (!fits) throw new Error('the tally parts do not fit together');
    const tally = new LoadTally(halfLives);
    const capacity = Math.max(1024, n);
    const copy = (a: Float64Array): Float64Array<ArrayBuffer> => {
      const b = new Float64Array(capacity);
      b.set(a);
      return b;
    };
    tally.first = copy(parts.first);
    tally.last = copy(parts.last);
    tally.stamped = parts.stamped.map(copy);
    // A million ids' map takes about a second: built a slice per turn of `pause`.
    for (let s = 0; s < n; s++) {
      tally.ids.push(parts.ids[s]);
      tally.slotOf.set(parts.ids[s], s);
      if ((s + 1) % RESTORE_SLICE === 0) await pause();
    }
    if (tally.slotOf.size !== n) throw new Error('the tally parts name an item twice');
    for (const s of parts.counted) tally.counted.push(s);
    return tally;
  }

  private grow(): void {
    const bigger = (a: Float64Array<ArrayBuffer>): Float64Array<ArrayBuffer> => {
      const b = new Float64Array(a.length * 2);
      b.set(a);
      return b;
    };
    this.first = bigger(this.first);
    this.last = bigger(this.last);
    this.stamped = this.stamped.map(bigger);
  }
}

/** A {@link LoadTally}'s state (see {@link LoadTally.toParts}): per slot, its item, earliest and latest time and count per half-life. */
export interface LoadTallyParts {
  ids: readonly string[];
  first: Float64Array;
  last: Float64Array;
  stamped: readonly Float64Array[];
  /** Slots with a positive count, in the order of their first positive event. */
  counted: Int32Array;
}
