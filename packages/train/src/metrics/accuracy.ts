import { IGNORE_INDEX, InputError } from '@attnjs/core';

/** exp(mean cross-entropy in nats), as Hugging Face's run_clm reports perplexity. */
export function perplexity(meanLoss: number): number {
  return Math.exp(meanLoss);
}

/**
 * Share of positions where `predictions` equals `labels`, skipping labels equal to `ignoreIndex` (−100):
 * token accuracy for masked-LM, or label accuracy for classification (one position per row).
 */
export function accuracy(predictions: ArrayLike<number>, labels: ArrayLike<number>, ignoreIndex = IGNORE_INDEX): number {
  if (predictions.length !== labels.length) {
    throw new InputError(`accuracy: ${predictions.length} predictions for ${labels.length} labels`);
  }
  let counted = 0;
  let correct = 0;
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] === ignoreIndex) continue;
    counted++;
    if (predictions[i] === labels[i]) correct++;
  }
  if (counted === 0) throw new InputError('accuracy: every label is ignored');
  return correct / counted;
}
