import * as tf from '@tensorflow/tfjs-core';
import { heapOffset, type WasmBackend } from './override.js';
import { simdKernels } from './simd-kernels.js';

const KERNEL = 'AttnBatchedMatMul';

/**
 * Attention's products ([B·h, T, d]·[B·h, d, T] and back) as the SIMD module's `batched_matmul`, which reads
 * a transposed left operand where it lies. Registered by the wasm device only where the module runs
 * (WebAssembly SIMD, unshared memory); elsewhere `simdBatchedMatMul` answers undefined.
 */
export function registerBatchedMatMul(backend: WasmBackend): void {
  if (tf.getKernel(KERNEL, 'wasm') || !simdKernels(backend.wasm)) return;
  tf.registerKernel({
    kernelName: KERNEL,
    backendName: 'wasm',
    kernelFunc: ({ inputs, attrs, backend: b }) => {
      const { a, b: right } = inputs as Record<string, tf.TensorInfo>;
      const { transposeA } = attrs as unknown as { transposeA: boolean };
      const wasm = b as unknown as WasmBackend;
      const [batch, k, n] = right!.shape as [number, number, number];
      const m = a!.shape[transposeA ? 2 : 1]!;
      const out = wasm.makeOutput([batch, m, n], 'float32');
      const [rs, cs] = transposeA ? [1, m] : [k, 1];
      simdKernels(wasm.wasm)!.batched_matmul(heapOffset(wasm, a!), heapOffset(wasm, right!), heapOffset(wasm, out), batch, m, k, n, rs, cs);
      return out;
    },
  });
}

/** Whether the active device runs the kernel for products with n columns. */
export const simdBatchedMatMulFor = (n: number): boolean => n % 16 === 0 && tf.getKernel(KERNEL, tf.getBackend()) !== undefined;

/**
 * op(a)·b for a [batch, m, k] (or [batch, k, m] with `transposeA`) and b [batch, k, n], one kernel, where
 * the active device has it and n is a multiple of 16; otherwise undefined. Not differentiable by itself:
 * batched-matmul.ts gives it its gradients.
 */
export function simdBatchedMatMul(a: tf.Tensor3D, b: tf.Tensor3D, transposeA: boolean): tf.Tensor3D | undefined {
  if (!simdBatchedMatMulFor(b.shape[2]) || a.dtype !== 'float32' || b.dtype !== 'float32') return undefined;
  return tf.engine().runKernel(KERNEL, { a, b }, { transposeA } as unknown as tf.NamedAttrMap) as tf.Tensor3D;
}
