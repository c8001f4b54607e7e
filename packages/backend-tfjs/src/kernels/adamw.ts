import { type AdamWResult, type AdamWStep, ShapeMismatchError, type Tensor } from '@attnjs/core';
import * as tf from '@tensorflow/tfjs-core';
import { fromTf, tfOf } from '../tensors.js';
import type { WasmBackend } from '../wasm/override.js';
import { simdKernels } from '../wasm/simd-kernels.js';
import { type HostDevice, hostMemory } from './host-memory.js';

/** The kernel's name in tfjs's registry: cpu and wasm here, webgl in adamw-webgl.ts, webgpu in adamw-webgpu.ts. */
export const ADAMW_KERNEL = 'AttnAdamW';

interface Attrs {
  beta1: number;
  beta2: number;
  eps: number;
}

/** The step's scalars as float32 values, in the order wasm/kernels.wat's `adamw` takes them. */
type Scalars = [scale: number, decay: number, size: number, correction: number, b1: number, c1: number, b2: number, c2: number, eps: number];

/**
 * The step in JavaScript, for devices without the SIMD module: every float32 operation of core's
 * decomposition in its order, `Math.fround` after each (an operation on two float32 values done in float64
 * and rounded once is the correctly rounded float32 result).
 */
function adamwLoop(p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, out: Float32Array[], s: Scalars): void {
  const [outP, outM, outV] = out as [Float32Array, Float32Array, Float32Array];
  const [scale, decay, size, correction, b1, c1, b2, c2, eps] = s;
  const f = Math.fround;
  for (let i = 0; i < p.length; i++) {
    const gi = f(g[i]! * scale);
    const mi = f(f(m[i]! * b1) + f(gi * c1));
    const vi = f(f(v[i]! * b2) + f(f(gi * gi) * c2));
    const denom = f(f(f(Math.sqrt(vi)) / correction) + eps);
    outP[i] = f(p[i]! * decay) - f(f(mi / denom) * size);
    outM[i] = mi;
    outV[i] = vi;
  }
}

/**
 * The whole AdamW step in one pass over the elements (one read of four tensors, one write of three), bit
 * for bit what core's decomposition gives as ~14 separate kernels. A parameter without weight decay is
 * multiplied by 1, which is exact.
 */
function adamwKernel(device: HostDevice): tf.KernelFunc {
  return ({ inputs, attrs, backend }) => {
    const { param, grad, expAvg, expAvgSq, gradScale, decay, stepSize, biasCorrection2Sqrt } = inputs as Record<string, tf.TensorInfo>;
    const memory = hostMemory(device, backend);
    const outputs = memory.allocate(param!.shape, 3);
    // Views are taken after allocating: a wasm heap that grows detaches the views taken before.
    const [p, g, m, v, ...out] = [param, grad, expAvg, expAvgSq, ...outputs].map((t) => memory.view(t!));
    const scalar = (t: tf.TensorInfo | undefined) => (t ? memory.view(t)[0]! : 1);
    const { beta1, beta2, eps } = attrs as unknown as Attrs;
    const s = [scalar(gradScale), scalar(decay), scalar(stepSize), scalar(biasCorrection2Sqrt), ...[beta1, 1 - beta1, beta2, 1 - beta2, eps].map(Math.fround)] as Scalars;
    const simd = device === 'wasm' ? simdKernels((backend as WasmBackend).wasm) : undefined;
    if (simd) simd.adamw(p!.byteOffset, g!.byteOffset, m!.byteOffset, v!.byteOffset, ...(out.map((o) => o.byteOffset) as [number, number, number]), p!.length, ...s);
    else adamwLoop(p!, g!, m!, v!, out, s);
    return outputs;
  };
}

/** Registers the fused AdamW kernel for a device whose tensors live in JavaScript-readable memory. */
export function registerAdamW(device: HostDevice): void {
  if (tf.getKernel(ADAMW_KERNEL, device)) return;
  tf.registerKernel({
    kernelName: ADAMW_KERNEL,
    backendName: device,
    kernelFunc: adamwKernel(device),
  });
}

export function adamw(param: Tensor, grad: Tensor, expAvg: Tensor, expAvgSq: Tensor, s: AdamWStep): AdamWResult {
  const shape = tfOf(param).shape;
  for (const [name, t] of Object.entries({ grad, expAvg, expAvgSq })) {
    if (!tf.util.arraysEqual(tfOf(t).shape, shape)) throw new ShapeMismatchError(`adamw ${name}`, shape, tfOf(t).shape);
  }
  const inputs: Record<string, tf.Tensor> = {
    param: tfOf(param),
    grad: tfOf(grad),
    expAvg: tfOf(expAvg),
    expAvgSq: tfOf(expAvgSq),
    gradScale: tfOf(s.gradScale),
    stepSize: tfOf(s.stepSize),
    biasCorrection2Sqrt: tfOf(s.biasCorrection2Sqrt),
  };
  if (s.decay) inputs.decay = tfOf(s.decay);
  const attrs = { beta1: s.beta1, beta2: s.beta2, eps: s.eps };
  const [p, m, v] = tf.engine().runKernel(ADAMW_KERNEL, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
  return { param: fromTf(p!), expAvg: fromTf(m!), expAvgSq: fromTf(v!) };
}
