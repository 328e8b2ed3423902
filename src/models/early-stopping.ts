/**
 * Validation-driven early stopping for iterative models: validate every few epochs, keep a copy of
 * the best state, stop after `patience` validations without improvement, or when the search that
 * runs the fit prunes it (`FitContext.prune`).
 * @module
 */
import type { FitContext, FitReport } from './recommender.js';

/** Tracks the best validated state of an iterative fit. */
export class EarlyStopping<S> {
  private bestScore = -Infinity;
  private bestEpoch = 0;
  private bestState: S | undefined;
  private stale = 0;
  private prunedAt: number | undefined;

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
    const improved = score > this.bestScore;
    if (improved) {
      this.bestScore = score;
      this.bestEpoch = epoch;
      this.bestState = capture();
      this.stale = 0;
    }
    if (this.context.prune?.(epoch, score)) {
      this.prunedAt = epoch;
      this.context.logger?.log('debug', `${this.name} pruned`, { epoch, best: this.bestScore, bestEpoch: this.bestEpoch });
      return true;
    }
    return !improved && ++this.stale >= this.patience;
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
    if (this.prunedAt !== undefined) report.prunedAt = this.prunedAt;
    return report;
  }
}
