/**
 * In-process request metrics: count, errors and latency quantiles per route. Latencies are kept in
 * a fixed-size ring per route (the most recent samples), so memory stays bounded under any load.
 * @module
 */

/** Figures for one route. */
export interface RouteMetrics {
  count: number;
  /** Responses with status >= 400. */
  errors: number;
  meanMs: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** Collects request timings. */
export interface RequestMetrics {
  /** Records one finished request. */
  observe(route: string, status: number, ms: number): void;
  /** Current figures per route (`METHOD /path`), sorted by route. */
  snapshot(): Record<string, RouteMetrics>;
}

const RING = 2048;

interface RouteState {
  count: number;
  errors: number;
  totalMs: number;
  maxMs: number;
  ring: Float64Array;
  filled: number;
  next: number;
}

function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

/** Creates an empty collector. */
export function createRequestMetrics(): RequestMetrics {
  const routes = new Map<string, RouteState>();
  return {
    observe(route, status, ms) {
      let state = routes.get(route);
      if (state === undefined) {
        state = { count: 0, errors: 0, totalMs: 0, maxMs: 0, ring: new Float64Array(RING), filled: 0, next: 0 };
        routes.set(route, state);
      }
      state.count++;
      if (status >= 400) state.errors++;
      state.totalMs += ms;
      state.maxMs = Math.max(state.maxMs, ms);
      state.ring[state.next] = ms;
      state.next = (state.next + 1) % RING;
      state.filled = Math.min(RING, state.filled + 1);
    },
    snapshot() {
      const out: Record<string, RouteMetrics> = {};
      for (const route of [...routes.keys()].sort()) {
        const s = routes.get(route)!;
        const sorted = s.ring.slice(0, s.filled).sort();
        out[route] = {
          count: s.count,
          errors: s.errors,
          meanMs: round(s.totalMs / Math.max(1, s.count)),
          p50Ms: round(quantile(sorted, 0.5)),
          p99Ms: round(quantile(sorted, 0.99)),
          maxMs: round(s.maxMs),
        };
      }
      return out;
    },
  };
}
