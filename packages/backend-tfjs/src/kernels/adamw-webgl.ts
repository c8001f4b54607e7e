import * as tf from '@tensorflow/tfjs-core';
import { ADAMW_KERNEL } from './adamw.js';

/** What tfjs-backend-webgl offers a kernel: its program runner (one GLSL fragment shader per output). */
interface WebglBackend {
  runWebGLProgram(program: WebglProgram, inputs: tf.TensorInfo[], outputDtype: tf.DataType): tf.TensorInfo;
}

interface WebglProgram {
  variableNames: string[];
  outputShape: number[];
  userCode: string;
}

interface Attrs {
  beta1: number;
  beta2: number;
  eps: number;
}

/** A float as a GLSL literal of float32 precision. */
const glsl = (x: number) => Math.fround(x).toExponential(9);

/**
 * One output of the AdamW step (the parameter or a moment) as a WebGL program: tfjs-webgl runs one shader
 * per output, so the step is three draws where core's decomposition is ~14. GLSL is free to contract a
 * product and a sum, so the result is float32 AdamW to rounding, not bit for bit the decomposition.
 */
function program(shape: number[], output: 'param' | 'expAvg' | 'expAvgSq', withDecay: boolean, a: Attrs): WebglProgram {
  const value = {
    param: `getParamAtOutCoords()${withDecay ? ' * getDecayAtOutCoords()' : ''} - (m / (sqrt(v) / getCorrectionAtOutCoords() + ${glsl(a.eps)})) * getStepSizeAtOutCoords()`,
    expAvg: 'm',
    expAvgSq: 'v',
  }[output];
  return {
    variableNames: ['param', 'grad', 'expAvg', 'expAvgSq', 'gradScale', 'stepSize', 'correction', ...(withDecay ? ['decay'] : [])],
    outputShape: shape,
    userCode: `
      void main() {
        float g = getGradAtOutCoords() * getGradScaleAtOutCoords();
        float m = getExpAvgAtOutCoords() * ${glsl(a.beta1)} + g * ${glsl(1 - a.beta1)};
        float v = getExpAvgSqAtOutCoords() * ${glsl(a.beta2)} + (g * g) * ${glsl(1 - a.beta2)};
        setOutput(${value});
      }`,
  };
}

/** Registers the AdamW kernel (see adamw.ts) on tfjs-webgl: three shaders instead of ~14 kernels. */
export function registerWebglAdamW(): void {
  if (tf.getKernel(ADAMW_KERNEL, 'webgl')) return;
  tf.registerKernel({
    kernelName: ADAMW_KERNEL,
    backendName: 'webgl',
    kernelFunc: ({ inputs, attrs, backend }) => {
      const { param, grad, expAvg, expAvgSq, gradScale, decay, stepSize, biasCorrection2Sqrt } = inputs as Record<string, tf.TensorInfo>;
      const ordered = [param, grad, expAvg, expAvgSq, gradScale, stepSize, biasCorrection2Sqrt, ...(decay ? [decay] : [])] as tf.TensorInfo[];
      const webgl = backend as unknown as WebglBackend;
      return (['param', 'expAvg', 'expAvgSq'] as const).map((output) =>
        webgl.runWebGLProgram(program(param!.shape, output, decay !== undefined, attrs as unknown as Attrs), ordered, 'float32'),
      );
    },
  });
}
