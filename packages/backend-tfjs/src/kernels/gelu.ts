import type { GeluApproximation, Tensor } from '@attnjs/core';
import { UnsupportedError } from '@attnjs/core';
import * as tf from '@tensorflow/tfjs-core';
import { fromTf, tfOf } from '../tensors.js';
import { geluTanhGrad } from '../wasm/gelu-grad.js';

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
/** The tanh form's gradient slope, 2√(2/π)·(1 + 3·0.044715·x²), as x²·SLOPE_X2 + SLOPE_1. */
const [SLOPE_X2, SLOPE_1] = [3 * 0.044715 * 2 * SQRT_2_OVER_PI, 2 * SQRT_2_OVER_PI];

/**
 * 0.5·x·(1 + erf(x/√2)) with its derivative in closed form, 0.5·(1 + erf(x/√2)) + x·exp(−x²/2)/√(2π):
 * 8 kernels where tfjs's differentiation of the decomposition runs ~12.
 */
const erfGelu = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
  const cdf = tf.add(tf.erf(tf.mul(x, Math.SQRT1_2)), 1);
  save([x, cdf]);
  return {
    value: tf.mul(tf.mul(x, 0.5), cdf),
    gradFunc: (dy: tf.Tensor, [sx, scdf]: tf.Tensor[]) => {
      const density = tf.mul(sx!, tf.exp(tf.mul(tf.square(sx!), -0.5)));
      return tf.mul(dy, tf.add(tf.mul(density, 1 / Math.sqrt(2 * Math.PI)), tf.mul(scdf!, 0.5)));
    },
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (x: tf.Tensor) => tf.Tensor;

/**
 * 'none': 0.5·x·(1 + erf(x/√2)). 'tanh' (gelu_new): 0.5·x·(1 + tanh(z)) with z = √(2/π)·(x + 0.044715·x³),
 * computed as x·sigmoid(2z) — the same function in fewer kernels.
 */
export function gelu(x: Tensor, approximate: GeluApproximation): Tensor {
  const input = tfOf(x);
  if (approximate === 'none') {
    return fromTf(erfGelu(input));
  }
  if (approximate !== 'tanh') throw new UnsupportedError(`gelu: approximation "${String(approximate)}" is not 'none' or 'tanh'`);
  return fromTf(tanhGelu(input));
}

/**
 * x·sigmoid(2z) with its derivative in closed form, s + x·s·(1 − s)·2√(2/π)·(1 + 3·0.044715·x²) for
 * s = sigmoid(2z): 9 kernels where tfjs's differentiation of the decomposition runs ~15 (a small model's
 * backward pass is mostly per-kernel overhead), one on wasm (see gelu-grad.ts).
 */
const tanhGelu = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
  const cubic = tf.add(x, tf.mul(tf.mul(tf.square(x), x), 0.044715));
  const s = tf.sigmoid(tf.mul(cubic, 2 * SQRT_2_OVER_PI));
  save([x, s]);
  return {
    value: tf.mul(x, s),
    gradFunc: (dy: tf.Tensor, [sx, ss]: tf.Tensor[]) => {
      const fused = geluTanhGrad(dy, sx!, ss!, SLOPE_X2, SLOPE_1);
      if (fused) return fused;
      const slope = tf.add(tf.mul(tf.square(sx!), SLOPE_X2), SLOPE_1);
      const sigmoidSlope = tf.mul(ss!, tf.sub(1, ss!));
      return tf.mul(dy, tf.add(tf.mul(tf.mul(sx!, sigmoidSlope), slope), ss!));
    },
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (x: tf.Tensor) => tf.Tensor;
