/**
 * The registry: core's `Kernels` implemented by appending ONNX nodes to a graph being traced.
 * Each entry checks that its tensors belong to this trace and forwards to the op's own file.
 */
import { type Kernels, Ops, type Tensor } from '@attnjs/core';
import type { GraphBuilder, SymbolicTensor } from '../graph/builder.js';
import { cast, constant, param } from './data.js';
import { binary, notEqual, unary } from './elementwise.js';
import { gelu, layerNorm } from './fused.js';
import { causalMask, gather, range, takeAlongLastAxis } from './indexing.js';
import { linear, matmul } from './linalg.js';
import { argmax, reduce, softmax } from './reduce.js';
import { concat, reshape, slice, transpose } from './shape.js';

export interface KernelOptions {
  /** Build tanh GELU from elementary ops (core's decomposition) rather than the Gelu node. */
  readonly decomposeTanhGelu?: boolean;
  /** Emit the fused linear, layerNorm and gelu nodes (default true); false leaves them to core's decompositions. */
  readonly fusedKernels?: boolean;
}

export function tracingKernels(g: GraphBuilder, options: KernelOptions = {}): Kernels {
  const t = (x: Tensor, op: string): SymbolicTensor => g.own(x, op);
  const kernels: Kernels = {
    param: (p) => param(g, p),
    constant: (value) => constant(g, value),
    cast: (x, dtype) => cast(g, t(x, 'cast'), dtype),

    reshape: (x, shape) => reshape(g, t(x, 'reshape'), shape),
    transpose: (x, perm) => transpose(g, t(x, 'transpose'), perm),
    slice: (x, axis, start, end) => slice(g, t(x, 'slice'), axis, start, end),
    concat: (xs, axis) => concat(g, xs.map((x) => t(x, 'concat')), axis),

    add: (a, b) => binary(g, 'Add', t(a, 'add'), t(b, 'add')),
    sub: (a, b) => binary(g, 'Sub', t(a, 'sub'), t(b, 'sub')),
    mul: (a, b) => binary(g, 'Mul', t(a, 'mul'), t(b, 'mul')),
    div: (a, b) => binary(g, 'Div', t(a, 'div'), t(b, 'div')),
    neg: (x) => unary(g, 'Neg', t(x, 'neg')),
    exp: (x) => unary(g, 'Exp', t(x, 'exp')),
    log: (x) => unary(g, 'Log', t(x, 'log')),
    sqrt: (x) => unary(g, 'Sqrt', t(x, 'sqrt')),
    tanh: (x) => unary(g, 'Tanh', t(x, 'tanh')),
    erf: (x) => unary(g, 'Erf', t(x, 'erf')),
    notEqual: (a, b) => notEqual(g, t(a, 'notEqual'), t(b, 'notEqual')),

    matmul: (a, b, transposeA = false, transposeB = false) => matmul(g, t(a, 'matmul'), t(b, 'matmul'), transposeA, transposeB),
    sum: (x, axes, keepDims = false) => reduce(g, 'ReduceSum', t(x, 'sum'), axes, keepDims),
    mean: (x, axes, keepDims = false) => reduce(g, 'ReduceMean', t(x, 'mean'), axes, keepDims),
    max: (x, axes, keepDims = false) => reduce(g, 'ReduceMax', t(x, 'max'), axes, keepDims),
    argmax: (x, axis) => argmax(g, t(x, 'argmax'), axis),
    softmax: (x) => softmax(g, 'Softmax', t(x, 'softmax')),
    logSoftmax: (x) => softmax(g, 'LogSoftmax', t(x, 'logSoftmax')),

    gather: (table, ids) => gather(g, t(table, 'gather'), t(ids, 'gather')),
    takeAlongLastAxis: (x, idx) => takeAlongLastAxis(g, t(x, 'takeAlongLastAxis'), t(idx, 'takeAlongLastAxis')),
    range: (like, axis, offset = 0) => range(g, t(like, 'range'), axis, offset),
    causalMask: (scores) => causalMask(g, t(scores, 'causalMask')),

    linear: (x, weight, bias, layout) => linear(g, t(x, 'linear'), t(weight, 'linear'), bias && t(bias, 'linear'), layout),
    layerNorm: (x, weight, bias, eps) => layerNorm(g, t(x, 'layerNorm'), t(weight, 'layerNorm'), t(bias, 'layerNorm'), eps),
    gelu: (x, approximate) => gelu(g, t(x, 'gelu'), approximate),
  };
  if (options.fusedKernels === false) return { ...kernels, linear: undefined, layerNorm: undefined, gelu: undefined };
  if (options.decomposeTanhGelu) {
    const decomposed = new Ops({ ...kernels, gelu: undefined });
    kernels.gelu = (x, approximate) => (approximate === 'tanh' ? decomposed.gelu(x, 'tanh') : gelu(g, t(x, 'gelu'), approximate));
  }
  return kernels;
}
