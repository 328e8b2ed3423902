/**
 * Serving the fallback the moment a latency budget runs out, rather than when the aborted work has
 * finished unwinding (an aborted HTTP request settles a little later, longer under load).
 * @module
 */

/** What {@link raceBudget} gives when the budget ran out first. */
export const OVER_BUDGET: unique symbol = Symbol('over budget');

/** The moment a budget runs out, watched from its creation (see {@link budgetDeadline}). */
export interface BudgetDeadline {
  readonly reached: Promise<typeof OVER_BUDGET>;
  dispose(): void;
}

/**
 * Watches `budget`. Call it before deriving other signals from `budget`, so that this listener runs
 * first when it fires, before the aborts of the requests in flight.
 */
export function budgetDeadline(budget: AbortSignal): BudgetDeadline {
  let onAbort: (() => void) | undefined;
  const reached = new Promise<typeof OVER_BUDGET>((resolve) => {
    if (budget.aborted) {
      resolve(OVER_BUDGET);
      return;
    }
    onAbort = () => resolve(OVER_BUDGET);
    budget.addEventListener('abort', onAbort, { once: true });
  });
  return {
    reached,
    dispose: () => {
      if (onAbort) budget.removeEventListener('abort', onAbort);
    },
  };
}

/**
 * `work`'s value, or {@link OVER_BUDGET} as soon as the deadline is reached, whichever comes first;
 * `work` goes on (it should watch the same signal) and its late rejection is ignored.
 */
export async function raceBudget<T>(work: Promise<T>, deadline: BudgetDeadline): Promise<T | typeof OVER_BUDGET> {
  try {
    const winner = await Promise.race([work, deadline.reached]);
    if (winner === OVER_BUDGET) work.catch(() => undefined);
    return winner;
  } finally {
    deadline.dispose();
  }
}
