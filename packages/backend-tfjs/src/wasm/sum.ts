import * as tf from '@tensorflow/tfjs-core';
import { heapOffset, overrideWasmKernel } from './override.js';

/**
 * tfjs-backend-wasm's Sum reduces innermost axes only: a sum over leading axes (a bias's or a layer
 * norm's gradient: dy [tokens, hidden] summed over tokens) first transposes its whole input. The SIMD
 * module adds such rows in place, in row order, in float32: bit for bit tfjs's result when the axes are
 * given in ascending order (other orders stay with tfjs, which then adds in another order). A sum over
 * no elements is 0 (tfjs-backend-wasm leaves that output uninitialised).
 */
export function sumLeadingAxes(): void {
  overrideWasmKernel('Sum', ({ inputs, attrs, backend }, simd) => {
    const x = inputs.x as tf.TensorInfo;
    const { axis, keepDims } = attrs as unknown as { axis: number | number[]; keepDims: boolean };
    const rank = x.shape.length;
    const axes = tf.util.parseAxisParam(axis, x.shape);
    if (x.dtype !== 'float32') return undefined;
    if (tf.util.sizeFromShape(x.shape) === 0) {
      const [shape] = tf.backend_util.computeOutAndReduceShapes(x.shape, axes);
      const out = backend.makeOutput(keepDims ? tf.backend_util.expandShapeToKeepDim(shape, axes) : shape, 'float32');
      backend.typedArrayFromHeap(out).fill(0);
      return out;
    }
    const leading = axes.length > 0 && axes.length < rank && axes.every((a, i) => a === i);
    if (!simd || !leading) return undefined;
    const kept = x.shape.slice(axes.length);
    const out = backend.makeOutput(keepDims ? [...axes.map(() => 1), ...kept] : kept, 'float32');
    const rows = tf.util.sizeFromShape(x.shape.slice(0, axes.length));
    simd.sum_rows(heapOffset(backend, x), heapOffset(backend, out), rows, tf.util.sizeFromShape(kept));
    return out;
  });
}
