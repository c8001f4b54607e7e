import * as tf from '@tensorflow/tfjs-core';
import { swapLastAxes } from '../tensors.js';

/**
 * aᵀ·dy, the right operand's gradient. XNNPACK packs a product's right operand anew for every new tensor,
 * and for 2-D operands packing the narrower of a and dy is faster: a [768, 128]ᵀ·dy [768, 512] takes
 * 6.9–8.8 ms, (dyᵀ·a)ᵀ 5.0–6.8 ms (the reverse when dy is the narrower one). Same products, summed in
 * another order.
 */
function transposedTimes(a: tf.Tensor, dy: tf.Tensor): tf.Tensor {
  if (a.rank === 2 && dy.rank === 2 && dy.shape[1]! > a.shape[1]!) return tf.transpose(tf.matMul(tf.transpose(dy), a));
  return tf.matMul(swapLastAxes(a), dy);
}

/** [dA, dB] of a·b: dY·bᵀ and aᵀ·dY, on materialised transposes. */
function plainGrads(dy: tf.Tensor, a: tf.Tensor, b: tf.Tensor): tf.Tensor[] {
  return [tf.matMul(dy, swapLastAxes(b)), transposedTimes(a, dy)];
}

/**
 * a·b for untransposed operands whose gradient never multiplies by a transposed operand. tfjs-backend-wasm
 * runs `matMul(a, b, false, true)` ~13× and `(true, false)` ~4× slower than a product of materialised
 * transposes, and tfjs's own MatMul gradient is exactly those two products (dA = dY·Bᵀ, dB = Aᵀ·dY); here
 * the transposes are made first, so the backward pass takes the fast path too.
 */
export const plainMatMul = tf.customGrad(((a: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
  save([a, b]);
  return {
    value: tf.matMul(a, b),
    gradFunc: (dy: tf.Tensor, [sa, sb]: tf.Tensor[]) => plainGrads(dy, sa!, sb!),
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (a: tf.Tensor, b: tf.Tensor) => tf.Tensor;

/**
 * x [N, in] · wᵀ for a weight stored [out, in] (nn.Linear, a tied LM head), on the same fast path. The
 * forward's transient transposes (see timesTransposedWeight) are not kept for the backward pass: through
 * plainMatMul the tape would keep them, and tfjs holds such temporaries until the backward pass ends,
 * ~1.3 GB for BERT-base. The backward pass transposes dY once for both products: dW = dYᵀ·x comes out
 * [out, in], and dX = (wᵀ·dYᵀ)ᵀ.
 * The right operand of a product is what XNNPACK packs, anew for every new tensor, so this form packs
 * activations (dYᵀ [out, N], x [N, in]) rather than the weight: dY·w would pack all of w (and keep that
 * packed copy while w lives, ~0.4 GB for BERT-base), a pass over every weight more per step.
 */
export const matMulByTransposedWeight = tf.customGrad(((x: tf.Tensor, w: tf.Tensor, save: tf.GradSaveFunc) => {
  save([x, w]);
  return {
    value: timesTransposedWeight(x, w),
    gradFunc: (dy: tf.Tensor, [sx, sw]: tf.Tensor[]) => transposedWeightGrads(dy, sx!, sw!),
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (x: tf.Tensor, w: tf.Tensor) => tf.Tensor;

/**
 * x [N, in]·wᵀ for w stored [out, in], in whichever form moves fewer elements. XNNPACK packs the right
 * operand of every product anew when it is a new tensor (the weights change every step), one element at
 * a time. x·wᵀ transposes and packs all of w; (w·xᵀ)ᵀ transposes and packs x and transposes the
 * [out, N] result, which is less when there are few rows: BERT-base's 2 × 128 rows (a step then moves
 * ~100 M elements fewer), or a masked-LM head over its few labelled rows (w: 30522 × 768 embeddings).
 * The same dot products, each still summed over `in` in order.
 */
function timesTransposedWeight(x: tf.Tensor, w: tf.Tensor, bias?: tf.Tensor): tf.Tensor {
  const [rows, inner] = x.shape as [number, number];
  const out = w.shape[0]!;
  if (rows * (2 * inner + out) < 2 * inner * out) return timesWeightStreamed(x, w, bias);
  return bias ? tf.fused.matMul({ a: x, b: tf.transpose(w), bias }) : tf.matMul(x, tf.transpose(w));
}

/** x [N, in]·wᵀ (+ bias) for w stored [out, in] as (w·xᵀ)ᵀ: w is the left operand, read once, never packed. */
export function timesWeightStreamed(x: tf.Tensor, w: tf.Tensor, bias?: tf.Tensor): tf.Tensor {
  const product = tf.transpose(tf.matMul(w, tf.transpose(x)));
  return bias ? tf.add(product, bias) : product;
}

/**
 * Whether an inference product x [rows, in]·wᵀ should take (w·xᵀ)ᵀ rather than a cached, packed wᵀ.
 * XNNPACK on one thread runs a product four rows at a time, each pass reading all of the packed right
 * operand: for a weight far larger than the caches (a vocabulary head: 30522 × 768 for BERT, 50257 × 768
 * for GPT-2) every pass comes from memory. As the left operand it is read once. Measured here: BERT's
 * 256 rows by its 30522-word head 652 → 445 ms, GPT-2's 8 rows by its 50257-word head 37 → 29 ms; one row
 * is a single pass either way, and weights that fit the caches gain nothing.
 */
export const streamsWeight = (rows: number, w: tf.Tensor): boolean => rows >= 8 && w.size >= 8 * 2 ** 20;

/** [dX, dW] of x·wᵀ for w stored [out, in] (see matMulByTransposedWeight). */
function transposedWeightGrads(dy: tf.Tensor, x: tf.Tensor, w: tf.Tensor): tf.Tensor[] {
  const dyT = tf.transpose(dy);
  return [tf.transpose(tf.matMul(tf.transpose(w), dyT)), tf.matMul(dyT, x)];
}

/**
 * x·w + bias as one fused kernel (the bias added in the product's epilogue, as inference does), with the
 * gradients of the unbiased product's fast path: d bias is dY summed over rows. Saves a pass over the
 * output and a kernel per layer while training.
 */
function withBias(transposedWeight: boolean): (x: tf.Tensor, w: tf.Tensor, bias: tf.Tensor) => tf.Tensor {
  const grads = (dy: tf.Tensor, x: tf.Tensor, w: tf.Tensor) =>
    transposedWeight ? transposedWeightGrads(dy, x, w) : plainGrads(dy, x, w);
  return tf.customGrad(((x: tf.Tensor, w: tf.Tensor, bias: tf.Tensor, save: tf.GradSaveFunc) => {
    save([x, w]);
    return {
      value: transposedWeight ? timesTransposedWeight(x, w, bias) : tf.fused.matMul({ a: x, b: w, bias }),
      gradFunc: (dy: tf.Tensor, [sx, sw]: tf.Tensor[]) => [...grads(dy, sx!, sw!), tf.sum(dy, 0)],
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (x: tf.Tensor, w: tf.Tensor, bias: tf.Tensor) => tf.Tensor;
}

const plainLinearWithBias = withBias(false);
const transposedLinearWithBias = withBias(true);

/** x [N, in]·w (+ bias) on the fast path while recording; `transposedWeight`: w is stored [out, in]. */
export function recordedLinear(x: tf.Tensor, w: tf.Tensor, bias: tf.Tensor | undefined, transposedWeight: boolean): tf.Tensor {
  if (bias) return (transposedWeight ? transposedLinearWithBias : plainLinearWithBias)(x, w, bias);
  return transposedWeight ? matMulByTransposedWeight(x, w) : plainMatMul(x, w);
}
