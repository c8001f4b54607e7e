import * as tf from '@tensorflow/tfjs-core';
import type { WasmBackend } from '../wasm/override.js';

/** tfjs devices whose tensors live in memory JavaScript can read: kernels there may loop over it directly. */
export type HostDevice = 'cpu' | 'wasm';

/** Float32 views of a backend's tensors, and fresh float32 outputs. */
export interface HostMemory {
  /** `count` new float32 tensors of `shape`. */
  allocate(shape: number[], count: number): tf.TensorInfo[];
  /** A view of a float32 tensor's data (valid until the next allocation). */
  view(t: tf.TensorInfo): Float32Array;
}

interface CpuBackend {
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: Float32Array): tf.TensorInfo;
  data: { get(dataId: object): { values: Float32Array } };
}

function cpuMemory(backend: unknown): HostMemory {
  const cpu = backend as CpuBackend;
  return {
    // tfjs-backend-cpu keeps the array it is given as the tensor's storage, so it is filled after this.
    allocate: (shape, count) => Array.from({ length: count }, () => cpu.makeTensorInfo(shape, 'float32', new Float32Array(tf.util.sizeFromShape(shape)))),
    view: (t) => cpu.data.get(t.dataId).values,
  };
}

function wasmMemory(backend: unknown): HostMemory {
  const wasm = backend as WasmBackend;
  return {
    allocate: (shape, count) => Array.from({ length: count }, () => wasm.makeOutput(shape, 'float32')),
    view: (t) => wasm.typedArrayFromHeap(t) as Float32Array,
  };
}

/** `device`'s memory, as a kernel function of that device sees its backend. */
export const hostMemory = (device: HostDevice, backend: unknown): HostMemory => (device === 'wasm' ? wasmMemory(backend) : cpuMemory(backend));
