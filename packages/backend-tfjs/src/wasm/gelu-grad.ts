import * as tf from '@tensorflow/tfjs-core';
import { heapOffset, type WasmBackend } from './override.js';
import { simdKernels } from './simd-kernels.js';

const KERNEL = 'AttnGeluTanhGrad';

/**
 * The tanh-form GELU's gradient on wasm in one pass (the SIMD module's `gelu_tanh_grad`) where tfjs runs
 * nine kernels; only multiplications and additions, so bit for bit the same. Registered by the wasm
 * device; elsewhere `geluTanhGrad` answers undefined and the caller runs the tfjs ops.
 */
export function registerGeluTanhGrad(): void {
  if (tf.getKernel(KERNEL, 'wasm')) return;
  tf.registerKernel({
    kernelName: KERNEL,
    backendName: 'wasm',
    kernelFunc: ({ inputs, attrs, backend }) => {
      const { x, s, dy } = inputs as Record<string, tf.TensorInfo>;
      const { c1, c2 } = attrs as unknown as { c1: number; c2: number };
      const wasm = backend as unknown as WasmBackend;
      const out = wasm.makeOutput(x!.shape, 'float32');
      const n = tf.util.sizeFromShape(x!.shape);
      const simd = simdKernels(wasm.wasm);
      if (simd) simd.gelu_tanh_grad(heapOffset(wasm, x!), heapOffset(wasm, s!), heapOffset(wasm, dy!), heapOffset(wasm, out), n, c1, c2);
      else loop(...([x, s, dy, out].map((t) => wasm.typedArrayFromHeap(t!) as Float32Array) as [Float32Array, Float32Array, Float32Array, Float32Array]), c1, c2);
      return out;
    },
  });
}

/** The same operations in JavaScript, each rounded to float32, for a wasm build without SIMD. */
function loop(x: Float32Array, s: Float32Array, dy: Float32Array, out: Float32Array, c1: number, c2: number): void {
  const f = Math.fround;
  const [k1, k2] = [f(c1), f(c2)];
  for (let i = 0; i < x.length; i++) {
    const slope = f(f(f(x[i]! * x[i]!) * k1) + k2);
    out[i] = dy[i]! * f(f(f(x[i]! * f(s[i]! * f(1 - s[i]!))) * slope) + s[i]!);
  }
}

/** dy·((x·(s·(1 − s)))·(x²·c1 + c2) + s) as one kernel where the active tfjs device has it, else undefined. */
export function geluTanhGrad(dy: tf.Tensor, x: tf.Tensor, s: tf.Tensor, c1: number, c2: number): tf.Tensor | undefined {
  if (!tf.getKernel(KERNEL, tf.getBackend()) || dy.dtype !== 'float32' || !tf.util.arraysEqual(dy.shape, x.shape)) return undefined;
  return tf.engine().runKernel(KERNEL, { x, s, dy }, { c1, c2 }) as tf.Tensor;
}
