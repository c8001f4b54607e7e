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
  return fromTf(tanhGelu(input));
}

/**
 * x·sigmoid(2z) with its derivative in closed form, s + x·s·(1 − s)·2√(2/π)·(1 + 3·0.044715·x²) for
 * s = sigmoid(2z): 9 kernels where tfjs's differentiation of the decomposition runs ~15 (a small model's
 * backward pass is mostly per-kernel overhead).
 */
const tanhGelu = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
  const cubic = tf.add(x, tf.mul(tf.mul(tf.square(x), x), 0.044715));
  const s = tf.sigmoid(tf.mul(cubic, 2 * SQRT_2_OVER_PI));
  save([x, s]);
  return {
    value: tf.mul(x, s),
    gradFunc: (dy: tf.Tensor, [sx, ss]: tf.Tensor[]) => {
      const slope = tf.add(tf.mul(tf.square(sx!), 3 * 0.044715 * 2 * SQRT_2_OVER_PI), 2 * SQRT_2_OVER_PI);
      const sigmoidSlope = tf.mul(ss!, tf.sub(1, ss!));
      return tf.mul(dy, tf.add(tf.mul(tf.mul(sx!, sigmoidSlope), slope), ss!));
    },
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (x: tf.Tensor) => tf.Tensor;
