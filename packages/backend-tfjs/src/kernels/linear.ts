import type { Tensor, WeightLayout } from '@attnjs/core';
import { ShapeMismatchError } from '@attnjs/core';
import * as tf from '@tensorflow/tfjs-core';
import { fromTf, tfOf } from '../tensors.js';
import type { MaterialisedTransposes } from './index.js';
import { recordedLinear, streamsWeight, timesWeightStreamed } from './plain-matmul.js';

/**
 * x [..., in] → [..., out] as one 2-D matmul, fused with the bias where that is correct (while recording
 * gradients on wasm, with gradients that multiply materialised transposes only). Flattening the leading
 * axes avoids a batched matmul over a broadcast weight.
 */
export function linear(
  x: Tensor,
  weight: Tensor,
  bias: Tensor | undefined,
  layout: WeightLayout,
  materialise?: MaterialisedTransposes,
): Tensor {
  const input = tfOf(x);
  const w = tfOf(weight);
  const transposeB = layout === 'outIn';
  const [inFeatures, outFeatures] = transposeB ? [w.shape[1]!, w.shape[0]!] : [w.shape[0]!, w.shape[1]!];
  if (w.rank !== 2 || input.shape[input.rank - 1] !== inFeatures) {
    throw new ShapeMismatchError('linear weight', transposeB ? [null, input.shape[input.rank - 1]!] : [input.shape[input.rank - 1]!, null], w.shape);
  }
  const rows = tf.reshape(input, [-1, inFeatures]); // (B·T, in)
  const recording = materialise?.recording() === true;
  // A weight too large for the caches, in inference: read once as the left operand (see plain-matmul.ts).
  const streamed = materialise !== undefined && !recording && transposeB && streamsWeight(rows.shape[0]!, w);
  const wT = transposeB && !recording && !streamed ? materialise?.transposed(w) : undefined; // [in, out]
  let y: tf.Tensor; // (B·T, out)
  if (recording) {
    // tfjs's fused matmul gradient multiplies by transposed operands: the slow path on wasm.
    y = recordedLinear(rows, w, bias && tfOf(bias), transposeB);
  } else if (streamed) {
    y = timesWeightStreamed(rows, w, bias && tfOf(bias));
  } else if (!transposeB || wT) {
    y = tf.fused.matMul({ a: rows, b: wT ?? w, bias: bias && tfOf(bias) });
  } else {
    // tfjs-backend-wasm 4.22's _FusedMatMul adds the bias wrongly when transposeB is set (the conformance
    // suite caught it), so [out, in] weights take a plain matmul and a separate add.
    y = tf.matMul(rows, w, false, true);
    if (bias) y = tf.add(y, tfOf(bias));
  }
  return fromTf(tf.reshape(y, [...input.shape.slice(0, -1), outFeatures]));
}
