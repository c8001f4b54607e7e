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

/**
 * x [N, in] · wᵀ for a weight stored [out, in] (nn.Linear, a tied LM head), on the same fast path, without
 * transposing the weight more than once: the forward multiplies by a transient wᵀ (not kept for the
 * backward pass), dX = dY·w needs no transpose and dW = dYᵀ·x comes out [out, in]. Through plainMatMul
 * the tape would keep wᵀ and the backward pass would transpose the weight twice more (wᵀ back, and dWᵀ),
 * and tfjs holds every such temporary until the backward pass ends: ~1.3 GB of weight-sized copies for
 * BERT-base. dX multiplies by a transient copy of w: tfjs-wasm keeps XNNPACK's packed copy of a
 * product's right operand until that tensor is freed, and for the parameter itself that would hold a
 * second copy of every weight until the optimiser replaces it (~0.4 GB for BERT-base).
 */
export const matMulByTransposedWeight = tf.customGrad(((x: tf.Tensor, w: tf.Tensor, save: tf.GradSaveFunc) => {
  save([x, w]);
  return {
    value: tf.matMul(x, tf.transpose(w)),
    gradFunc: (dy: tf.Tensor, [sx, sw]: tf.Tensor[]) => [tf.matMul(dy, tf.mul(sw!, 1)), tf.matMul(tf.transpose(dy), sx!)],
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (x: tf.Tensor, w: tf.Tensor) => tf.Tensor;
