import * as tf from '@tensorflow/tfjs-core';
import { ADAMW_KERNEL } from './adamw.js';

/** What tfjs-backend-webgpu offers a kernel: its program runner (one WGSL compute shader per output). */
interface WebgpuBackend {
  runWebGPUProgram(program: WebgpuProgram, inputs: tf.TensorInfo[], outputDtype: tf.DataType): tf.TensorInfo;
}

/** The fields of tfjs-backend-webgpu's `WebGPUProgram` a flat elementwise program sets. */
interface WebgpuProgram {
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  variableNames: string[];
  workgroupSize: [number, number, number];
  /** Adds `uniforms.size`, the output's element count. */
  size: true;
  getUserCode(): string;
}

interface Attrs {
  beta1: number;
  beta2: number;
  eps: number;
}

const WORKGROUP = 64;

/** A float as a WGSL literal of float32 precision. */
const wgsl = (x: number) => Math.fround(x).toExponential(9);

/** A flat elementwise program over `shape`: `code` sets `value` at `index` from the inputs named. */
function elementwise(shape: number[], key: string, variableNames: string[], code: string): WebgpuProgram {
  const size = tf.util.sizeFromShape(shape);
  return {
    outputShape: shape,
    // tfjs adds the inputs' ranks, dtypes and broadcasting to the key; the constants in the code go here.
    shaderKey: `attnAdamW_${key}`,
    dispatchLayout: { x: shape.map((_, i) => i) },
    // tfjs splits a dispatch wider than the device allows over y and z; getGlobalIndex() undoes that.
    dispatch: [Math.ceil(size / WORKGROUP), 1, 1],
    variableNames,
    workgroupSize: [WORKGROUP, 1, 1],
    size: true,
    getUserCode: () => `
      fn main(index : i32) {
        if (index < uniforms.size) {
          ${code}
          setOutputAtIndex(index, value);
        }
      }`,
  };
}

/**
 * The AdamW step as three WebGPU compute programs where core's decomposition is ~14 kernels: the two
 * moments, then the parameter from the new moments (as the decomposition does). tfjs-webgpu binds one
 * output per program, and a stage may bind only 8 storage buffers, so the parameter cannot recompute
 * the moments from all eight inputs. The scalars are rank-0 tensors, which tfjs's
 * `get<Name>ByOutputIndex` reads at any index. Like webgl's shaders this is float32 AdamW to rounding,
 * not bit for bit the decomposition.
 */
function adamwPrograms(shape: number[], withDecay: boolean, a: Attrs) {
  const g = 'getGradByOutputIndex(index) * getGradScaleByOutputIndex(index)';
  const decay = withDecay ? ' * getDecayByOutputIndex(index)' : '';
  return {
    expAvg: elementwise(shape, `m_${a.beta1}`, ['grad', 'expAvg', 'gradScale'], `
          let g = ${g};
          let value = getExpAvgByOutputIndex(index) * ${wgsl(a.beta1)} + g * ${wgsl(1 - a.beta1)};`),
    expAvgSq: elementwise(shape, `v_${a.beta2}`, ['grad', 'expAvgSq', 'gradScale'], `
          let g = ${g};
          let value = getExpAvgSqByOutputIndex(index) * ${wgsl(a.beta2)} + (g * g) * ${wgsl(1 - a.beta2)};`),
    param: elementwise(shape, `p_${withDecay}_${a.eps}`, ['param', 'm', 'v', 'stepSize', 'correction', ...(withDecay ? ['decay'] : [])], `
          let denom = sqrt(getVByOutputIndex(index)) / getCorrectionByOutputIndex(index) + ${wgsl(a.eps)};
          let value = getParamByOutputIndex(index)${decay} - (getMByOutputIndex(index) / denom) * getStepSizeByOutputIndex(index);`),
  };
}

/** Registers the AdamW kernel (see adamw.ts) on tfjs-webgpu: three compute shaders instead of ~14 kernels. */
export function registerWebgpuAdamW(): void {
  if (tf.getKernel(ADAMW_KERNEL, 'webgpu')) return;
  tf.registerKernel({
    kernelName: ADAMW_KERNEL,
    backendName: 'webgpu',
    kernelFunc: ({ inputs, attrs, backend }) => {
      const { param, grad, expAvg, expAvgSq, gradScale, decay, stepSize, biasCorrection2Sqrt } = inputs as Record<string, tf.TensorInfo>;
      const programs = adamwPrograms(param!.shape, decay !== undefined, attrs as unknown as Attrs);
      const run = (program: WebgpuProgram, inputs: (tf.TensorInfo | undefined)[]) =>
        (backend as unknown as WebgpuBackend).runWebGPUProgram(program, inputs as tf.TensorInfo[], 'float32');
      const m = run(programs.expAvg, [grad, expAvg, gradScale]);
      const v = run(programs.expAvgSq, [grad, expAvgSq, gradScale]);
      const p = run(programs.param, [param, m, v, stepSize, biasCorrection2Sqrt, ...(decay ? [decay] : [])]);
      return [p, m, v];
    },
  });
}
