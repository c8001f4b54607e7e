/** reshape, transpose, slice, concat. */
import { ShapeMismatchError } from '@attnjs/core';
import { TraceError } from '../errors.js';
import type { GraphBuilder, SymbolicTensor } from '../graph/builder.js';
import { type Dim, normalizeAxis, reshapeShape, sliceLength } from '../graph/shapes.js';

export function reshape(g: GraphBuilder, x: SymbolicTensor, shape: readonly number[]): SymbolicTensor {
  const out = reshapeShape(x.shape, shape);
  // ONNX Reshape has exactly the contract's 0 / −1 semantics, so the target goes in unchanged.
  return g.node('Reshape', { inputs: [x, g.int64(shape)], dtype: x.dtype, shape: out });
}

export function transpose(g: GraphBuilder, x: SymbolicTensor, perm: readonly number[]): SymbolicTensor {
  const rank = x.shape.length;
  const axes = perm.map((p) => normalizeAxis(p, rank, 'transpose'));
  if (axes.length !== rank || new Set(axes).size !== rank) {
    throw new TraceError(`transpose: [${perm.join(', ')}] is not a permutation of ${rank} axes`);
  }
  if (axes.every((a, i) => a === i)) return x;
  return g.node('Transpose', {
    inputs: [x],
    dtype: x.dtype,
    shape: axes.map((a) => x.shape[a]!),
    attributes: { perm: { type: 'ints', value: axes } },
  });
}

/** "To the end" for ONNX Slice, which clamps ends to the dimension. */
const TO_END = Number.MAX_SAFE_INTEGER;

export function slice(g: GraphBuilder, x: SymbolicTensor, axis: number, start: number, end?: number): SymbolicTensor {
  const a = normalizeAxis(axis, x.shape.length, 'slice');
  if (!Number.isInteger(start) || (end !== undefined && !Number.isInteger(end))) {
    throw new TraceError(`slice: start ${start} and end ${end} must be integers`);
  }
  if (start === 0 && end === undefined) return x;
  const n = x.shape[a]!;
  const shape = x.shape.map((d, i) => (i === a ? (n === null ? null : sliceLength(n, start, end)) : d));
  // ONNX Slice clamps negative and out-of-range starts/ends exactly as Python does.
  return g.node('Slice', {
    inputs: [x, g.int64([start]), g.int64([end ?? TO_END]), g.int64([a])],
    dtype: x.dtype,
    shape,
  });
}

export function concat(g: GraphBuilder, xs: readonly SymbolicTensor[], axis: number): SymbolicTensor {
  if (xs.length === 0) throw new TraceError('concat: no tensors given');
  const first = xs[0]!;
  if (xs.length === 1) return first;
  const rank = first.shape.length;
  const a = normalizeAxis(axis, rank, 'concat');
  const shape: Dim[] = [...first.shape];
  for (const x of xs.slice(1)) {
    if (x.dtype !== first.dtype) throw new TraceError(`concat: mixes ${first.dtype} and ${x.dtype}`);
    if (x.shape.length !== rank) throw new ShapeMismatchError('concat operand', first.shape, x.shape);
    x.shape.forEach((d, i) => {
      if (i === a) shape[i] = shape[i] === null || d === null ? null : shape[i]! + d;
      else if (shape[i] === null) shape[i] = d;
      else if (d !== null && d !== shape[i]) throw new ShapeMismatchError('concat operand', first.shape, x.shape);
    });
  }
  return g.node('Concat', { inputs: xs, dtype: first.dtype, shape, attributes: { axis: { type: 'int', value: a } } });
}
