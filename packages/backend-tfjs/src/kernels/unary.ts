import type { Tensor } from '@attnjs/core';
import * as tf from '@tensorflow/tfjs-core';
import { fromTf, tfOf } from '../tensors.js';

const unary = (op: (x: tf.Tensor) => tf.Tensor) => (x: Tensor): Tensor => fromTf(op(tfOf(x)));

export const neg = unary(tf.neg);
export const exp = unary(tf.exp);
export const log = unary(tf.log);
export const sqrt = unary(tf.sqrt);
export const tanh = unary(tf.tanh);
export const erf = unary(tf.erf);
