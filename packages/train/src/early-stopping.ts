import { InputError } from '@attnjs/core';
import { checkOptions } from '@attnjs/core/internal';
import type { EvalMetrics } from './evaluation.js';

export interface EarlyStoppingOptions {
  /** The evaluation result's key to watch, e.g. `loss` or `accuracy` (Hugging Face `metric_for_best_model`). */
  readonly metric: string;
  /** Evaluations without improvement before training stops (`early_stopping_patience`). */
  readonly patience: number;
  /** `min` (default, for losses) or `max` (for accuracies; Hugging Face `greater_is_better`). */
  readonly mode?: 'min' | 'max';
  /** An improvement must beat the best by more than this (`early_stopping_threshold`); default 0. */
  readonly threshold?: number;
}

/**
 * What early stopping has counted, saved in training checkpoints (Hugging Face keeps `best_metric` and the
 * callback's `early_stopping_patience_counter` in trainer_state.json) so a resumed run stops where an
 * uninterrupted one would.
 */
export interface EarlyStoppingState {
  readonly metric: string;
  readonly mode: 'min' | 'max';
  /** The best value so far; null before the first evaluation. */
  readonly best: number | null;
  readonly patienceCounter: number;
}

/**
 * Hugging Face's `EarlyStoppingCallback`: after each evaluation the patience counter resets when the
 * metric beats the best so far by more than `threshold`, and grows otherwise; training stops once it
 * reaches `patience`. The best value itself moves on any strict improvement, threshold or not, as the
 * Trainer's `best_metric` does.
 */
export class EarlyStopping {
  readonly metric: string;
  private readonly patience: number;
  private readonly greaterIsBetter: boolean;
  private readonly threshold: number;
  /** The best value seen so far. */
  best: number | undefined;
  /** Evaluations in a row without improvement. */
  patienceCounter = 0;

  /**
   * `restored` (from a checkpoint) continues its counts when it watched the same metric in the same mode;
   * a run that changed them starts counting afresh, as a new callback would.
   */
  constructor(options: EarlyStoppingOptions, restored?: EarlyStoppingState) {
    checkOptions(options, ['metric', 'patience', 'mode', 'threshold'], 'earlyStopping');
    const { metric, patience, mode = 'min', threshold = 0 } = options;
    if (typeof metric !== 'string' || metric === '') throw new InputError(`earlyStopping metric must be a metric name, got ${JSON.stringify(metric)}`);
    if (!Number.isInteger(patience) || patience < 1) throw new InputError(`earlyStopping patience must be an integer ≥ 1, got ${patience}`);
    if (mode !== 'min' && mode !== 'max') throw new InputError(`earlyStopping mode must be "min" or "max", got ${JSON.stringify(mode)}`);
    if (!(threshold >= 0)) throw new InputError(`earlyStopping threshold must be ≥ 0, got ${threshold}`);
    this.metric = metric;
    this.patience = patience;
    this.greaterIsBetter = mode === 'max';
    this.threshold = threshold;
    if (restored && restored.metric === metric && restored.mode === mode) {
      this.best = restored.best ?? undefined;
      this.patienceCounter = restored.patienceCounter;
    }
  }

  /** The counts to save with a checkpoint. */
  state(): EarlyStoppingState {
    return { metric: this.metric, mode: this.greaterIsBetter ? 'max' : 'min', best: this.best ?? null, patienceCounter: this.patienceCounter };
  }

  /** Records one evaluation; true when training should stop. */
  update(metrics: EvalMetrics): boolean {
    const value = metrics[this.metric];
    if (typeof value !== 'number') {
      throw new InputError(`earlyStopping metric "${this.metric}" is not in the evaluation result (${Object.keys(metrics).join(', ') || 'empty'})`);
    }
    const better = (a: number, b: number) => (this.greaterIsBetter ? a > b : a < b);
    const best = this.best;
    const improved = best === undefined || (better(value, best) && Math.abs(value - best) > this.threshold);
    this.patienceCounter = improved ? 0 : this.patienceCounter + 1;
    if (best === undefined || better(value, best)) this.best = value;
    return this.patienceCounter >= this.patience;
  }
}
