import type { Tensor } from '@attnjs/core';
import { InputError, ShapeMismatchError } from '@attnjs/core';
import * as tf from '@tensorflow/tfjs-core';
import { fromTf, normalizeAxis, tfOf } from '../tensors.js';

export function concat(xs: readonly Tensor[], axis: number): Tensor {
  if (xs.length === 0) throw new InputError('concat: no tensors to concatenate');
  const ts = xs.map(tfOf);
  const first = ts[0]!;
  const a = normalizeAxis(axis, first.rank, 'concat');
  ts.forEach((t, k) => {
    const fits = t.rank === first.rank && t.shape.every((d, i) => i === a || d === first.shape[i]);
    if (!fits) throw new ShapeMismatchError(`concat input ${k}`, first.shape.map((d, i) => (i === a ? null : d)), t.shape);
  });
  return fromTf(tf.concat(ts, a));
}
