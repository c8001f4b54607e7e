/** param, constant, cast. */
import type { DType, HostTensor, Parameter } from '@attnjs/core';
import { type GraphBuilder, onnxType, type SymbolicTensor } from '../graph/builder.js';

export function param(g: GraphBuilder, p: Parameter): SymbolicTensor {
  return g.param(p);
}

export function constant(g: GraphBuilder, value: HostTensor): SymbolicTensor {
  return g.constant(value);
}

export function cast(g: GraphBuilder, x: SymbolicTensor, dtype: DType): SymbolicTensor {
  if (x.dtype === dtype) return x;
  return g.node('Cast', { inputs: [x], dtype, shape: x.shape, attributes: { to: { type: 'int', value: onnxType(dtype) } } });
}
