import { IGNORE_INDEX, InputError } from '@attnjs/core';

/** scikit-learn's `average`: one positive class, or per-class scores combined. */
export type F1Average = 'binary' | 'macro' | 'micro' | 'weighted';

export interface F1Options {
  /** Default `binary`, as `sklearn.metrics.f1_score`. */
  readonly average?: F1Average;
  /** The positive class for `binary`; default 1. */
  readonly posLabel?: number;
  /** References equal to this are skipped (padding, sub-word positions); default −100. */
  readonly ignoreIndex?: number;
}

export interface PrecisionRecallF1 {
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
}

/** Counts of one class: true positives, predicted positives, actual positives (support). */
interface ClassCounts {
  tp: number;
  predicted: number;
  actual: number;
}

/** a / b, or 0 where b is 0 (scikit-learn's `zero_division="warn"` result, without the warning). */
const divide = (a: number, b: number) => (b === 0 ? 0 : a / b);

/** F1 from counts as scikit-learn computes it: 2·tp / (predicted + actual), 0 when both are 0. */
const scores = ({ tp, predicted, actual }: ClassCounts): PrecisionRecallF1 => ({
  precision: divide(tp, predicted),
  recall: divide(tp, actual),
  f1: divide(2 * tp, predicted + actual),
});

/**
 * Precision, recall and F1 of class predictions against references, as `sklearn.metrics.
 * precision_recall_fscore_support(references, predictions, average=…)`: `binary` scores `posLabel` only;
 * `macro` is the unweighted mean over every class seen in either list; `micro` counts over all classes at
 * once (equal to accuracy for single-label data); `weighted` weighs each class by its support.
 * Arguments are in `accuracy`'s order (predictions first), as Hugging Face `evaluate` takes them.
 */
export function precisionRecallF1(
  predictions: ArrayLike<number>,
  references: ArrayLike<number>,
  options: F1Options = {},
): PrecisionRecallF1 {
  const { average = 'binary', posLabel = 1, ignoreIndex = IGNORE_INDEX } = options;
  if (predictions.length !== references.length) {
    throw new InputError(`f1: ${predictions.length} predictions for ${references.length} references`);
  }
  const perClass = new Map<number, ClassCounts>();
  const counts = (label: number) => {
    let c = perClass.get(label);
    if (!c) perClass.set(label, (c = { tp: 0, predicted: 0, actual: 0 }));
    return c;
  };
  let counted = 0;
  for (let i = 0; i < references.length; i++) {
    const reference = references[i]!;
    if (reference === ignoreIndex) continue;
    const prediction = predictions[i]!;
    counted++;
    counts(reference).actual++;
    counts(prediction).predicted++;
    if (prediction === reference) counts(reference).tp++;
  }
  if (counted === 0) throw new InputError('f1: every reference is ignored');
  const classes = [...perClass.values()];
  switch (average) {
    case 'binary': {
      if (perClass.size > 2) {
        const seen = [...perClass.keys()].sort((a, b) => a - b).join(', ');
        throw new InputError(`f1 average "binary" needs two classes, got ${perClass.size} (${seen}); use "macro", "micro" or "weighted"`);
      }
      return scores(perClass.get(posLabel) ?? { tp: 0, predicted: 0, actual: 0 });
    }
    case 'micro': {
      const total = classes.reduce((a, c) => ({ tp: a.tp + c.tp, predicted: a.predicted + c.predicted, actual: a.actual + c.actual }));
      return scores(total);
    }
    case 'macro':
    case 'weighted': {
      const weight = (c: ClassCounts) => (average === 'macro' ? 1 / classes.length : c.actual / counted);
      const sum = { precision: 0, recall: 0, f1: 0 };
      for (const c of classes) {
        const s = scores(c);
        sum.precision += weight(c) * s.precision;
        sum.recall += weight(c) * s.recall;
        sum.f1 += weight(c) * s.f1;
      }
      return sum;
    }
    default:
      throw new InputError(`f1 average must be "binary", "macro", "micro" or "weighted", got ${JSON.stringify(average)}`);
  }
}

/** `sklearn.metrics.f1_score(references, predictions, average=…)`; see `precisionRecallF1`. */
export function f1Score(predictions: ArrayLike<number>, references: ArrayLike<number>, options?: F1Options): number {
  return precisionRecallF1(predictions, references, options).f1;
}
