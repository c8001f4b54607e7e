import type { Tensor } from '@attnjs/core';
import { InputError } from '@attnjs/core';
import * as tf from '@tensorflow/tfjs-core';
import { fromTf, normalizeAxis, tfOf } from '../tensors.js';

export function transpose(x: Tensor, perm: readonly number[]): Tensor {
  const t = tfOf(x);
  const axes = perm.map((a) => normalizeAxis(a, t.rank, 'transpose'));
  if (axes.length !== t.rank || new Set(axes).size !== t.rank) {
    throw new InputError(`transpose: [${perm.join(', ')}] is not a permutation of ${t.rank} axes`);
  }
  return fromTf(tf.transpose(t, axes));
}
