/**
 * Two-way map between external string ids and dense indices `0..size-1`.
 * @module
 */

/** Maps external ids to dense indices in insertion order, and back. */
export class IdDictionary {
  private readonly toIndex = new Map<string, number>();
  private readonly ids: string[] = [];

  /** Builds a dictionary holding `ids` in order (duplicates are kept once). */
  static from(ids: Iterable<string>): IdDictionary {
    const dict = new IdDictionary();
    for (const id of ids) dict.add(id);
    return dict;
  }

  /** Number of ids. */
  get size(): number {
    return this.ids.length;
  }

  /** Returns the index of `id`, adding it if new. */
  add(id: string): number {
    const known = this.toIndex.get(id);
    if (known !== undefined) return known;
    const idx = this.ids.length;
    this.ids.push(id);
    this.toIndex.set(id, idx);
    return idx;
  }

  /** Index of `id`, or -1 when unknown. */
  indexOf(id: string): number {
    return this.toIndex.get(id) ?? -1;
  }

  /** True when `id` is known. */
  has(id: string): boolean {
    return this.toIndex.has(id);
  }

  /** External id at `idx`; throws RangeError when out of range. */
  idAt(idx: number): string {
    const id = this.ids[idx];
    if (id === undefined) throw new RangeError(`index ${idx} out of range 0..${this.ids.length - 1}`);
    return id;
  }

  /** All ids in index order (a copy). */
  toArray(): string[] {
    return this.ids.slice();
  }
}
