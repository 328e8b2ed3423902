/**
 * Random: scores items uniformly at random (seeded per user, so a list is stable between calls).
 * The chance baseline of the evaluation harness.
 * @module
 */
import type { CsrMatrix } from '../core/csr-matrix.js';
import { createRng } from '../linalg/index.js';
import type { FitReport, ModelParams, Recommender, UserQuery } from './recommender.js';
import type { ModelSnapshot } from './snapshot.js';

/** Hyper-parameters of {@link RandomModel}. */
export interface RandomOptions {
  seed: number;
}

/** Creates a random recommender. */
export function createRandom(options: Partial<RandomOptions> = {}): RandomModel {
  return new RandomModel({ seed: 1, ...options });
}

/** Uniformly random scores. */
export class RandomModel implements Recommender {
  readonly kind = 'random';
  readonly params: ModelParams;
  private items = 0;

  constructor(private readonly options: RandomOptions) {
    this.params = { ...options };
  }

  get numItems(): number {
    return this.items;
  }

  async fit(train: CsrMatrix): Promise<FitReport> {
    this.items = train.numCols;
    return { seconds: 0, epochs: 1 };
  }

  score(query: UserQuery, out: Float32Array): void {
    let h = Math.imul(this.options.seed ^ 0x9e3779b9, 0x85ebca6b) ^ (query.userIdx + 1);
    for (const i of query.items) h = Math.imul(h ^ i, 16777619);
    const rng = createRng(h >>> 0);
    for (let j = 0; j < out.length; j++) out[j] = rng.next();
  }

  similarItems(itemIdx: number, out: Float32Array): void {
    const rng = createRng((this.options.seed * 31 + itemIdx) >>> 0);
    for (let j = 0; j < out.length; j++) out[j] = rng.next();
    out[itemIdx] = 0;
  }

  snapshot(): ModelSnapshot {
    return { kind: this.kind, params: this.params, meta: { numItems: this.items }, arrays: {} };
  }

  /** Restores from {@link RandomModel.snapshot}. */
  static fromSnapshot(s: ModelSnapshot): RandomModel {
    const m = new RandomModel({ seed: 1, ...(s.params as Partial<RandomOptions>) });
    m.items = s.meta.numItems as number;
    return m;
  }
}
