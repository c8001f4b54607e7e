import * as tf from '@tensorflow/tfjs-core';

interface WasmHeapBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): tf.TypedArray;
}

/**
 * tfjs-backend-wasm's Slice reads its input with `readSync`, which copies the whole input out of the wasm
 * heap before taking the slice: cutting a flat buffer into n parts copies it n times (the optimiser's
 * grouped update of nanoGPT's 52 parameters copied ~500 MB per step that way). A contiguous slice of a
 * numeric tensor is one run of the heap, copied here straight from a view of it; other slices (strided,
 * strings) keep the original kernel.
 */
export function sliceFromHeap(): void {
  const original = tf.getKernel('Slice', 'wasm');
  if (!original) return;
  tf.unregisterKernel('Slice', 'wasm');
  tf.registerKernel({
    ...original,
    kernelFunc: (args) => {
      const x = args.inputs.x as tf.TensorInfo;
      const { begin, size } = args.attrs as unknown as { begin: number[]; size: number[] };
      const [from, extent] = tf.slice_util.parseSliceParams(x as tf.Tensor, begin, size);
      if (x.dtype === 'string' || !tf.slice_util.isSliceContinous(x.shape, from, extent)) return original.kernelFunc(args);
      const backend = args.backend as unknown as WasmHeapBackend;
      const offset = tf.slice_util.computeFlatOffset(from, tf.util.computeStrides(x.shape));
      const out = backend.makeOutput(extent, x.dtype);
      const n = tf.util.sizeFromShape(extent);
      backend.typedArrayFromHeap(out).set(backend.typedArrayFromHeap(x).subarray(offset, offset + n));
      return out;
    },
  });
}
