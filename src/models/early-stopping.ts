/**
 * Validation-driven early stopping for iterative models: validate every few epochs, keep a copy of
 * the best state, stop after `patience` validations without improvement.
 * @module
 */
import type { FitContext, FitReport } from './recommender.js';

/** Tracks the best validated state of an iterative fit. */
export class EarlyStopping<S> {
  private bestScore = -Infinity;
  private bestEpoch = 0;
  private bestState: S | undefined;
  private stale = 0;

  constructor(
    private readonly context: FitContext,
    private readonly evalEvery: number,
    private readonly patience: number,
    private readonly lastEpoch: number,
    private readonly name: string,
  ) {}

  /**
   * Call after each epoch. Validates when due; `capture` copies the current state when it is the best
   * so far. Returns true when training should stop.
   */
  afterEpoch(epoch: number, capture: () => S): boolean {
    const validate = this.context.validate;
    if (!validate || (epoch % this.evalEvery !== 0 && epoch !== this.lastEpoch)) return false;
    const score = validate();
    this.context.logger?.log('debug', `${this.name} validation`, { epoch, score });
    if (score > this.bestScore) {
      this.bestScore = score;
      this.bestEpoch = epoch;
      this.bestState = capture();
      this.stale = 0;
      return false;
    }
    return ++this.stale >= this.patience;
  }

  /** The best state, when validation ran. */
  get best(): S | undefined {
    return this.bestState;
  }

  /** A fit report with the chosen epoch and its score when validation ran. */
  report(seconds: number, epochs: number): FitReport {
    const report: FitReport = { seconds, epochs };
    if (this.bestState !== undefined) {
      report.bestEpoch = this.bestEpoch;
      report.bestScore = this.bestScore;
    }
    return report;
  }
}
