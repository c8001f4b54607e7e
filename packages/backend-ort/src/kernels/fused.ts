/** Fused kernels: layerNorm, gelu (linear is in linalg.ts). */
import type { GeluApproximation } from '@attnjs/core';
import { ShapeMismatchError } from '@attnjs/core';
import { TraceError } from '../errors.js';
import type { GraphBuilder, SymbolicTensor } from '../graph/builder.js';

/** LayerNormalization (opset 17) over the last axis. */
export function layerNorm(g: GraphBuilder, x: SymbolicTensor, weight: SymbolicTensor, bias: SymbolicTensor, eps: number): SymbolicTensor {
  if (x.dtype !== 'float32') throw new TraceError(`layerNorm: needs float32, got ${x.dtype}`);
  const size = x.shape[x.shape.length - 1];
  for (const [name, p] of [['weight', weight], ['bias', bias]] as const) {
    if (p.shape.length !== 1 || (size != null && p.shape[0] !== null && p.shape[0] !== size)) {
      throw new ShapeMismatchError(`layerNorm ${name}`, [size ?? null], p.shape);
    }
  }
  return g.node('LayerNormalization', {
    inputs: [x, weight, bias],
    dtype: 'float32',
    shape: x.shape,
    attributes: { axis: { type: 'int', value: -1 }, epsilon: { type: 'float', value: eps } },
  });
}

/** Gelu (opset 20): `none` is the erf form, `tanh` the approximation GPT-2 calls gelu_new. */
export function gelu(g: GraphBuilder, x: SymbolicTensor, approximate: GeluApproximation): SymbolicTensor {
  if (x.dtype !== 'float32') throw new TraceError(`gelu: needs float32, got ${x.dtype}`);
  if (approximate !== 'none' && approximate !== 'tanh') throw new TraceError(`gelu: unknown approximation "${approximate}"`);
  return g.node('Gelu', {
    inputs: [x],
    dtype: 'float32',
    shape: x.shape,
    attributes: { approximate: { type: 'string', value: approximate } },
  });
}
