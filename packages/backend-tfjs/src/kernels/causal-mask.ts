import type { Tensor } from '@attnjs/core';
import { MASK_VALUE, ShapeMismatchError } from '@attnjs/core';
import * as tf from '@tensorflow/tfjs-core';
import { fromTf, tfOf } from '../tensors.js';

/**
 * Additive [Tq, Tk] mask: key k is visible to query q when k ≤ q + (Tk − Tq), so with a KV cache the
 * Tq new queries sit at the end of the Tk keys. Built on the host: it is small and depends only on shape.
 */
export function causalMask(scores: Tensor): Tensor {
  const shape = tfOf(scores).shape;
  if (shape.length < 2) throw new ShapeMismatchError('causalMask scores', [null, null], shape);
  const [tq, tk] = [shape[shape.length - 2]!, shape[shape.length - 1]!];
  const mask = new Float32Array(tq * tk);
  for (let q = 0; q < tq; q++) mask.fill(MASK_VALUE, q * tk + Math.max(q + tk - tq + 1, 0), (q + 1) * tk);
  return fromTf(tf.tensor2d(mask, [tq, tk]));
}
