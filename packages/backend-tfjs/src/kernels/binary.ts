import type { Tensor } from '@attnjs/core';
import { UnsupportedError } from '@attnjs/core';
import * as tf from '@tensorflow/tfjs-core';
import { fromTf, tfOf } from '../tensors.js';

/** Elementwise ops broadcast NumPy-style (tfjs does); both sides must share a dtype, as in ONNX. */
function binary(name: string, op: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor) {
  return (a: Tensor, b: Tensor): Tensor => {
    if (a.dtype !== b.dtype) {
      throw new UnsupportedError(`${name}: operands are ${a.dtype} and ${b.dtype}; cast one of them first`);
    }
    return fromTf(op(tfOf(a), tfOf(b)));
  };
}

export const add = binary('add', tf.add);
export const sub = binary('sub', tf.sub);
export const mul = binary('mul', tf.mul);
/** int32 ÷ int32 floors (tfjs FloorDiv); layers only divide floats. */
export const div = binary('div', tf.div);
/** Masks are float: 1 where a ≠ b, else 0. */
export const notEqual = binary('notEqual', (a, b) => tf.cast(tf.notEqual(a, b), 'float32'));
