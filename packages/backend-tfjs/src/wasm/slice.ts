import * as tf from '@tensorflow/tfjs-core';
import { overrideWasmKernel } from './override.js';

/**
 * tfjs-backend-wasm's Slice reads its input with `readSync`, which copies the whole input out of the wasm
 * heap before taking the slice: cutting a flat buffer into n parts copies it n times, and splitting a
 * fused query-key-value projection into three copies it three times. A slice of a numeric tensor is a set
 * of contiguous runs of the heap (one run when it is contiguous), copied here straight from a view of it.
 */
export function sliceFromHeap(): void {
  overrideWasmKernel('Slice', ({ inputs, attrs, backend }) => {
    const x = inputs.x as tf.TensorInfo;
    if (x.dtype === 'string' || x.shape.length === 0) return undefined;
    const { begin, size } = attrs as unknown as { begin: number[]; size: number[] };
    const [from, extent] = tf.slice_util.parseSliceParams(x as tf.Tensor, begin, size);
    const out = backend.makeOutput(extent, x.dtype);
    copyRuns(backend.typedArrayFromHeap(x), x.shape, from, extent, backend.typedArrayFromHeap(out));
    return out;
  });
}

/**
 * Copies x[from : from + extent] (row-major `shape`) into `out`. The axes after the last partial one are
 * whole, so each run is `extent[k]·stride[k]` contiguous elements; the axes before it are walked like an
 * odometer.
 */
function copyRuns(x: tf.TypedArray, shape: number[], from: number[], extent: number[], out: tf.TypedArray): void {
  const strides = [...tf.util.computeStrides(shape), 1];
  let k = shape.length - 1;
  while (k > 0 && from[k] === 0 && extent[k] === shape[k]) k--;
  const run = k < 0 ? 0 : extent[k]! * strides[k]!;
  const runs = tf.util.sizeFromShape(extent.slice(0, Math.max(k, 0)));
  const index = from.slice(0, Math.max(k, 0));
  for (let r = 0; r < runs; r++) {
    let start = k < 0 ? 0 : from[k]! * strides[k]!;
    for (let i = 0; i < index.length; i++) start += index[i]! * strides[i]!;
    out.set(x.subarray(start, start + run), r * run);
    // Next index of the outer axes, last axis fastest.
    for (let i = index.length - 1; i >= 0; i--) {
      if (++index[i]! < from[i]! + extent[i]!) break;
      index[i] = from[i]!;
    }
  }
}
