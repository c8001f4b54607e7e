/** Reductions, argmax, softmax. */
import { TraceError } from '../errors.js';
import type { GraphBuilder, SymbolicTensor } from '../graph/builder.js';
import { normalizeAxis, reduceShape } from '../graph/shapes.js';

export type ReduceOp = 'ReduceSum' | 'ReduceMean' | 'ReduceMax';

/** Reductions take their axes as an input since opset 18 (ReduceSum since 13). */
export function reduce(g: GraphBuilder, op: ReduceOp, x: SymbolicTensor, axes: readonly number[], keepDims: boolean): SymbolicTensor {
  const normalized = [...new Set(axes.map((a) => normalizeAxis(a, x.shape.length, op)))].sort((p, q) => p - q);
  // Reducing over no axes is the identity (NumPy's axis=()); ONNX would instead reduce over all of them.
  if (normalized.length === 0) return x;
  if (op === 'ReduceMean' && x.dtype !== 'float32') throw new TraceError(`mean: needs float32, got ${x.dtype}`);
  return g.node(op, {
    inputs: [x, g.int64(normalized)],
    dtype: x.dtype,
    shape: reduceShape(x.shape, normalized, keepDims),
    attributes: { keepdims: { type: 'int', value: keepDims ? 1 : 0 } },
  });
}

export function argmax(g: GraphBuilder, x: SymbolicTensor, axis: number): SymbolicTensor {
  const a = normalizeAxis(axis, x.shape.length, 'argmax');
  return g.node('ArgMax', {
    inputs: [x],
    dtype: 'int32', // INT64 in the graph
    shape: reduceShape(x.shape, [a], false),
    // select_last_index = 0: the first index wins ties, as the contract says.
    attributes: { axis: { type: 'int', value: a }, keepdims: { type: 'int', value: 0 } },
  });
}

export function softmax(g: GraphBuilder, op: 'Softmax' | 'LogSoftmax', x: SymbolicTensor): SymbolicTensor {
  if (x.dtype !== 'float32') throw new TraceError(`${op}: needs float32, got ${x.dtype}`);
  if (x.shape.length === 0) throw new TraceError(`${op}: needs at least one axis`);
  return g.node(op, { inputs: [x], dtype: 'float32', shape: x.shape, attributes: { axis: { type: 'int', value: -1 } } });
}
