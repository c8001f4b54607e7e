/**
 * Masked-LM loss over the labelled rows only, for programs whose caller reads just `loss` (a training
 * step). About 15 % of positions carry a label; HF's loss is the mean cross-entropy over those, so
 * gathering their hidden states first and running only them through transform → decoder gives the same
 * loss without the [tokens, vocab] logits and their gradient (BERT-base at 2×128 tokens: 31 MB each, and
 * the softmax's temporaries several times that).
 */
import { type HostTensor, hostTensor, IGNORE_INDEX, type Ops, type Tensor, crossEntropy } from '@attnjs/core';

/** The labelled rows' feeds, computed on the host from labels [B, T] (−100 = unlabelled). */
export interface LabelledRowFeeds {
  /** Flat positions b·T + t of the labelled tokens, in row-major order: [M]. */
  readonly masked_positions: HostTensor<'int32'>;
  /** Their target ids: [M]. */
  readonly masked_labels: HostTensor<'int32'>;
}

export function labelledRowFeeds(labels: HostTensor<'int32'>): LabelledRowFeeds {
  const positions: number[] = [];
  const targets: number[] = [];
  labels.data.forEach((label, i) => {
    if (label === IGNORE_INDEX) return;
    positions.push(i);
    targets.push(label);
  });
  return {
    masked_positions: hostTensor(Int32Array.from(positions), [positions.length]),
    masked_labels: hostTensor(Int32Array.from(targets), [targets.length]),
  };
}

/**
 * Mean cross-entropy of `score`(hidden rows at the labelled positions) against their labels. `last` is
 * (B, T, H); `score` maps (M, H) → (M, V). With no labelled row the mean over none is NaN, as HF's.
 */
export function labelledRowsLoss(ops: Ops, last: Tensor, x: Record<string, Tensor>, score: (rows: Tensor) => Tensor): Tensor {
  const hidden = last.shape.at(-1)!;
  const rows = ops.gather(ops.reshape(last, [-1, hidden]), x.masked_positions!); // (M, H)
  return crossEntropy(ops, score(rows), x.masked_labels!); // logits (M, V)
}
