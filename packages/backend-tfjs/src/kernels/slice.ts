import type { Tensor } from '@attnjs/core';
import * as tf from '@tensorflow/tfjs-core';
import { fromTf, normalizeAxis, tfOf } from '../tensors.js';

/** Python's x[start:end] along one axis: negatives count from the end, bounds clamp, end < start is empty. */
export function slice(x: Tensor, axis: number, start: number, end?: number): Tensor {
  const t = tfOf(x);
  const a = normalizeAxis(axis, t.rank, 'slice');
  const size = t.shape[a]!;
  const clamp = (i: number) => Math.min(Math.max(i < 0 ? i + size : i, 0), size);
  const from = clamp(start);
  const to = Math.max(clamp(end ?? size), from);
  const begin = t.shape.map((_, i) => (i === a ? from : 0));
  const extent = t.shape.map((d, i) => (i === a ? to - from : d));
  return fromTf(tf.slice(t, begin, extent));
}
