import type { Tensor } from '@attnjs/core';
import { ShapeMismatchError } from '@attnjs/core';
import * as tf from '@tensorflow/tfjs-core';
import { fromTf, tfOf } from '../tensors.js';
import type { MaterialisedTransposes } from './index.js';
import { swapLastAxes } from '../tensors.js';
import { batchedMatMul } from './batched-matmul.js';
import { matMulByTransposedWeight, plainMatMul, streamsWeight, timesWeightStreamed } from './plain-matmul.js';

/** NumPy broadcast of two batch shapes, or null when they do not broadcast. */
function broadcastShapes(a: readonly number[], b: readonly number[]): number[] | null {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) return null;
    out.push(Math.max(da, db));
  }
  return out;
}

/**
 * Batched matmul over the last two axes with NumPy batch broadcasting and ONNX's rank-1 promotion.
 * tfjs broadcasts a batch only when one side's batch is a single matrix, so other cases are expanded first.
 */
export function matmul(
  a: Tensor,
  b: Tensor,
  transposeA = false,
  transposeB = false,
  materialise?: MaterialisedTransposes,
): Tensor {
  let x = tfOf(a);
  let y = tfOf(b);
  const size = (s: readonly number[]) => s.reduce((n, d) => n * d, 1);
  // Several matrices on both sides take the depthwise-convolution path on wasm (see batched-matmul.ts),
  // which folds transposes itself; otherwise wasm multiplies materialised transposes only.
  const batchedOnWasm = materialise !== undefined && x.rank > 2 && y.rank > 2 && size(broadcastShapes(x.shape.slice(0, -2), y.shape.slice(0, -2)) ?? []) > 1;
  // x·wᵀ by one weight matrix while recording: a product that transposes the weight once (see plain-matmul.ts).
  const byWeightT = materialise?.recording() === true && transposeB && !transposeA && y.rank === 2 && x.rank >= 2;
  // x·wᵀ by a weight too large for the caches, in inference: w read once instead of once per four rows.
  const streamed = materialise?.recording() === false && transposeB && !transposeA && y.rank === 2 && x.rank >= 2 && streamsWeight(size(x.shape.slice(0, -1)), y);
  if (materialise && !batchedOnWasm && !byWeightT && !streamed && transposeB && y.rank >= 2) [y, transposeB] = [materialise.transposed(y), false];
  if (materialise && !batchedOnWasm && transposeA && x.rank >= 2) [x, transposeA] = [swapLastAxes(x), false];
  // With both transposes materialised, a product whose gradient does the same (see plain-matmul.ts).
  const product = (p: tf.Tensor, q: tf.Tensor, tA: boolean, tB: boolean) => {
    if (byWeightT) return matMulByTransposedWeight(p, q);
    if (streamed) return timesWeightStreamed(p, q);
    return materialise && !tA && !tB ? plainMatMul(p, q) : tf.matMul(p, q, tA, tB);
  };
  const vectorA = x.rank === 1;
  const vectorB = y.rank === 1;
  if (vectorA) x = tf.reshape(x, [1, -1]);
  if (vectorB) y = tf.reshape(y, [-1, 1]);
  const inner = (t: tf.Tensor, last: boolean) => t.shape[t.rank - (last ? 1 : 2)]!;
  const ka = inner(x, !transposeA);
  const kb = inner(y, transposeB);
  const batch = broadcastShapes(x.shape.slice(0, -2), y.shape.slice(0, -2));
  if (ka !== kb || batch === null) throw new ShapeMismatchError('matmul right operand', [...x.shape.slice(0, -2), ka, null], y.shape);
  const [m, n] = [x.shape[x.rank - (transposeA ? 1 : 2)]!, y.shape[y.rank - (transposeB ? 2 : 1)]!];
  if (ka === 0 || m === 0 || n === 0) {
    // An empty sum is 0 (NumPy, ONNX); tfjs-backend-wasm leaves such a product's memory uninitialised,
    // and its depthwise path cannot lay out empty operands.
    let out = tf.zeros([...batch, m, n]);
    if (vectorA) out = tf.squeeze(out, [out.rank - 2]);
    if (vectorB) out = tf.squeeze(out, [out.rank - 1]);
    return fromTf(out);
  }
  if (y.rank === 2 && x.rank > 2 && !transposeA && !vectorA) {
    // x·W with one weight matrix: a single 2-D matmul over the flattened rows. Besides being faster, it
    // sidesteps tfjs's BatchMatMul gradient, which does not reduce a broadcast operand back to its shape.
    const rows = product(tf.reshape(x, [-1, ka]), y, false, transposeB);
    let out = tf.reshape(rows, [...x.shape.slice(0, -1), rows.shape[1]!]);
    if (vectorB) out = tf.squeeze(out, [out.rank - 1]);
    return fromTf(out);
  }
  // tfjs pairs the flattened batches when both sides have the full batch; a side with fewer matrices is
  // expanded (broadcastTo's gradient sums back, where BatchMatMul's own broadcasting gradient would not).
  const full = (t: tf.Tensor) => size(t.shape.slice(0, -2)) === size(batch);
  if (!full(x) || !full(y)) {
    x = tf.broadcastTo(x, [...batch, ...x.shape.slice(-2)]);
    y = tf.broadcastTo(y, [...batch, ...y.shape.slice(-2)]);
  }
  let out = batchedOnWasm ? batchedMatMul(x, y, transposeA, transposeB) : product(x, y, transposeA, transposeB);
  if (vectorA) out = tf.squeeze(out, [out.rank - 2]);
  if (vectorB) out = tf.squeeze(out, [out.rank - 1]);
  return fromTf(out);
}
