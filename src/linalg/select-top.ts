/**
 * The positions of the m largest scores, unordered, in expected O(n): a quickselect threshold
 * (`kthLargest`) and one pass, where a heap costs O(n log m) — the selection a multi-stage
 * retrieval makes between stages, which keeps thousands of candidates and needs no order.
 * @module
 */
import { kthLargest } from './kth-largest.js';

/**
 * Positions (ascending) of the `m` largest of `scores`; among scores equal to the m-th largest the
 * lowest positions are kept. -Infinity and NaN are never kept (masked entries), so fewer than `m`
 * come back when fewer are finite. `scratch`, at least as long as `scores`, saves an allocation.
 */
export function selectTop(scores: Float32Array, m: number, scratch?: Float32Array): Int32Array {
  const n = scores.length;
  const want = Math.max(0, Math.min(Math.floor(m), n));
  let finite = 0;
  const copy = scratch && scratch.length >= n ? scratch.subarray(0, n) : new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const s = scores[i];
    // NaN and -Infinity are left out of the selection; kthLargest does not take NaN.
    if (s > -Infinity) copy[finite++] = s;
  }
  const take = Math.min(want, finite);
  if (take === 0) return new Int32Array(0);
  const threshold = kthLargest(copy.subarray(0, finite), take);
  let above = 0;
  for (let i = 0; i < n; i++) if (scores[i] > threshold) above++;
  let ties = take - above;
  const out = new Int32Array(take);
  let c = 0;
  for (let i = 0; i < n && c < take; i++) {
    const s = scores[i];
    if (s > threshold || (s === threshold && ties-- > 0)) out[c++] = i;
  }
  return out;
}
