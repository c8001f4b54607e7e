import type { Tensor } from '@attnjs/core';
import * as tf from '@tensorflow/tfjs-core';
import { fromTf, tfOf } from '../tensors.js';

export const softmax = (x: Tensor): Tensor => fromTf(tf.softmax(tfOf(x), -1));
export const logSoftmax = (x: Tensor): Tensor => fromTf(tf.logSoftmax(tfOf(x), -1));
