/** matmul and linear. */
import type { WeightLayout } from '@attnjs/core';
import { ShapeMismatchError } from '@attnjs/core';
import { TraceError } from '../errors.js';
import type { GraphBuilder, SymbolicTensor } from '../graph/builder.js';
import { matmulShape } from '../graph/shapes.js';
import { binary } from './elementwise.js';

function transposeLastTwo(g: GraphBuilder, x: SymbolicTensor): SymbolicTensor {
  const rank = x.shape.length;
  if (rank < 2) throw new TraceError(`matmul: cannot transpose a rank-${rank} operand`);
  const perm = [...Array(rank).keys()];
  [perm[rank - 2], perm[rank - 1]] = [rank - 1, rank - 2];
  return g.node('Transpose', {
    inputs: [x],
    dtype: x.dtype,
    shape: perm.map((p) => x.shape[p]!),
    attributes: { perm: { type: 'ints', value: perm } },
  });
}

export function matmul(g: GraphBuilder, a: SymbolicTensor, b: SymbolicTensor, transposeA: boolean, transposeB: boolean): SymbolicTensor {
  if (a.dtype !== 'float32' || b.dtype !== 'float32') throw new TraceError(`matmul: needs float32 operands, got ${a.dtype} and ${b.dtype}`);
  const left = transposeA ? transposeLastTwo(g, a) : a;
  const right = transposeB ? transposeLastTwo(g, b) : b;
  return g.node('MatMul', { inputs: [left, right], dtype: 'float32', shape: matmulShape(left.shape, right.shape) });
}

/**
 * y = x·W + b as MatMul (+ Add), which takes x of any rank directly (no reshapes, and the result is
 * written once even when it is a graph output). An `outIn` weight goes through a Transpose of its
 * initializer that never runs per call: ONNX Runtime folds it when it loads the session, and
 * `graph/layout.ts` stores untied weights pre-transposed where no optimiser will (exports, level
 * 'disabled'). A tied weight (GPT-2's wte, also read by Gather) stays one initializer either way.
 */
export function linear(
  g: GraphBuilder,
  x: SymbolicTensor,
  weight: SymbolicTensor,
  bias: SymbolicTensor | undefined,
  layout: WeightLayout,
): SymbolicTensor {
  if (weight.shape.length !== 2) throw new TraceError(`linear: weight must be 2-D, got rank ${weight.shape.length}`);
  const [rows, cols] = weight.shape;
  const out = layout === 'outIn' ? rows! : cols!;
  if (bias && (bias.shape.length !== 1 || (out !== null && bias.shape[0] !== null && bias.shape[0] !== out))) {
    throw new ShapeMismatchError('linear bias', [out], bias.shape);
  }
  const y = matmul(g, x, weight, false, layout === 'outIn');
  return bias ? binary(g, 'Add', y, bias) : y;
}
