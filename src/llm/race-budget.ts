/**
 * Serving the fallback the moment a latency budget runs out, rather than when the aborted work has
 * finished unwinding (an aborted HTTP request settles a little later, longer under load).
 * @module
 */

/** What {@link raceBudget} gives when the budget ran out first. */
export const OVER_BUDGET: unique symbol = Symbol('over budget');

/**
 * `work`'s value, or {@link OVER_BUDGET} as soon as `budget` aborts, whichever comes first; `work`
 * goes on (it should watch the same signal) and its late rejection is ignored.
 */
export async function raceBudget<T>(work: Promise<T>, budget: AbortSignal): Promise<T | typeof OVER_BUDGET> {
  if (budget.aborted) {
    work.catch(() => undefined);
    return OVER_BUDGET;
  }
  let onAbort: (() => void) | undefined;
  const deadline = new Promise<typeof OVER_BUDGET>((resolve) => {
    onAbort = () => resolve(OVER_BUDGET);
    budget.addEventListener('abort', onAbort, { once: true });
  });
  try {
    const winner = await Promise.race([work, deadline]);
    if (winner === OVER_BUDGET) work.catch(() => undefined);
    return winner;
  } finally {
    if (onAbort) budget.removeEventListener('abort', onAbort);
  }
}
