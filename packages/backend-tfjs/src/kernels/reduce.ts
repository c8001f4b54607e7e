import type { Tensor } from '@attnjs/core';
import * as tf from '@tensorflow/tfjs-core';
import { fromTf, normalizeAxis, tfOf } from '../tensors.js';

type Reduction = (x: tf.Tensor, axes: number[], keepDims: boolean) => tf.Tensor;

/**
 * Reduces over the listed axes only; an empty list reduces nothing (NumPy's `axis=()`). A reduction over
 * zero elements (a causal-LM loss on one token slices to nothing) yields `empty`: tfjs-backend-wasm 4.22
 * returns uninitialised memory there, and tfjs-cpu gives 0 for an empty mean where PyTorch gives NaN.
 */
function reduction(name: string, op: Reduction, empty: number) {
  return (x: Tensor, axes: readonly number[], keepDims = false): Tensor => {
    const t = tfOf(x);
    const resolved = [...new Set(axes.map((a) => normalizeAxis(a, t.rank, name)))];
    if (resolved.length === 0) return fromTf(tf.clone(t));
    if (t.size === 0) {
      const shape = keepDims ? t.shape.map((d, i) => (resolved.includes(i) ? 1 : d)) : t.shape.filter((_, i) => !resolved.includes(i));
      return fromTf(tf.fill(shape, empty, t.dtype));
    }
    return fromTf(op(t, resolved, keepDims));
  };
}

export const sum = reduction('sum', tf.sum, 0);
export const mean = reduction('mean', tf.mean, Number.NaN);
export const max = reduction('max', tf.max, Number.NEGATIVE_INFINITY);

/** int32 index of the largest value, first on ties; the axis is removed. */
export function argmax(x: Tensor, axis: number): Tensor {
  const t = tfOf(x);
  return fromTf(tf.argMax(t, normalizeAxis(axis, t.rank, 'argmax')));
}
