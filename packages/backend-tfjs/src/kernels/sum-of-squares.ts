import type { Tensor } from '@attnjs/core';
import * as tf from '@tensorflow/tfjs-core';
import { fromTf, tfOf } from '../tensors.js';
import type { WasmBackend } from '../wasm/override.js';
import { simdKernels } from '../wasm/simd-kernels.js';
import { type HostDevice, hostMemory } from './host-memory.js';

export const SUM_OF_SQUARES_KERNEL = 'AttnSumOfSquares';

/** Σ x² of every element of every input, accumulated in float64 (SIMD on wasm), rounded once to float32. */
function sumOfSquaresKernel(device: HostDevice): tf.KernelFunc {
  return ({ inputs, backend }) => {
    const memory = hostMemory(device, backend);
    const [out] = memory.allocate([], 1);
    const simd = device === 'wasm' ? simdKernels((backend as WasmBackend).wasm) : undefined;
    let total = 0;
    for (const x of Object.values(inputs) as tf.TensorInfo[]) {
      const data = memory.view(x);
      if (simd) total += simd.sum_squares(data.byteOffset, data.length);
      else for (let i = 0; i < data.length; i++) total += data[i]! * data[i]!;
    }
    memory.view(out!)[0] = total;
    return out!;
  };
}

export function registerSumOfSquares(device: HostDevice): void {
  if (!tf.getKernel(SUM_OF_SQUARES_KERNEL, device)) tf.registerKernel({ kernelName: SUM_OF_SQUARES_KERNEL, backendName: device, kernelFunc: sumOfSquaresKernel(device) });
}

export function sumOfSquares(xs: readonly Tensor[]): Tensor {
  const inputs = Object.fromEntries(xs.map((x, i) => [`x${i}`, tfOf(x)]));
  return fromTf(tf.engine().runKernel(SUM_OF_SQUARES_KERNEL, inputs, {}) as tf.Tensor);
}
