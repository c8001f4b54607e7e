/** Broadcasting binary ops, unary math, and notEqual. */
import { TraceError } from '../errors.js';
import type { GraphBuilder, SymbolicTensor } from '../graph/builder.js';
import { broadcastShapes } from '../graph/shapes.js';
import { DataType } from '../proto/onnx.js';

export type BinaryOp = 'Add' | 'Sub' | 'Mul' | 'Div';
export type UnaryOp = 'Neg' | 'Exp' | 'Log' | 'Sqrt' | 'Tanh' | 'Erf';

export function binary(g: GraphBuilder, op: BinaryOp, a: SymbolicTensor, b: SymbolicTensor): SymbolicTensor {
  if (a.dtype !== b.dtype) throw new TraceError(`${op}: operands are ${a.dtype} and ${b.dtype}; cast one first`);
  return g.node(op, { inputs: [a, b], dtype: a.dtype, shape: broadcastShapes(a.shape, b.shape, op) });
}

export function unary(g: GraphBuilder, op: UnaryOp, x: SymbolicTensor): SymbolicTensor {
  if (op !== 'Neg' && x.dtype !== 'float32') throw new TraceError(`${op}: needs a float32 tensor, got ${x.dtype}`);
  return g.node(op, { inputs: [x], dtype: x.dtype, shape: x.shape });
}

/** 1 where a ≠ b, else 0, as float32. */
export function notEqual(g: GraphBuilder, a: SymbolicTensor, b: SymbolicTensor): SymbolicTensor {
  if (a.dtype !== b.dtype) throw new TraceError(`notEqual: operands are ${a.dtype} and ${b.dtype}; cast one first`);
  const shape = broadcastShapes(a.shape, b.shape, 'notEqual');
  // Equal and Not produce BOOL, which the contract has no dtype for; these values never leave this kernel.
  const equal = g.node('Equal', { inputs: [a, b], dtype: 'int32', shape });
  const different = g.node('Not', { inputs: [equal], dtype: 'int32', shape });
  return g.node('Cast', { inputs: [different], dtype: 'float32', shape, attributes: { to: { type: 'int', value: DataType.FLOAT } } });
}
