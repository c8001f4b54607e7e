import type { GeluApproximation, Tensor } from '@attnjs/core';
import { UnsupportedError } from '@attnjs/core';
import * as tf from '@tensorflow/tfjs-core';
import { fromTf, tfOf } from '../tensors.js';

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/**
 * 'none': 0.5·x·(1 + erf(x/√2)). 'tanh' (gelu_new): 0.5·x·(1 + tanh(z)) with z = √(2/π)·(x + 0.044715·x³),
 * computed as x·sigmoid(2z) — the same function in fewer kernels.
 */
export function gelu(x: Tensor, approximate: GeluApproximation): Tensor {
  const input = tfOf(x);
  if (approximate === 'none') {
    return fromTf(tf.mul(tf.mul(input, 0.5), tf.add(tf.erf(tf.mul(input, Math.SQRT1_2)), 1)));
  }
  if (approximate !== 'tanh') throw new UnsupportedError(`gelu: approximation "${String(approximate)}" is not 'none' or 'tanh'`);
  const cubic = tf.add(input, tf.mul(tf.mul(tf.square(input), input), 0.044715));
  return fromTf(tf.mul(input, tf.sigmoid(tf.mul(cubic, 2 * SQRT_2_OVER_PI))));
}
