import type { DType, HostTensor, Tensor } from '@attnjs/core';
import { InputError, ShapeMismatchError, sizeOf } from '@attnjs/core';
import * as tf from '@tensorflow/tfjs-core';

/**
 * Kernels receive the contract's `Tensor` and hand back tfjs tensors typed as `Tensor`. Every tensor this
 * engine makes is a `tf.Tensor` whose dtype is float32 or int32, so the casts below are the whole seam.
 */
export const tfOf = (x: Tensor): tf.Tensor => x as unknown as tf.Tensor;
export const fromTf = (x: tf.Tensor): Tensor => x as unknown as Tensor;

/** xᵀ over the last two axes, materialised. */
export const swapLastAxes = (x: tf.Tensor): tf.Tensor =>
  tf.transpose(x, [...x.shape.keys()].map((i) => (i < x.rank - 2 ? i : 2 * x.rank - 3 - i)));

/** The real shape of an eager tensor (every dimension is known here). */
export const shapeOf = (x: Tensor): number[] => tfOf(x).shape;

/** A possibly negative axis → 0 ≤ axis < rank; `name` is the op, for the error. */
export function normalizeAxis(axis: number, rank: number, name: string): number {
  const resolved = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(axis) || resolved < 0 || resolved >= rank) {
    throw new InputError(`${name}: axis ${axis} is out of range for a rank-${rank} tensor`);
  }
  return resolved;
}

/**
 * Uploads a host tensor. The data is copied: the cpu backend would otherwise keep the caller's array as
 * its storage, and a later in-place edit by the caller would silently change the engine's copy.
 */
export function upload(value: HostTensor, name: string): tf.Tensor {
  if (value.data.length !== sizeOf(value.shape)) {
    throw new ShapeMismatchError(name, [value.data.length], value.shape);
  }
  if (value.dtype !== 'float32' && value.dtype !== 'int32') {
    throw new InputError(`${name}: dtype ${String(value.dtype)} is not float32 or int32`);
  }
  return tf.tensor(value.data.slice(), [...value.shape], value.dtype);
}

/** Reads a tensor into a fresh host array of the contract's dtype. */
export async function download(x: tf.Tensor): Promise<HostTensor> {
  const data = await x.data();
  const shape = [...x.shape];
  // The cpu backend returns its own storage; copy so the caller never aliases an engine buffer.
  if (x.dtype === 'int32') return { dtype: 'int32', shape, data: new Int32Array(data as Int32Array) };
  return { dtype: 'float32', shape, data: new Float32Array(data as Float32Array) };
}

export function isDType(dtype: string): dtype is DType {
  return dtype === 'float32' || dtype === 'int32';
}
