/** gather, takeAlongLastAxis, range, causalMask. */
import { MASK_VALUE } from '@attnjs/core';
import { TraceError } from '../errors.js';
import type { GraphBuilder, SymbolicTensor } from '../graph/builder.js';
import { normalizeAxis } from '../graph/shapes.js';
import { DataType } from '../proto/onnx.js';

function requireInt(x: SymbolicTensor, op: string): void {
  if (x.dtype !== 'int32') throw new TraceError(`${op}: indices must be int32, got ${x.dtype}`);
}

/** Rows of `table` at `ids`: [...ids, ...table[1:]]. Out-of-range ids fail in ONNX Runtime. */
export function gather(g: GraphBuilder, table: SymbolicTensor, ids: SymbolicTensor): SymbolicTensor {
  requireInt(ids, 'gather');
  if (table.shape.length === 0) throw new TraceError('gather: the table must have rank ≥ 1');
  return g.node('Gather', {
    inputs: [table, ids],
    dtype: table.dtype,
    shape: [...ids.shape, ...table.shape.slice(1)],
    attributes: { axis: { type: 'int', value: 0 } },
  });
}

/** x[..., idx[...]]: GatherElements wants indices of x's rank, so idx gets a trailing axis of 1. */
export function takeAlongLastAxis(g: GraphBuilder, x: SymbolicTensor, idx: SymbolicTensor): SymbolicTensor {
  requireInt(idx, 'takeAlongLastAxis');
  if (idx.shape.length !== x.shape.length - 1) {
    throw new TraceError(`takeAlongLastAxis: idx has rank ${idx.shape.length}, expected ${x.shape.length - 1}`);
  }
  const lastAxis = g.int64([-1]);
  const column = g.node('Unsqueeze', { inputs: [idx, lastAxis], dtype: 'int32', shape: [...idx.shape, 1] });
  const picked = g.node('GatherElements', {
    inputs: [x, column],
    dtype: x.dtype,
    shape: [...idx.shape, 1],
    attributes: { axis: { type: 'int', value: -1 } },
  });
  return g.node('Squeeze', { inputs: [picked, lastAxis], dtype: x.dtype, shape: idx.shape });
}

/** `like`'s size along `axis` as an INT64 scalar, read at run time. */
function dimScalar(g: GraphBuilder, like: SymbolicTensor, axis: number): SymbolicTensor {
  const size = g.node('Shape', {
    inputs: [like],
    dtype: 'int32',
    shape: [1],
    attributes: { start: { type: 'int', value: axis }, end: { type: 'int', value: axis + 1 } },
  });
  return g.node('Squeeze', { inputs: [size, g.int64([0])], dtype: 'int32', shape: [] });
}

export function range(g: GraphBuilder, like: SymbolicTensor, axis: number, offset: number): SymbolicTensor {
  const a = normalizeAxis(axis, like.shape.length, 'range');
  if (!Number.isInteger(offset)) throw new TraceError(`range: offset ${offset} must be an integer`);
  const n = like.shape[a]!;
  if (n !== null) return g.int64(Array.from({ length: n }, (_, i) => offset + i));
  const start = g.int64([offset], true);
  const count = dimScalar(g, like, a);
  const limit = offset === 0 ? count : g.node('Add', { inputs: [count, start], dtype: 'int32', shape: [] });
  return g.node('Range', { inputs: [start, limit, g.int64([1], true)], dtype: 'int32', shape: [null] });
}

/**
 * [Tq, Tk] additive mask: MASK_VALUE where key k > q + (Tk − Tq), else 0. Built as
 * Trilu(upper, diagonal Tk − Tq + 1) of a MASK_VALUE-filled [Tq, Tk], which keeps exactly the
 * entries with k − q ≥ Tk − Tq + 1 and zeroes the rest, for any Tq, Tk known only at run time.
 */
export function causalMask(g: GraphBuilder, scores: SymbolicTensor): SymbolicTensor {
  const rank = scores.shape.length;
  if (rank < 2) throw new TraceError(`causalMask: scores must have rank ≥ 2, got ${rank}`);
  const [tq, tk] = scores.shape.slice(-2) as [number | null, number | null];
  if (tq !== null && tk !== null) return g.constant(staticCausalMask(tq, tk));
  const dims = g.node('Shape', {
    inputs: [scores],
    dtype: 'int32',
    shape: [2],
    attributes: { start: { type: 'int', value: rank - 2 } },
  }); // [Tq, Tk]
  const fill = new Float32Array([MASK_VALUE]);
  const full = g.node('ConstantOfShape', {
    inputs: [dims],
    dtype: 'float32',
    shape: [tq, tk],
    attributes: { value: { type: 'tensor', value: { name: 'value', dataType: DataType.FLOAT, dims: [1], raw: new Uint8Array(fill.buffer) } } },
  });
  const offset = g.node('Sub', { inputs: [dimScalar(g, scores, rank - 1), dimScalar(g, scores, rank - 2)], dtype: 'int32', shape: [] });
  const diagonal = g.node('Add', { inputs: [offset, g.int64([1], true)], dtype: 'int32', shape: [] });
  return g.node('Trilu', { inputs: [full, diagonal], dtype: 'float32', shape: [tq, tk], attributes: { upper: { type: 'int', value: 1 } } });
}

function staticCausalMask(tq: number, tk: number) {
  const data = new Float32Array(tq * tk);
  for (let q = 0; q < tq; q++) for (let k = Math.max(0, q + (tk - tq) + 1); k < tk; k++) data[q * tk + k] = MASK_VALUE;
  return { dtype: 'float32' as const, shape: [tq, tk], data };
}
