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
