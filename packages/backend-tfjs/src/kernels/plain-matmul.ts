import * as tf from '@tensorflow/tfjs-core';
import { swapLastAxes } from '../tensors.js';

/**
 * a·b for untransposed operands whose gradient never multiplies by a transposed operand. tfjs-backend-wasm
 * runs `matMul(a, b, false, true)` ~13× and `(true, false)` ~4× slower than a product of materialised
 * transposes, and tfjs's own MatMul gradient is exactly those two products (dA = dY·Bᵀ, dB = Aᵀ·dY); here
 * the transposes are made first, so the backward pass takes the fast path too.
 */
export const plainMatMul = tf.customGrad(((a: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
  save([a, b]);
  return {
    value: tf.matMul(a, b),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [tf.matMul(dy, swapLastAxes(saved[1]!)), tf.matMul(swapLastAxes(saved[0]!), dy)],
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (a: tf.Tensor, b: tf.Tensor) => tf.Tensor;
