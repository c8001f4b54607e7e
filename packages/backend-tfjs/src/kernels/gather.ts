import type { Tensor } from '@attnjs/core';
import { InputError, ShapeMismatchError } from '@attnjs/core';
import * as tf from '@tensorflow/tfjs-core';
import { fromTf, tfOf } from '../tensors.js';

/**
 * tf.gather with a scatter-add gradient. tfjs differentiates gather through UnsortedSegmentSum, which the
 * wasm backend lacks and tfjs-backend-cpu runs as one masked sum per output row (a loop of kernels over
 * the table's rows: ~25× a forward pass for GPT-2's embedding and the loss's pick from the logits);
 * ScatterNd sums duplicate rows the same way in one pass, and every backend has it.
 */
const gatherScatterGrad = tf.customGrad(((table: tf.Tensor, ids: tf.Tensor, save: tf.GradSaveFunc) => {
  save([ids]);
  return {
    value: tf.gather(table, ids, 0),
    gradFunc: (dy: tf.Tensor, [saved]: tf.Tensor[]) => {
      const rows = tf.reshape(saved!, [-1, 1]);
      const updates = tf.reshape(dy, [saved!.size, ...table.shape.slice(1)]);
      return [tf.scatterND(rows, updates, table.shape), tf.zeros(saved!.shape)];
    },
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]);

/** Rows of `table` at `ids`, differentiable on every backend. */
function gatherRows(table: tf.Tensor, ids: tf.Tensor): tf.Tensor {
  // tfjs-backend-wasm 4.22 gives a wrong shape for empty ids (e.g. [1, 0] → [1, 1, 0, 1]).
  if (ids.size === 0) return tf.zeros([...ids.shape, ...table.shape.slice(1)], table.dtype);
  return gatherScatterGrad(table, ids);
}

/** table [N, ...] at int32 ids [...] → [...ids.shape, ...table.shape[1:]]. */
export function gather(table: Tensor, ids: Tensor): Tensor {
  if (ids.dtype !== 'int32') throw new InputError(`gather: ids must be int32, got ${ids.dtype}`);
  return fromTf(gatherRows(tfOf(table), tfOf(ids)));
}

/** x [..., N] at int32 idx [...] (x's leading shape) → idx's shape: a 1-D gather into flattened x. */
export function takeAlongLastAxis(x: Tensor, idx: Tensor): Tensor {
  const values = tfOf(x);
  const indices = tfOf(idx);
  if (indices.dtype !== 'int32') throw new InputError(`takeAlongLastAxis: idx must be int32, got ${indices.dtype}`);
  const lead = values.shape.slice(0, -1);
  if (lead.length !== indices.rank || lead.some((d, i) => d !== indices.shape[i])) {
    throw new ShapeMismatchError('takeAlongLastAxis idx', lead, indices.shape);
  }
  const n = values.shape[values.rank - 1]!;
  const rowStarts = tf.reshape(tf.range(0, indices.size * n, n, 'int32'), indices.shape);
  return fromTf(gatherRows(tf.reshape(values, [-1]), tf.add(indices, rowStarts)));
}
