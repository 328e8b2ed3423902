/**
 * Candidate sources over live item counters: `trending` (time-decayed counts) and `popularity`
 * (all-time counts). Neither needs a history, so together they answer unknown users.
 * @module
 */
import type { CandidateSource, SourceOutput, SourceRequest } from './candidate-source.js';
import type { TrendingTracker } from './trending-tracker.js';

/** A source proposing the top items of `tracker`, named `name` (`trending` or `popularity`). */
export function createTrendingSource(tracker: TrendingTracker, name = 'trending'): CandidateSource {
  return {
    name,
    async generate(request: SourceRequest): Promise<SourceOutput> {
      const top = tracker.top(request.k, request.now, request.state.seen);
      // log2 counts keep old data comparable; shift so the list's scores are positive.
      const logs = top.map((t) => tracker.log2Score(t.itemId, request.now));
      const floor = logs.length > 0 ? logs[logs.length - 1] - 1 : 0;
      return { candidates: top.map((t, r) => ({ itemId: t.itemId, score: logs[r] - floor })), version: 'live' };
    },
  };
}
