import { InputError } from '@attnjs/core';
import { checkOptions } from '@attnjs/core/internal';
import { EarlyStopping, type EarlyStoppingOptions, type EarlyStoppingState } from './early-stopping.js';
import type { EvalMetrics, EvaluateOptions } from './evaluation.js';
import { type ProgressOptions, ProgressReporter } from './progress.js';
import type { Random } from './random.js';
import type { StepRecord, Trainer } from './trainer.js';

/** What a callback may return: `'stop'` ends training after this step (Hugging Face's `should_training_stop`). */
export type CallbackResult = void | 'stop' | Promise<void | 'stop'>;

export interface TrainOptions<B> {
  /** Train until this many optimiser steps have been taken (counting those before a resume). */
  readonly maxSteps: number;
  /** Micro-batch `index` (0-based over the whole run), so a resumed run sees the same data. */
  readonly batch: (index: number, random: Random) => B | Promise<B>;
  readonly onStep?: (record: StepRecord) => CallbackResult;
  /** What to evaluate on every `evalEvery` steps (see `Trainer.evaluate`); `batches` should be a function or re-iterable. */
  // biome-ignore lint: what `collect` returns is the caller's business
  readonly evaluate?: EvaluateOptions<B, any>;
  /** Evaluate after every this many optimiser steps (Hugging Face `eval_steps`). */
  readonly evalEvery?: number;
  readonly onEvaluate?: (metrics: EvalMetrics, step: number) => CallbackResult;
  /** Stop when the metric has not improved for `patience` evaluations (Hugging Face's EarlyStoppingCallback). */
  readonly earlyStopping?: EarlyStoppingOptions;
  /** Report progress: `true` for stderr, or where and how often. Off by default. */
  readonly progress?: boolean | ProgressOptions;
}

/** Where `train`'s evaluations stand; saved in checkpoints, so a resumed run evaluates and stops as an uninterrupted one. */
export interface EvaluationProgress {
  /** The last step `train` evaluated (0: none). */
  readonly step: number;
  /** Early stopping's counts after that evaluation, when it was on. */
  readonly earlyStopping?: EarlyStoppingState;
}

const OPTIONS = ['maxSteps', 'batch', 'onStep', 'evaluate', 'evalEvery', 'onEvaluate', 'earlyStopping', 'progress'];

/** `Trainer.train`'s loop: steps, then evaluation, callbacks and early stopping at their cadence. */
export async function runTraining<B>(trainer: Trainer<B>, options: TrainOptions<B>): Promise<StepRecord[]> {
  checkOptions(options, OPTIONS, 'Trainer.train');
  const { maxSteps, evaluate, evalEvery, onEvaluate } = options;
  if (!Number.isInteger(maxSteps) || maxSteps < 0) throw new InputError(`Trainer.train maxSteps must be an integer ≥ 0, got ${maxSteps}`);
  if ((evaluate === undefined) !== (evalEvery === undefined)) throw new InputError('Trainer.train needs evaluate and evalEvery together');
  if (evalEvery !== undefined && (!Number.isInteger(evalEvery) || evalEvery < 1)) throw new InputError(`Trainer.train evalEvery must be an integer ≥ 1, got ${evalEvery}`);
  if (evaluate === undefined && (onEvaluate || options.earlyStopping)) throw new InputError('Trainer.train onEvaluate and earlyStopping need evaluate and evalEvery');
  const stopper = options.earlyStopping && new EarlyStopping(options.earlyStopping, trainer.evaluationProgress.earlyStopping);
  const progress = options.progress ? new ProgressReporter(maxSteps, trainer.step, options.progress === true ? {} : options.progress) : undefined;
  const tokensBefore = trainer.tokensSeen;
  const k = trainer.options.gradientAccumulationSteps ?? 1;
  const records: StepRecord[] = [];
  /** Evaluates the weights of `step`, calls back and updates early stopping; true to stop. */
  const evaluateAt = async (step: number): Promise<boolean> => {
    const metrics = await trainer.evaluate(evaluate!);
    progress?.evaluation(step, metrics);
    let stop = (await onEvaluate?.(metrics, step)) === 'stop';
    if (stopper?.update(metrics)) {
      progress?.message(`early stopping at step ${step}: ${stopper.metric} has not improved on ${stopper.best} for ${stopper.patienceCounter} evaluations`);
      stop = true;
    }
    trainer.evaluationProgress = { step, earlyStopping: stopper?.state() };
    return stop;
  };
  try {
    // A checkpoint saved at an evaluation step before its evaluation ran (from onStep) resumes with it due.
    const due = evaluate !== undefined && trainer.step > 0 && trainer.step % evalEvery! === 0 && trainer.evaluationProgress.step < trainer.step;
    if (due && (await evaluateAt(trainer.step))) return records;
    while (trainer.step < maxSteps) {
      const first = trainer.step * k;
      const batches: B[] = [];
      for (let i = 0; i < k; i++) batches.push(await options.batch(first + i, trainer.random));
      const record = await trainer.trainStep(batches);
      records.push(record);
      progress?.step(record, trainer.tokensSeen - tokensBefore);
      let stop = (await options.onStep?.(record)) === 'stop';
      if (evaluate && record.step % evalEvery! === 0 && (await evaluateAt(record.step))) stop = true;
      if (stop) break;
    }
  } finally {
    progress?.end();
  }
  return records;
}
