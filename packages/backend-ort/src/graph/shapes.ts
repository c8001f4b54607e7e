/**
 * Static shape inference for symbolic tensors. A dimension is a number when it is known at trace
 * time and `null` when it depends on the inputs (batch, sequence). Where two known dimensions
 * contradict each other the program is wrong whatever the inputs, so that is an error at trace time.
 */
import { ShapeMismatchError } from '@attnjs/core';
import { TraceError } from '../errors.js';

export type Dim = number | null;
export type Shape = readonly Dim[];

/** Resolves a possibly negative axis against `rank`. */
export function normalizeAxis(axis: number, rank: number, op: string): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    throw new TraceError(`${op}: axis ${axis} is out of range for a rank-${rank} tensor`);
  }
  return axis < 0 ? axis + rank : axis;
}

/** NumPy broadcasting of two shapes. */
export function broadcastShapes(a: Shape, b: Shape, op: string): Dim[] {
  const rank = Math.max(a.length, b.length);
  const out: Dim[] = [];
  for (let i = 0; i < rank; i++) {
    const da = i < rank - a.length ? 1 : a[i - (rank - a.length)]!;
    const db = i < rank - b.length ? 1 : b[i - (rank - b.length)]!;
    if (da === 1) out.push(db);
    else if (db === 1) out.push(da);
    else if (da === null) out.push(db);
    else if (db === null || da === db) out.push(da);
    else throw new ShapeMismatchError(`${op} operand`, a, b);
  }
  return out;
}

const product = (dims: Shape): number | null =>
  dims.reduce<number | null>((n, d) => (n === null || d === null ? null : n * d), 1);

/** Output shape of ONNX Reshape (allowzero = 0): 0 copies the input dimension, −1 is inferred. */
export function reshapeShape(input: Shape, target: readonly number[]): Dim[] {
  if (target.filter((d) => d === -1).length > 1 || target.some((d) => !Number.isInteger(d) || d < -1)) {
    throw new TraceError(`reshape: invalid target shape [${target.join(', ')}]`);
  }
  const out: Dim[] = target.map((d, i) => {
    if (d !== 0) return d;
    if (i >= input.length) throw new TraceError(`reshape: 0 at index ${i} but the input has rank ${input.length}`);
    return input[i]!;
  });
  const inferred = out.indexOf(-1);
  // Dims copied by a 0 cancel out, so [B, T, 8] → [0, 0, 2, −1] still infers 4 with B, T unknown.
  const rest = input.filter((_, i) => target[i] !== 0);
  const total = product(rest);
  const known = product(out.filter((_, i) => i !== inferred && target[i] !== 0));
  if (inferred >= 0) {
    if (total !== null && known !== null) {
      if (known === 0 || total % known !== 0) throw new ShapeMismatchError('reshape input', out, input);
      out[inferred] = total / known;
    } else {
      out[inferred] = null;
    }
  } else if (total !== null && known !== null && known !== total) {
    throw new ShapeMismatchError('reshape input', out, input);
  }
  return out;
}

/** Length of a Python slice [start:end] of a dimension of known size `n`. */
export function sliceLength(n: number, start: number, end: number | undefined): number {
  const clamp = (i: number) => Math.min(Math.max(i < 0 ? i + n : i, 0), n);
  return Math.max(0, clamp(end ?? n) - clamp(start));
}

/** Output shape of a batched matmul: [...batch, M, K] × [...batch, K, N] → [...batch, M, N]. */
export function matmulShape(a: Shape, b: Shape): Dim[] {
  if (a.length < 2 || b.length < 2) {
    throw new TraceError(`matmul: operands must have rank ≥ 2, got [${a.join(', ')}] and [${b.join(', ')}]`);
  }
  const k1 = a[a.length - 1]!;
  const k2 = b[b.length - 2]!;
  if (k1 !== null && k2 !== null && k1 !== k2) throw new ShapeMismatchError('matmul right operand', [k1, null], b.slice(-2));
  const batch = broadcastShapes(a.slice(0, -2), b.slice(0, -2), 'matmul');
  return [...batch, a[a.length - 2]!, b[b.length - 1]!];
}

/** Shape after reducing `axes` (already normalised). */
export function reduceShape(shape: Shape, axes: readonly number[], keepDims: boolean): Dim[] {
  const out: Dim[] = [];
  shape.forEach((d, i) => {
    if (!axes.includes(i)) out.push(d);
    else if (keepDims) out.push(1);
  });
  return out;
}
