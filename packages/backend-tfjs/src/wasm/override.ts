import * as tf from '@tensorflow/tfjs-core';
import { type SimdKernels, simdKernels } from './simd-kernels.js';

/** What tfjs-backend-wasm offers a kernel: its heap, views of tensors in it, new outputs. */
export interface WasmBackend {
  wasm: Parameters<typeof simdKernels>[0];
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): tf.TypedArray;
}

/** What a kernel function is called with (tfjs-core does not export the type by name). */
type KernelArgs = Parameters<tf.KernelFunc>[0];

/** A kernel's fast path: its output, or undefined to leave the call to tfjs's own kernel. */
export type FastPath = (args: KernelArgs & { backend: WasmBackend }, simd: SimdKernels | undefined) => tf.TensorInfo | undefined;

/**
 * Replaces tfjs-backend-wasm's kernel `name` by `fastPath`, which handles the cases tfjs's kernel is slow
 * at and hands every other call to the original. Registering twice keeps the first original.
 */
export function overrideWasmKernel(name: string, fastPath: FastPath): void {
  const original = tf.getKernel(name, 'wasm');
  if (!original) return;
  const fallback = (original as { original?: tf.KernelConfig }).original ?? original;
  tf.unregisterKernel(name, 'wasm');
  tf.registerKernel({
    ...fallback,
    original: fallback,
    kernelFunc: (args) => {
      const wasmArgs = args as KernelArgs & { backend: WasmBackend };
      return fastPath(wasmArgs, simdKernels(wasmArgs.backend.wasm)) ?? fallback.kernelFunc(args);
    },
  } as tf.KernelConfig);
}

/** Byte offset of a tensor's data in the wasm heap (what the SIMD kernels take). */
export const heapOffset = (backend: WasmBackend, t: tf.TensorInfo): number => backend.typedArrayFromHeap(t).byteOffset;
