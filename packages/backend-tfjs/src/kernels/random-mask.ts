import type { Tensor } from '@attnjs/core';
import * as tf from '@tensorflow/tfjs-core';
import { fromTf, tfOf } from '../tensors.js';

/**
 * Inverted dropout's mask: 1/keep where a uniform draw is below `keep`, else 0. tfjs draws uniforms with
 * a seeded generator on the host (seedrandom's alea), so a seed gives the same mask on every tfjs device.
 */
export function randomMask(like: Tensor, keepProbability: number, seed: number): Tensor {
  const shape = tfOf(like).shape;
  return fromTf(
    tf.tidy(() => tf.div(tf.cast(tf.less(tf.randomUniform(shape, 0, 1, 'float32', seed), keepProbability), 'float32'), keepProbability)),
  );
}
