/**
 * Popularity: scores every item by how many training users interacted with it. The fallback for
 * users without history, and the floor every other model must beat.
 * @module
 */
import { columnCounts } from '../core/csr-matrix.js';
import type { CsrMatrix } from '../core/csr-matrix.js';
import type { FitReport, ModelParams, Recommender, UserQuery } from './recommender.js';
import type { ModelSnapshot } from './snapshot.js';

/** Popularity takes no hyper-parameters. */
export type PopularityOptions = Record<string, never>;

/** Creates a popularity recommender. */
export function createPopularity(_options: Partial<PopularityOptions> = {}): PopularityModel {
  return new PopularityModel();
}

/** Counts of interacting users per item; the same list for everyone. */
export class PopularityModel implements Recommender {
  readonly kind = 'pop';
  readonly params: ModelParams = {};
  private counts: Float32Array = new Float32Array(0);

  get numItems(): number {
    return this.counts.length;
  }

  /** Training-user count of each item. */
  get itemCounts(): Float32Array {
    return this.counts;
  }

  async fit(train: CsrMatrix): Promise<FitReport> {
    const t0 = performance.now();
    this.counts = Float32Array.from(columnCounts(train));
    return { seconds: (performance.now() - t0) / 1000, epochs: 1 };
  }

  score(_query: UserQuery, out: Float32Array): void {
    out.set(this.counts);
  }

  similarItems(_itemIdx: number, out: Float32Array): void {
    // Without content or co-occurrence, the best "similar" guess is what is popular.
    out.set(this.counts);
  }

  snapshot(): ModelSnapshot {
    return { kind: this.kind, params: this.params, meta: {}, arrays: { counts: this.counts } };
  }

  /** Restores from {@link PopularityModel.snapshot}. */
  static fromSnapshot(s: ModelSnapshot): PopularityModel {
    const m = new PopularityModel();
    m.counts = s.arrays.counts as Float32Array;
    return m;
  }
}
