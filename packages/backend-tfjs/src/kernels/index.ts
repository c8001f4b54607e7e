import type { Kernels, Parameter, Tensor } from '@attnjs/core';
import * as tf from '@tensorflow/tfjs-core';
import { fromTf } from '../tensors.js';
import { add, div, mul, notEqual, sub } from './binary.js';
import { ADAMW_KERNEL, adamw } from './adamw.js';
import { causalMask } from './causal-mask.js';
import { concat } from './concat.js';
import { cast, constant } from './data.js';
import { gather, takeAlongLastAxis } from './gather.js';
import { gelu } from './gelu.js';
import { layerNorm } from './layer-norm.js';
import { linear } from './linear.js';
import { matmul } from './matmul.js';
import { randomMask } from './random-mask.js';
import { range } from './range.js';
import { argmax, max, mean, sum } from './reduce.js';
import { reshape } from './reshape.js';
import { slice } from './slice.js';
import { SUM_OF_SQUARES_KERNEL, sumOfSquares } from './sum-of-squares.js';
import { logSoftmax, softmax } from './softmax.js';
import { transpose } from './transpose.js';
import { erf, exp, log, neg, sqrt, tanh } from './unary.js';

/**
 * The registry: every op the contract names, one import each. Only `param` needs the engine's state
 * (its parameter store); everything else is a plain function of tfjs tensors. `attention` is left to
 * core's decomposition, which is already matmul + softmax here.
 */
/**
 * Given on engines where a product with a transposed operand is slow (tfjs-backend-wasm): matmuls then
 * multiply materialised transposes only, in the forward pass and in their gradients.
 */
export interface MaterialisedTransposes {
  /** xᵀ over the last two axes (a cached copy for a parameter outside gradient recording). */
  transposed(x: tf.Tensor): tf.Tensor;
  /** Whether gradients are being recorded (fused kernels then give way to differentiable plain ones). */
  recording(): boolean;
}

/**
 * Without the fused kernels (`fused` false), core decomposes linear, layerNorm, gelu, adamw and sumOfSquares
 * into the ops above. The optimiser kernels are given where `device` registered them when it started
 * (devices.ts): adamw on every device, sumOfSquares on cpu and wasm.
 */
export function createKernels(device: string, param: (p: Parameter) => tf.Tensor, materialise?: MaterialisedTransposes, fused = true): Kernels {
  const primitives: Kernels = {
    param: (p: Parameter): Tensor => fromTf(param(p)),
    constant,
    cast,
    reshape,
    transpose,
    slice,
    concat,
    add,
    sub,
    mul,
    div,
    neg,
    exp,
    log,
    sqrt,
    tanh,
    erf,
    notEqual,
    matmul: (a, b, transposeA, transposeB) => matmul(a, b, transposeA, transposeB, materialise),
    sum,
    mean,
    max,
    argmax,
    softmax,
    logSoftmax,
    gather,
    takeAlongLastAxis,
    range,
    causalMask,
    randomMask,
  };
  if (!fused) return primitives;
  const fusedKernels: Kernels = { ...primitives, linear: (x, weight, bias, layout) => linear(x, weight, bias, layout, materialise), layerNorm, gelu };
  return {
    ...fusedKernels,
    ...(tf.getKernel(ADAMW_KERNEL, device) ? { adamw } : {}),
    ...(tf.getKernel(SUM_OF_SQUARES_KERNEL, device) ? { sumOfSquares } : {}),
  };
}
