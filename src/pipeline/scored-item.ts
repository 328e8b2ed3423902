/**
 * The item the re-rank stages pass along: id, current score, which sources proposed it, and the
 * catalogue record when known. Every stage is a small pure function from a list to a list.
 * @module
 */
import type { Item } from '../core/types.js';

/** A ranked candidate between stages. */
export interface ScoredItem {
  itemId: string;
  score: number;
  sources: string[];
  /** Raw score per proposing source. */
  sourceScores: Record<string, number>;
  /** Catalogue record (absent when the item is not in the catalogue). */
  item?: Item;
}

/** Sorts by score, best first (ties by id for determinism); returns a new array. */
export function sortByScore<T extends { itemId: string; score: number }>(list: readonly T[]): T[] {
  return [...list].sort((a, b) => b.score - a.score || (a.itemId < b.itemId ? -1 : a.itemId > b.itemId ? 1 : 0));
}
