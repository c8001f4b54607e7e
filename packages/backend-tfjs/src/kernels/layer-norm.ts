import type { Tensor } from '@attnjs/core';
import * as tf from '@tensorflow/tfjs-core';
import { fromTf, tfOf } from '../tensors.js';

/**
 * LayerNorm with its gradient in closed form. tfjs differentiates moments, rsqrt and the broadcasts kernel
 * by kernel (~30 kernels per layerNorm backward, mostly per-kernel overhead on a small model); with
 * x̂ = (x − mean)·r, r = 1/√(var + eps), g = dy·weight:
 * dx = r·(g − mean(g) − x̂·mean(g·x̂)), dweight = Σ dy·x̂, dbias = Σ dy over every axis but the last.
 */
const layerNormWithGrad = (eps: number) =>
  tf.customGrad(((input: tf.Tensor, weight: tf.Tensor, bias: tf.Tensor, save: tf.GradSaveFunc) => {
    const { mean, variance } = tf.moments(input, -1, true);
    const inv = tf.rsqrt(tf.add(variance, eps));
    const normed = tf.mul(tf.sub(input, mean), inv);
    save([normed, inv, weight]);
    return {
      value: tf.add(tf.mul(normed, weight), bias),
      gradFunc: (dy: tf.Tensor, [xHat, r, w]: tf.Tensor[]) => {
        const g = tf.mul(dy, w!);
        const centred = tf.sub(g, tf.mean(g, -1, true));
        const dx = tf.mul(tf.sub(centred, tf.mul(xHat!, tf.mean(tf.mul(g, xHat!), -1, true))), r!);
        const rows = (t: tf.Tensor) => tf.sum(tf.reshape(t, [-1, weight.shape[0]!]), 0);
        return [dx, rows(tf.mul(dy, xHat!)), rows(dy)];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (x: tf.Tensor, w: tf.Tensor, b: tf.Tensor) => tf.Tensor;

/** (x − mean) / √(var + eps) · weight + bias over the last axis, with the biased variance as PyTorch. */
export function layerNorm(x: Tensor, weight: Tensor, bias: Tensor, eps: number): Tensor {
  return fromTf(layerNormWithGrad(eps)(tfOf(x), tfOf(weight), tfOf(bias)));
}
