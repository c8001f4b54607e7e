import type { Tensor } from '@attnjs/core';
import * as tf from '@tensorflow/tfjs-core';
import { fromTf, tfOf } from '../tensors.js';

/** (x − mean) / √(var + eps) · weight + bias over the last axis, with the biased variance as PyTorch. */
export function layerNorm(x: Tensor, weight: Tensor, bias: Tensor, eps: number): Tensor {
  const input = tfOf(x);
  const { mean, variance } = tf.moments(input, -1, true);
  const normed = tf.mul(tf.sub(input, mean), tf.rsqrt(tf.add(variance, eps)));
  return fromTf(tf.add(tf.mul(normed, tfOf(weight)), tfOf(bias)));
}
