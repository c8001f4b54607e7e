import * as tf from '@tensorflow/tfjs-core';
import { overrideWasmKernel } from './override.js';

/**
 * tfjs-backend-wasm's GatherV2 computes every output element's source index from strides, one element at
 * a time: picking 768 embedding rows of 128 floats took 4.3 ms, ~25 times a copy of the same bytes. A
 * gather along an axis copies whole runs (everything after the axis is contiguous), so each picked slice
 * is one `set` from a view of the heap. Indices outside the axis, and batched gathers, go to tfjs's kernel
 * (which checks the range and says which index is wrong).
 */
export function gatherRuns(): void {
  overrideWasmKernel('GatherV2', ({ inputs, attrs, backend }) => {
    const { x, indices } = inputs as { x: tf.TensorInfo; indices: tf.TensorInfo };
    const { axis, batchDims } = attrs as unknown as { axis: number; batchDims: number };
    if (x.dtype === 'string' || batchDims !== 0 || x.shape.length === 0) return undefined;
    const along = tf.util.parseAxisParam(axis, x.shape)[0]!;
    const ids = backend.typedArrayFromHeap(indices);
    const extent = x.shape[along]!;
    for (let i = 0; i < ids.length; i++) if (!(ids[i]! >= 0 && ids[i]! < extent)) return undefined;
    const outer = tf.util.sizeFromShape(x.shape.slice(0, along));
    const run = tf.util.sizeFromShape(x.shape.slice(along + 1));
    const out = backend.makeOutput([...x.shape.slice(0, along), ...indices.shape, ...x.shape.slice(along + 1)], x.dtype);
    // Views are taken after makeOutput: a heap that grows detaches the views taken before.
    const source = backend.typedArrayFromHeap(x);
    const target = backend.typedArrayFromHeap(out);
    const picked = backend.typedArrayFromHeap(indices);
    let offset = 0;
    for (let o = 0; o < outer; o++) {
      const base = o * extent * run;
      for (let i = 0; i < picked.length; i++) {
        const start = base + picked[i]! * run;
        target.set(source.subarray(start, start + run), offset);
        offset += run;
      }
    }
    return out;
  });
}
