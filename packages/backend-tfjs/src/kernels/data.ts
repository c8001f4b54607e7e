import type { DType, HostTensor, Tensor } from '@attnjs/core';
import { UnsupportedError } from '@attnjs/core';
import * as tf from '@tensorflow/tfjs-core';
import { fromTf, isDType, tfOf, upload } from '../tensors.js';

export function constant(value: HostTensor): Tensor {
  return fromTf(upload(value, 'constant'));
}

/** float32 → int32 truncates toward zero, as ONNX Cast and C do. */
export function cast(x: Tensor, dtype: DType): Tensor {
  if (!isDType(dtype)) throw new UnsupportedError(`cast: dtype ${String(dtype)} is not float32 or int32`);
  const t = tfOf(x);
  return fromTf(t.dtype === dtype ? tf.clone(t) : tf.cast(t, dtype));
}
