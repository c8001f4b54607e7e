import type { Tensor } from '@attnjs/core';
import { ShapeMismatchError, sizeOf } from '@attnjs/core';
import * as tf from '@tensorflow/tfjs-core';
import { fromTf, tfOf } from '../tensors.js';

/** ONNX Reshape (allowzero = 0): 0 copies the input's dimension at that index, one −1 is inferred. */
export function resolveReshape(input: readonly number[], target: readonly number[]): number[] {
  const resolved = target.map((d, i) => (d === 0 ? input[i] : d));
  const fail = () => new ShapeMismatchError('reshape target', input, target);
  if (resolved.some((d) => d === undefined || !Number.isInteger(d) || d < -1)) throw fail();
  const inferred = resolved.filter((d) => d === -1).length;
  if (inferred > 1) throw fail();
  const total = sizeOf(input);
  const known = sizeOf((resolved as number[]).filter((d) => d !== -1));
  if (inferred === 1) {
    if (known === 0 || total % known !== 0) throw fail();
    return (resolved as number[]).map((d) => (d === -1 ? total / known : d));
  }
  if (known !== total) throw fail();
  return resolved as number[];
}

export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  const t = tfOf(x);
  return fromTf(tf.reshape(t, resolveReshape(t.shape, shape)));
}
