import type { Tensor } from '@attnjs/core';
import * as tf from '@tensorflow/tfjs-core';
import { fromTf, normalizeAxis, tfOf } from '../tensors.js';

/** int32 [n] = offset, offset + 1, …, n = like's size along `axis`. */
export function range(like: Tensor, axis: number, offset = 0): Tensor {
  const t = tfOf(like);
  const n = t.shape[normalizeAxis(axis, t.rank, 'range')]!;
  return fromTf(tf.range(offset, offset + n, 1, 'int32'));
}
