import type { Tensor } from './kernels.js';
import type { Ops } from './ops.js';

/** Hugging Face / PyTorch default: targets equal to this are ignored. */
export const IGNORE_INDEX = -100;

/**
 * Cross-entropy of `logits` [..., C] against int32 `labels` [...], mean over the labels that are not
 * `ignoreIndex` (PyTorch `reduction='mean'`). With no target left the result is NaN, as in PyTorch.
 */
export function crossEntropy(ops: Ops, logits: Tensor, labels: Tensor, ignoreIndex = IGNORE_INDEX): Tensor {
  const keep = ops.notEqual(labels, ops.scalar(ignoreIndex, 'int32')); // 1 where counted, float
  // Ignored positions would index out of range: point them at class 0, their term is zeroed below.
  const safeLabels = ops.mul(labels, ops.cast(keep, 'int32'));
  const picked = ops.takeAlongLastAxis(ops.logSoftmax(logits), safeLabels); // (...)
  const rank = labels.shape.length;
  const axes = Array.from({ length: rank }, (_, i) => i);
  const total = ops.neg(ops.sum(ops.mul(picked, keep), axes));
  return ops.div(total, ops.sum(keep, axes));
}

/** Causal-LM loss (GPT2LMHeadModel): logits at t predict labels at t + 1. logits [B, T, V], labels [B, T]. */
export function causalLMLoss(ops: Ops, logits: Tensor, labels: Tensor, ignoreIndex = IGNORE_INDEX): Tensor {
  const shiftedLogits = ops.slice(logits, 1, 0, -1); // (B, T-1, V)
  const shiftedLabels = ops.slice(labels, 1, 1); // (B, T-1)
  return crossEntropy(ops, shiftedLogits, shiftedLabels, ignoreIndex);
}

/** Masked-LM loss (BertForMaskedLM): labels are −100 except at the masked positions. */
export function maskedLMLoss(ops: Ops, logits: Tensor, labels: Tensor, ignoreIndex = IGNORE_INDEX): Tensor {
  return crossEntropy(ops, logits, labels, ignoreIndex);
}

/** Next-sentence-prediction loss: logits [B, 2], labels [B] (0 = B follows A, 1 = random). */
export function nextSentenceLoss(ops: Ops, logits: Tensor, labels: Tensor): Tensor {
  return crossEntropy(ops, logits, labels);
}

/**
 * Binary cross-entropy with logits (PyTorch `BCEWithLogitsLoss`, mean over every element): logits and
 * float targets of the same shape, targets in [0, 1] (soft labels allowed).
 *
 * Written as a two-class cross-entropy over the classes [off, on] with logits [0, x], so the backend's
 * log-softmax (which subtracts the max) keeps it stable for any |x|: log σ(x) and log σ(−x) are the two
 * log-probabilities, with no exp(x) that could overflow and no log(0).
 */
export function binaryCrossEntropyWithLogits(ops: Ops, logits: Tensor, targets: Tensor): Tensor {
  const rank = logits.shape.length;
  const x = ops.reshape(logits, [...Array.from({ length: rank }, () => 0), 1]); // (..., 1)
  const logProbs = ops.logSoftmax(ops.concat([ops.mul(x, ops.scalar(0)), x], -1)); // (..., 2): log σ(−x), log σ(x)
  const logOff = ops.reshape(ops.slice(logProbs, -1, 0, 1), Array.from({ length: rank }, () => 0));
  const logOn = ops.reshape(ops.slice(logProbs, -1, 1, 2), Array.from({ length: rank }, () => 0));
  const offTargets = ops.sub(ops.scalar(1), targets);
  const perElement = ops.add(ops.mul(targets, logOn), ops.mul(offTargets, logOff));
  return ops.neg(ops.mean(perElement, Array.from({ length: rank }, (_, i) => i)));
}

/** Mean squared error over every element (PyTorch `MSELoss`): predictions and targets of the same shape. */
export function meanSquaredError(ops: Ops, predictions: Tensor, targets: Tensor): Tensor {
  const diff = ops.sub(predictions, targets);
  return ops.mean(ops.mul(diff, diff), Array.from({ length: predictions.shape.length }, (_, i) => i));
}

/**
 * Extractive question-answering loss (BertForQuestionAnswering): the mean of the start and end
 * cross-entropies over all T positions. Positions arrive already clamped on the host (see
 * `spanPositionsFeed`): HF clamps them to [0, T] and ignores T, which here is IGNORE_INDEX.
 */
export function questionAnsweringLoss(
  ops: Ops,
  startLogits: Tensor,
  endLogits: Tensor,
  startPositions: Tensor,
  endPositions: Tensor,
): Tensor {
  const start = crossEntropy(ops, startLogits, startPositions);
  const end = crossEntropy(ops, endLogits, endPositions);
  return ops.mul(ops.add(start, end), ops.scalar(0.5));
}
