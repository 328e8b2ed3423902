/**
 * The k-th largest value of an array by quickselect (Hoare partition, median-of-three pivot) in
 * expected O(n), where sorting costs O(n log n): for thresholds such as "the count of the item at
 * rank k" over a whole catalogue.
 * @module
 */
import type { FloatArray } from './float-array.js';

/**
 * The `k`-th largest value of `values` (k = 1: the largest), reordering `values` in place; NaN for
 * an empty array or k outside 1..n. NaNs in `values` are not supported.
 */
export function kthLargest(values: FloatArray, k: number): number {
  const n = values.length;
  if (!Number.isInteger(k) || k < 1 || k > n) return NaN;
  // The k-th largest is the (n - k)-th smallest (0-based).
  const target = n - k;
  let lo = 0;
  let hi = n - 1;
  while (hi > lo) {
    const mid = lo + ((hi - lo) >> 1);
    // Median of three as the pivot, against sorted or constant runs.
    let a = values[lo];
    let b = values[mid];
    const c = values[hi];
    if (a > b) [a, b] = [b, a];
    const pivot = c < a ? a : c > b ? b : c;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (values[i] < pivot) i++;
      while (values[j] > pivot) j--;
      if (i <= j) {
        const t = values[i];
        values[i] = values[j];
        values[j] = t;
        i++;
        j--;
      }
    }
    // Now values[lo..j] ≤ pivot ≤ values[i..hi], and values[j+1..i-1] = pivot.
    if (target <= j) hi = j;
    else if (target >= i) lo = i;
    else return values[target];
  }
  return values[target];
}
