/**
 * Pruning of grid trials that cannot catch up: a trial of an iterative model is compared, at each of
 * its validations, with the validation curve of the best trial finished so far at the same epoch
 * (each curve's best score up to that epoch), and stopped once it has trailed that curve by more
 * than `margin` for `checks` validations in a row, after its first `after` validations. A variant of
 * the median stopping rule of Google Vizier (Golovin et al., KDD 2017) for the few trials of a
 * grid: a trial that learns more slowly and ends higher is what `after` and `checks` leave room for.
 * On Amazon Beauty, SASRec's dropout 0.5 trails 0.3 by a fifth at every epoch, and ran 28 or more
 * epochs of about 25 s before patience stopped it.
 * @module
 */

/** When a trial is pruned; see the module description. */
export interface TrialPruning {
  /** Relative shortfall against the best curve that counts as trailing (0.1 = 10% below). */
  margin: number;
  /** Validations a trial runs before it may be pruned. */
  after: number;
  /** Consecutive trailing validations that prune it. */
  checks: number;
}

/** The default rule: 10% behind for 3 validations in a row, from the 6th validation on. */
export const DEFAULT_TRIAL_PRUNING: TrialPruning = { margin: 0.1, after: 5, checks: 3 };

/** A validation curve: epochs and the best score up to each, ascending. */
interface Curve {
  epochs: number[];
  best: number[];
}

/** The trials of one model's grid search, in the order they run. */
export class TrialPruner {
  private reference: Curve | undefined;
  private referenceScore = -Infinity;

  constructor(private readonly rule: TrialPruning) {}

  /**
   * A pruning check for the next trial: call it with each validation's epoch and score; it returns
   * true when the trial should stop now. Hand the same trial's final score to
   * {@link TrialPruner.finished} when it ends.
   */
  startTrial(): TrialCurve {
    return new TrialCurve(this.rule, this.reference);
  }

  /** Records a finished trial; the best one's curve is the reference of those that follow. */
  finished(trial: TrialCurve, score: number): void {
    if (score > this.referenceScore && !trial.pruned && trial.curve.epochs.length > 0) {
      this.referenceScore = score;
      this.reference = trial.curve;
    }
  }
}

/** One trial's curve and its pruning decision. */
export class TrialCurve {
  readonly curve: Curve = { epochs: [], best: [] };
  /** The epoch it was pruned at, if it was. */
  prunedAt: number | undefined;
  private behind = 0;

  constructor(
    private readonly rule: TrialPruning,
    private readonly reference: Curve | undefined,
  ) {}

  get pruned(): boolean {
    return this.prunedAt !== undefined;
  }

  /** Records a validation; true when the trial should stop now. */
  check(epoch: number, score: number): boolean {
    const { epochs, best } = this.curve;
    epochs.push(epoch);
    best.push(Math.max(score, best.length > 0 ? best[best.length - 1] : -Infinity));
    const ref = this.reference;
    if (ref === undefined || epochs.length <= this.rule.after) return false;
    const target = referenceAt(ref, epoch);
    this.behind = best[best.length - 1] < (1 - this.rule.margin) * target ? this.behind + 1 : 0;
    if (this.behind < this.rule.checks) return false;
    this.prunedAt = epoch;
    return true;
  }
}

/** The reference's best score up to `epoch` (its final best past its end). */
function referenceAt(ref: Curve, epoch: number): number {
  let at = -1;
  for (let i = 0; i < ref.epochs.length && ref.epochs[i] <= epoch; i++) at = i;
  return at < 0 ? -Infinity : ref.best[at];
}
